"""Serve the trained YOLO11 model: the entry point of the SageMaker PyTorch inference container.

Usage (the container imports this module; there is no command line):
    SAGEMAKER_PROGRAM=inference.py, this folder as /opt/ml/model/code (see README.md, "inference.py")
    python -c "import inference; m = inference.model_fn('model'); print(inference.output_fn(
        inference.predict_fn(inference.input_fn(open('a.jpg', 'rb').read(), 'image/jpeg'), m), 'application/json')[0])"

The toolkit (aws/sagemaker-pytorch-inference-toolkit on sagemaker-inference's Transformer) calls
model_fn(model_dir) once per worker, then for every request input_fn(body, content_type) →
predict_fn(data, model) → output_fn(prediction, accept); each also receives the request context when its
signature has room for one more argument, which is why every function ends in `context=None`.

Requests: the image bytes, Content-Type image/jpeg, image/png or application/x-image (JPEG or PNG data).
Response: application/json in the shape of detections.schema.json: the detections (class id and name,
score, box as pixel xyxy and normalised xywh), the image's size and statistics (the ones Model Monitor
watches, see monitoring/record_preprocessor.py), the model (weights hash, variant, class names) and the
settings used. Settings come from the endpoint's environment (INFERENCE_CONFIDENCE, INFERENCE_IOU,
INFERENCE_MAX_DETECTIONS, INFERENCE_IMAGE_SIZE, INFERENCE_DEVICE) and are checked when the model loads.
Ultralytics runs offline (yolo_pipeline/offline.py): the model is best.pt from the model dir, never a
download.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Mapping

import yaml

from yolo_pipeline import cli, imagestats, offline
from yolo_pipeline.model_artifact import WEIGHTS_FILE, read_summary

LOGGER = logging.getLogger(Path(__file__).stem)

SCHEMA_VERSION = "1.0"
JSON_CONTENT_TYPE = "application/json"
IMAGE_CONTENT_TYPES = ("image/jpeg", "image/png", "application/x-image")
ACCEPTED_OUTPUT = (JSON_CONTENT_TYPE, "application/*", "*/*")
SETTINGS_PREFIX = "INFERENCE_"

try:  # present in the inference container; the module must also work without it (tests, laptops)
    from sagemaker_inference.errors import BaseInferenceToolkitError
except ImportError:
    class BaseInferenceToolkitError(Exception):
        """Stand-in with the toolkit's constructor: (status_code, message, phrase)."""

        def __init__(self, status_code, message, phrase):
            self.status_code = status_code
            self.message = message
            self.phrase = phrase
            super().__init__(status_code, message, phrase)


class RequestError(BaseInferenceToolkitError):
    """A request the endpoint refuses, with the HTTP status the client gets.

    A BaseInferenceToolkitError is what the toolkit's Transformer answers with its own status_code; any
    other exception, including the toolkit's UnsupportedFormatError, becomes a 500 with a message about
    implementing input_fn, which would blame the server for the client's content type.
    """

    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(int(status), message, message)

    def __str__(self) -> str:
        return self.message


# ------------------------------------------------------------------------------------------------ settings


@dataclass(frozen=True)
class Settings:
    """Prediction settings, from the endpoint's environment."""

    confidence: float = 0.25  # Ultralytics' predict defaults
    iou: float = 0.7
    max_detections: int = 300
    image_size: int | None = None  # None: the training image size stored in best.pt
    device: str = "auto"


SETTING_VARIABLES = {  # environment variable → (Settings field, parser that quotes the variable in its errors)
    "INFERENCE_CONFIDENCE": ("confidence", cli.number("INFERENCE_CONFIDENCE", greater_than=0, maximum=1)),
    "INFERENCE_IOU": ("iou", cli.number("INFERENCE_IOU", greater_than=0, maximum=1)),
    "INFERENCE_MAX_DETECTIONS": ("max_detections", cli.integer("INFERENCE_MAX_DETECTIONS", 1, 10000)),
    "INFERENCE_IMAGE_SIZE": ("image_size", cli.image_size("INFERENCE_IMAGE_SIZE")),
    "INFERENCE_DEVICE": ("device", cli.device("INFERENCE_DEVICE")),
}


