"""Model Monitor record preprocessor: one captured request/response of the YOLO11 endpoint → one flat record.

Usage (by SageMaker, not by hand):
    upload this one file and name it in the monitoring schedule's RecordPreprocessorSourceUri;
    monitoring_baseline.py imports record_features() from it to build the baseline with the same columns.
    python -c "from monitoring import record_preprocessor as r; print(r.feature_names(['vehicle', 'person']))"

The data-quality analyzer (the sagemaker-model-monitor-analyzer image) imports this file on its own, as a
module named `preprocessor`, and for every line of the endpoint's data capture (JSON Lines with
captureData.endpointInput / endpointOutput, each {data, encoding, mode, observedContentType}) calls
preprocess_handler(inference_record, logger) with the line wrapped in its CapturedData class. It writes
json.dumps() of the return value for its Spark job: a dict of flat features is one record, [] drops the line.

It runs in the analyzer's Python, which documents no numpy, PIL or OpenCV, and the file is loaded alone (no
package beside it), so it uses the standard library only and never decodes pixels. The image was measured
where the pixels are decoded anyway: by the endpoint (inference.py, with yolo_pipeline/imagestats.py, the
profiler's measurements), which returns the measurements in its response's "image" block. Every feature is
therefore computed from the captured response (detections.schema.json); the captured request is not needed.

Features (all numbers; README.md, "Monitoring features", says why each is watched):
    image_width, image_height, image_aspect_ratio, image_megapixels, image_bytes,
    image_brightness, image_contrast, image_sharpness, image_color_diversity
    box_count, mean_confidence, max_confidence, mean_box_area_fraction   (the confidences and the area are
        0.0 for an image without boxes, so that every column is always present and numeric)
    boxes_<class id>_<class name>   one count per class of the model, e.g. boxes_0_vehicle
"""

import base64
import binascii
import json
import logging
import re

SCHEMA_VERSION = "1.0"
IMAGE_FEATURES = ("width", "height", "aspect_ratio", "megapixels", "bytes", "brightness", "contrast", "sharpness",
                  "color_diversity")
PREDICTION_FEATURES = ("box_count", "mean_confidence", "max_confidence", "mean_box_area_fraction")

_LOG = logging.getLogger("record_preprocessor")


def class_feature(class_id, class_name):
    """`boxes_<id>_<name>`: the id keeps names unique, the name keeps violation reports readable."""
    slug = re.sub(r"[^a-z0-9]+", "_", str(class_name).lower()).strip("_")
    return "boxes_%d_%s" % (class_id, slug) if slug else "boxes_%d" % class_id


def feature_names(class_names):
    """Every column of a record, in order, for a model with these classes."""
    return (["image_" + name for name in IMAGE_FEATURES] + list(PREDICTION_FEATURES)
            + [class_feature(i, name) for i, name in enumerate(class_names)])


def record_features(response):
    """The flat record of one endpoint response (a dict in the form of detections.schema.json)."""
    image = response["image"]
    detections = response["detections"]
    class_names = response["model"]["class_names"]
    record = {"image_" + name: image[name] for name in IMAGE_FEATURES}
    scores = [float(d["score"]) for d in detections]
    areas = [float(d["box"]["xywhn"][2]) * float(d["box"]["xywhn"][3]) for d in detections]
    record["box_count"] = len(detections)
    record["mean_confidence"] = round(sum(scores) / len(scores), 6) if scores else 0.0
    record["max_confidence"] = max(scores) if scores else 0.0
    record["mean_box_area_fraction"] = round(sum(areas) / len(areas), 6) if areas else 0.0
    counts = [0] * len(class_names)
    for d in detections:
        counts[d["class_id"]] += 1
    for class_id, name in enumerate(class_names):
        record[class_feature(class_id, name)] = counts[class_id]
    return record


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def response_problem(response):
    """Why `response` is not an endpoint response these features can be computed from, or None."""
    if not isinstance(response, dict):
        return "it is not a JSON object"
    if response.get("schema_version") != SCHEMA_VERSION:
        return "its schema_version is %r, not %r" % (response.get("schema_version"), SCHEMA_VERSION)
    image, detections, model = response.get("image"), response.get("detections"), response.get("model")
    if not isinstance(image, dict) or not all(_number(image.get(name)) for name in IMAGE_FEATURES):
        return "its image block lacks one of %s" % ", ".join(IMAGE_FEATURES)
    names = model.get("class_names") if isinstance(model, dict) else None
    if not isinstance(names, list) or not names:
        return "it names no model.class_names"
    if not isinstance(detections, list):
        return "its detections are not a list"
    for item in detections:
        d = item if isinstance(item, dict) else {}
        box = d.get("box") if isinstance(d.get("box"), dict) else {}
        xywhn = box.get("xywhn")
        if not (isinstance(d.get("class_id"), int) and 0 <= d["class_id"] < len(names) and _number(d.get("score"))
                and isinstance(xywhn, list) and len(xywhn) == 4 and all(_number(v) for v in xywhn)):
            return "a detection is malformed: %s" % json.dumps(item)[:200]
    return None


def decode_payload(data, encoding):
    """The captured data as a JSON value: BASE64 is decoded first (data capture's default for content types
    not listed as JSON or CSV in the endpoint's CaptureContentTypeHeader), JSON/CSV data is the text itself."""
    if isinstance(data, (dict, list)):
        return data
    if data is None:
        raise ValueError("no data was captured")
    text = data
    if str(encoding or "").upper() == "BASE64":
        try:
            text = base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as e:
            raise ValueError("its BASE64 data does not decode to UTF-8 text (%s)" % e)
    try:
        return json.loads(text)
    except ValueError as e:
        raise ValueError("it is not JSON (%s)" % e)


def preprocess_handler(inference_record, logger=None):
    """One record of features from a captured exchange, or [] (dropped, with the reason logged) when the
    response cannot be read: not captured, not JSON, an error text, another schema."""
    log = logger or _LOG
    output = getattr(inference_record, "endpoint_output", None)
    metadata = getattr(inference_record, "event_metadata", None)
    event = getattr(metadata, "event_id", None) or "unknown event"
    if output is None:
        log.warning("Dropping %s: its endpointOutput was not captured (the capture config must include Output).", event)
        return []
    try:
        response = decode_payload(getattr(output, "data", None), getattr(output, "encoding", None))
    except ValueError as e:
        log.warning("Dropping %s: its endpointOutput (%s) cannot be read: %s.", event,
                    getattr(output, "observedContentType", None), e)
        return []
    problem = response_problem(response)
    if problem:
        log.warning("Dropping %s: its endpointOutput is not a detections response: %s.", event, problem)
        return []
    return record_features(response)