def read_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from INFERENCE_* variables; an empty variable means its default, an unknown one is an error
    (a mistyped INFERENCE_CONF would otherwise leave the threshold silently at its default)."""
    env = os.environ if env is None else env
    unknown = sorted(k for k in env if k.startswith(SETTINGS_PREFIX) and k not in SETTING_VARIABLES)
    if unknown:
        raise cli.UsageError(f"Unknown setting {', '.join(unknown)}. Valid settings are {', '.join(SETTING_VARIABLES)}.")
    values = {}
    for variable, (field, parse) in SETTING_VARIABLES.items():
        raw = env.get(variable, "").strip()
        if raw:
            values[field] = parse(raw)
    return Settings(**values)


# ------------------------------------------------------------------------------------------------ the model


@dataclass
class Model:
    """What model_fn returns and predict_fn receives."""

    yolo: object  # ultralytics.YOLO
    settings: Settings
    device: str  # resolved: "cpu" or a GPU index
    image_size: int
    info: dict  # the response's "model" block


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_data_yaml(model_dir: Path, class_names: list[str]) -> None:
    """The class names travel in best.pt; data.yaml beside it must agree, or the artifact is not one training run's."""
    path = model_dir / "data.yaml"
    if not path.is_file():
        return
    try:
        names = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("names")
    except (OSError, yaml.YAMLError, AttributeError) as e:
        raise cli.PipelineError(f"{path} cannot be read: {e}") from e
    listed = [names[i] for i in sorted(names)] if isinstance(names, dict) else names
    if listed is not None and list(listed) != class_names:
        raise cli.PipelineError(f"{path} names the classes {listed}, but {WEIGHTS_FILE} was trained on {class_names}; "
                                "the model dir mixes files of different training runs.")


def load_model(model_dir: Path | str, env: Mapping[str, str] | None = None) -> Model:
    """best.pt of `model_dir` with the environment's settings, on GPU when available (INFERENCE_DEVICE=auto)."""
    settings = read_settings(env)
    model_dir = Path(model_dir)
    weights = model_dir / WEIGHTS_FILE
    if not weights.is_file():
        # Ultralytics would take a missing *.pt for a name to download.
        found = ", ".join(sorted(p.name for p in model_dir.iterdir())[:10]) if model_dir.is_dir() else "the folder does not exist"
        raise cli.PipelineError(f"No {WEIGHTS_FILE} in the model dir {model_dir} (found: {found or 'nothing'}); "
                                "the model artifact must be the training job's model.tar.gz.")
    offline.configure()
    from ultralytics import YOLO

    device = offline.resolve_device(settings.device)
    try:
        yolo = YOLO(str(weights), task="detect")
    except Exception as e:  # noqa: BLE001 - any load failure means an unusable artifact
        raise cli.PipelineError(f"{weights} cannot be loaded: {type(e).__name__}: {e}") from e
    class_names = [str(yolo.names[i]) for i in sorted(yolo.names)]
    _check_data_yaml(model_dir, class_names)
    trained = yolo.overrides.get("imgsz") or 640  # the training size, kept in best.pt
    trained_size = int(max(trained) if isinstance(trained, (list, tuple)) else trained)
    summary = read_summary(model_dir) or {}
    model = Model(
        yolo=yolo, settings=settings, device=device, image_size=settings.image_size or trained_size,
        info={"weights": WEIGHTS_FILE, "sha256": _sha256(weights), "variant": summary.get("model_variant"),
              "class_names": class_names, "trained_image_size": trained_size},
    )
    # One prediction now: the first request would otherwise pay for layer fusion and warm-up, and a setting
    # that does not work with this model fails the worker at start rather than every request.
    yolo.predict(_warmup_image(), **_predict_args(model))
    LOGGER.info("Loaded %s (%s, sha256 %s…, classes %s) on %s; settings %s", weights, model.info["variant"] or "variant unknown",
                model.info["sha256"][:12], class_names, "cpu" if device == "cpu" else f"cuda:{device}", _settings_block(model))
    return model


def _warmup_image():
    """A small gray BGR image for the warm-up prediction."""
    import numpy as np

    return np.full((64, 64, 3), 114, dtype=np.uint8)


def _predict_args(model: Model) -> dict:
    s = model.settings
    return {"conf": s.confidence, "iou": s.iou, "max_det": s.max_detections, "imgsz": model.image_size,
            "device": model.device, "verbose": False}


def _settings_block(model: Model) -> dict:
    s = model.settings
    return {"confidence": s.confidence, "iou": s.iou, "max_detections": s.max_detections,
            "image_size": model.image_size, "device": "cpu" if model.device == "cpu" else f"cuda:{model.device}"}


# -------------------------------------------------------------------------------------- the four handlers


def model_fn(model_dir, context=None) -> Model:
    """Load the model; called once per worker with /opt/ml/model (the unpacked model.tar.gz)."""
    return load_model(model_dir)


@dataclass
class DecodedImage:
    pixels: object  # BGR uint8 array, EXIF orientation applied
    format: str  # JPEG | PNG
    bytes: int  # size of the request body


def _media_type(header: str | None) -> str:
    return (header or "").split(";")[0].strip().lower()


def input_fn(request_body, request_content_type, context=None) -> DecodedImage:
    """Decode the request's image (JPEG or PNG) as Ultralytics decodes training images."""
    media_type = _media_type(request_content_type)
    if media_type not in IMAGE_CONTENT_TYPES:
        raise RequestError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                           f"Content type '{request_content_type}' is not supported. Send the image bytes with "
                           f"Content-Type {', '.join(IMAGE_CONTENT_TYPES)}.")
    body = bytes(request_body or b"")  # TorchServe hands over a bytearray
    image_format = imagestats.sniff_format(body)
    if not body:
        problem = "The request body is empty"
    elif image_format is None:
        problem = f"The request body ({len(body)} bytes, starting with {body[:8]!r}) is not a JPEG or PNG image"
    else:
        pixels = imagestats.decode(body)
        # Never hand None on: Ultralytics would silently predict on its own sample images instead.
        if pixels is not None:
            return DecodedImage(pixels=pixels, format=image_format, bytes=len(body))
        problem = f"The request body ({len(body)} bytes) is a damaged {image_format} image that cannot be decoded"
    raise RequestError(HTTPStatus.BAD_REQUEST, f"{problem}. Send the bytes of one JPEG or PNG image.")


def predict_fn(input_data: DecodedImage, model: Model, context=None) -> dict:
    """Detections and image statistics for one image: the response document (detections.schema.json)."""
    started = time.perf_counter()
    image = {"format": input_data.format, "bytes": input_data.bytes, **imagestats.measure(input_data.pixels)}
    measured = time.perf_counter()
    result = model.yolo.predict(input_data.pixels, **_predict_args(model))[0]
    names = model.info["class_names"]
    boxes = result.boxes
    detections = [
        {
            "class_id": int(class_id),
            "class_name": names[int(class_id)],
            "score": round(float(score), 6),
            "box": {"xyxy": [round(float(v), 2) for v in xyxy], "xywhn": [round(float(v), 6) for v in xywhn]},
        }
        for class_id, score, xyxy, xywhn in zip(boxes.cls.tolist(), boxes.conf.tolist(), boxes.xyxy.tolist(), boxes.xywhn.tolist())
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "image": image,
        "detections": detections,
        "model": model.info,
        "settings": _settings_block(model),
        "speed_ms": {"statistics": round((measured - started) * 1000, 3),
                     **{k: round(float(v), 3) for k, v in result.speed.items()}},
    }


def output_fn(prediction: dict, accept, context=None) -> tuple[str, str]:
    """The response as JSON; (body, content type), the toolkit's form for setting the response's content type."""
    wanted = [_media_type(item) for item in str(accept or JSON_CONTENT_TYPE).split(",")]
    if not any(item in ACCEPTED_OUTPUT for item in wanted):
        raise RequestError(HTTPStatus.NOT_ACCEPTABLE,
                           f"Accept '{accept}' cannot be served. This endpoint answers {JSON_CONTENT_TYPE} only.")
    return json.dumps(prediction, separators=(",", ":")), JSON_CONTENT_TYPE
