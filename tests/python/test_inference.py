"""inference.py as the SageMaker PyTorch inference container runs it: real images in, schema-conforming detections out."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from PIL import Image
from jsonschema import Draft202012Validator

import synthdata
from conftest import NETWORK_GUARD, SCRIPTS, base_env, describe, unpack_bundle
from endpoint_fixtures import PHOTO, SERVING_ENV, load_worker, rotated_jpeg
from endpoint_fixtures import served_model_dir, val_images, worker  # noqa: F401 - fixtures

TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def detections_schema() -> dict:
    return json.loads((SCRIPTS / "detections.schema.json").read_text())


def schema_errors(schema, document) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(schema).iter_errors(document)]


def check_boxes_agree(response: dict) -> None:
    """Pixel xyxy and normalised xywh describe the same box (independent of how either was computed)."""
    width, height = response["image"]["width"], response["image"]["height"]
    for d in response["detections"]:
        x1, y1, x2, y2 = d["box"]["xyxy"]
        cx, cy, w, h = d["box"]["xywhn"]
        assert 0 <= x1 <= x2 <= width and 0 <= y1 <= y2 <= height
        assert (cx * width, cy * height) == pytest.approx(((x1 + x2) / 2, (y1 + y2) / 2), abs=0.02)
        assert (w * width, h * height) == pytest.approx((x2 - x1, y2 - y1), abs=0.02)


@pytest.mark.parametrize("image_format, content_type", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("PNG", "application/x-image")])
def test_jpeg_and_png_requests_get_schema_conforming_detections(image_format, content_type, worker, val_images, dataset,
                                                                 detections_schema):
    path = val_images[image_format]
    response = worker.invoke(path.read_bytes(), content_type, accept="application/json")
    assert (response.status, response.content_type) == (200, "application/json"), response.body
    document = json.loads(response.body)
    assert schema_errors(detections_schema, document) == []
    truth = next(image for image in dataset.splits["val"] if image.name == path.name)
    assert document["image"]["format"] == image_format
    assert (document["image"]["width"], document["image"]["height"]) == (truth.width, truth.height)
    assert document["image"]["bytes"] == path.stat().st_size
    assert 0 < len(document["detections"]) <= 20  # INFERENCE_MAX_DETECTIONS=20
    assert all(d["score"] >= 0.0001 for d in document["detections"])  # INFERENCE_CONFIDENCE=0.0001
    assert [d["score"] for d in document["detections"]] == sorted((d["score"] for d in document["detections"]), reverse=True)
    check_boxes_agree(document)
    assert document["settings"] == {"confidence": 0.0001, "iou": 0.7, "max_detections": 20, "image_size": 64, "device": "cpu"}


def test_class_names_and_model_identity_come_from_the_weights(worker, val_images, served_model_dir):
    import hashlib

    document = json.loads(worker.invoke(val_images["JPEG"].read_bytes(), "image/jpeg").body)
    model = document["model"]
    assert model["class_names"] == list(synthdata.CLASS_NAMES)
    assert all(d["class_name"] == model["class_names"][d["class_id"]] for d in document["detections"])
    assert model["sha256"] == hashlib.sha256((served_model_dir / "best.pt").read_bytes()).hexdigest()
    assert (model["variant"], model["trained_image_size"]) == ("yolo11n", 64)  # training_summary.json, best.pt


def test_class_names_do_not_depend_on_data_yaml_which_must_agree_with_the_weights(served_model_dir, tmp_path, offline_ultralytics):
    import inference
    from yolo_pipeline import cli

    without = shutil.copytree(served_model_dir, tmp_path / "without")
    (without / "data.yaml").unlink()
    assert inference.load_model(without, env={}).info["class_names"] == list(synthdata.CLASS_NAMES)
    mixed = shutil.copytree(served_model_dir, tmp_path / "mixed")
    (mixed / "data.yaml").write_text(yaml.safe_dump({"nc": 3, "names": {0: "car", 1: "pedestrian", 2: "house"}}))
    with pytest.raises(cli.PipelineError) as refused:
        inference.load_model(mixed, env={})
    assert str(refused.value) == (
        f"{mixed / 'data.yaml'} names the classes ['car', 'pedestrian', 'house'], but best.pt was trained on "
        "['vehicle', 'person', 'building']; the model dir mixes files of different training runs.")


def test_a_real_photograph_and_an_exif_rotated_jpeg_are_measured_as_ultralytics_sees_them(worker, val_images, tmp_path,
                                                                                       detections_schema):
    from yolo_pipeline import dataset

    photo = json.loads(worker.invoke(PHOTO.read_bytes(), "image/jpeg").body)
    assert schema_errors(detections_schema, photo) == []
    assert (photo["image"]["width"], photo["image"]["height"], photo["image"]["format"]) == (512, 600, "JPEG")
    check_boxes_agree(photo)

    rotated = tmp_path / "portrait.jpg"
    rotated.write_bytes(rotated_jpeg(PHOTO))
    with Image.open(rotated) as im:
        stored = im.size
    document = json.loads(worker.invoke(rotated.read_bytes(), "image/jpeg").body)
    assert (document["image"]["width"], document["image"]["height"]) == dataset.image_size(rotated) == stored[::-1]
    assert stored[0] != stored[1]  # otherwise the rotation would not show
    check_boxes_agree(document)


@pytest.mark.parametrize("content_type", ["application/json", "text/csv", "image/gif", None])
def test_other_content_types_are_refused_with_415_naming_what_is_allowed(content_type, worker):
    response = worker.invoke(b'{"image": "..."}', content_type)
    assert response.status == 415
    assert response.body == (f"Content type '{content_type}' is not supported. Send the image bytes with Content-Type "
                             "image/jpeg, image/png, application/x-image.")


@pytest.mark.parametrize("body, problem", [
    (b"", "The request body is empty"),
    (b"GIF89a\x01\x00\x01\x00", "The request body (10 bytes, starting with b'GIF89a\\x01\\x00') is not a JPEG or PNG image"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 60, "The request body (64 bytes) is a damaged JPEG image that cannot be decoded"),
])
def test_bodies_that_are_not_one_jpeg_or_png_are_refused_with_400(body, problem, worker):
    response = worker.invoke(body, "image/jpeg")
    assert (response.status, response.body) == (400, f"{problem}. Send the bytes of one JPEG or PNG image.")


@pytest.mark.parametrize("accept, status", [(None, 200), ("*/*", 200), ("application/*", 200),
                                            ("text/plain, application/json;q=0.9", 200), ("text/csv", 406)])
def test_the_response_is_json_whatever_else_the_client_accepts(accept, status, worker, val_images):
    response = worker.invoke(val_images["PNG"].read_bytes(), "image/png", accept=accept)
    assert response.status == status
    if status == 200:
        assert response.content_type == "application/json" and json.loads(response.body)["schema_version"] == "1.0"
    else:
        assert response.body == f"Accept '{accept}' cannot be served. This endpoint answers application/json only."


def test_settings_are_read_from_the_environment_and_checked():
    import inference

    assert inference.read_settings({}) == inference.Settings(confidence=0.25, iou=0.7, max_detections=300, image_size=None,
                                                              device="auto")
    assert inference.read_settings({"INFERENCE_CONFIDENCE": " 0.4 ", "INFERENCE_IOU": "0.5", "INFERENCE_MAX_DETECTIONS": "50",
                                    "INFERENCE_IMAGE_SIZE": "", "INFERENCE_DEVICE": "CPU", "SAGEMAKER_PROGRAM": "x"}) == \
        inference.Settings(confidence=0.4, iou=0.5, max_detections=50, image_size=None, device="cpu")


@pytest.mark.parametrize("env, message", [
    ({"INFERENCE_CONFIDENCE": "2"}, "'INFERENCE_CONFIDENCE=2' is an invalid value. Valid 'INFERENCE_CONFIDENCE' values are numbers > 0 and <= 1."),
    ({"INFERENCE_IOU": "zero"}, "'INFERENCE_IOU=zero' is an invalid value. Valid 'INFERENCE_IOU' values are numbers > 0 and <= 1."),
    ({"INFERENCE_MAX_DETECTIONS": "0"},
     "'INFERENCE_MAX_DETECTIONS=0' is an invalid value. Valid 'INFERENCE_MAX_DETECTIONS' values are integers from 1 to 10000."),
    ({"INFERENCE_IMAGE_SIZE": "100"}, "'INFERENCE_IMAGE_SIZE=100' is an invalid value. Valid 'INFERENCE_IMAGE_SIZE' values are "
                                      "multiples of 32 >= 32 (the model's largest stride)."),
    ({"INFERENCE_DEVICE": "gpu"}, "'INFERENCE_DEVICE=gpu' is an invalid value. Valid 'INFERENCE_DEVICE' values are auto, cpu or "
                                  "one GPU index such as 0."),
    ({"INFERENCE_CONF": "0.5", "INFERENCE_IOU": "0.5"}, "Unknown setting INFERENCE_CONF. Valid settings are INFERENCE_CONFIDENCE, "
                                                        "INFERENCE_IOU, INFERENCE_MAX_DETECTIONS, INFERENCE_IMAGE_SIZE, INFERENCE_DEVICE."),
])
def test_bad_settings_stop_the_worker_at_start_with_the_value_and_what_is_valid(env, message, served_model_dir, monkeypatch):
    import inference
    from yolo_pipeline import cli

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(cli.UsageError) as refused:
        inference.model_fn(str(served_model_dir))
    assert str(refused.value) == message


def test_the_settings_change_the_predictions(served_model_dir, offline_ultralytics):
    body = PHOTO.read_bytes()
    lenient = {"INFERENCE_CONFIDENCE": "0.00001", "INFERENCE_MAX_DETECTIONS": "20"}  # boxes even from a 2-epoch model
    baseline = json.loads(load_worker(served_model_dir, lenient).invoke(body, "image/jpeg").body)["detections"]
    assert len(baseline) > 2
    few = load_worker(served_model_dir, {**lenient, "INFERENCE_MAX_DETECTIONS": "2", "INFERENCE_IMAGE_SIZE": "96"})
    document = json.loads(few.invoke(body, "image/jpeg").body)
    assert len(document["detections"]) == 2
    assert (document["settings"]["max_detections"], document["settings"]["image_size"]) == (2, 96)
    strict = load_worker(served_model_dir, {**lenient, "INFERENCE_CONFIDENCE": "0.5"})
    assert len(json.loads(strict.invoke(body, "image/jpeg").body)["detections"]) < len(baseline)


def test_a_model_dir_without_best_pt_fails_the_worker_with_what_it_holds(tmp_path):
    import inference
    from yolo_pipeline import cli

    (tmp_path / "model.pth").write_bytes(b"x")
    with pytest.raises(cli.PipelineError) as refused:
        inference.model_fn(str(tmp_path))
    assert str(refused.value) == (f"No best.pt in the model dir {tmp_path} (found: model.pth); the model artifact must be "
                                  "the training job's model.tar.gz.")


def test_the_schema_rejects_responses_clients_could_not_read(worker, val_images, detections_schema):
    document = json.loads(worker.invoke(val_images["JPEG"].read_bytes(), "image/jpeg").body)
    broken = json.loads(json.dumps(document))
    broken["detections"][0]["box"]["xywhn"] = [0.5, 0.5, 0.2]
    broken["detections"][0]["score"] = 1.5
    del broken["model"]["class_names"]
    assert sorted(schema_errors(detections_schema, broken)) == [
        "['detections', 0, 'box', 'xywhn']: [0.5, 0.5, 0.2] is too short",
        "['detections', 0, 'score']: 1.5 is greater than the maximum of 1",
        "['model']: 'class_names' is a required property",
    ]


def test_the_container_layout_serves_offline(served_model_dir, bundle, val_images, yolo_config_dir, tmp_path, detections_schema):
    """model.tar.gz unpacked in /opt/ml/model with the code bundle as /opt/ml/model/code, in a fresh interpreter."""
    model_dir = Path(shutil.copytree(served_model_dir, tmp_path / "opt" / "ml" / "model"))
    code_dir = unpack_bundle(bundle, model_dir / "code")
    guard_log = tmp_path / "network-attempts.log"
    program = (
        "import json, sys, inference_toolkit\n"
        "worker = inference_toolkit.Worker(sys.argv[1])\n"
        "r = worker.invoke(open(sys.argv[2], 'rb').read(), 'image/jpeg')\n"
        "print(json.dumps({'module': worker.module.__file__, 'status': r.status, 'body': r.body}))\n"
    )
    env = base_env(PYTHONPATH=f"{NETWORK_GUARD}:{code_dir}:{TESTS}", SAGEMAKER_PROGRAM="inference.py",
                   YOLO_CONFIG_DIR=str(yolo_config_dir), NETWORK_GUARD_LOG=str(guard_log), **SERVING_ENV)
    result = subprocess.run([sys.executable, "-c", program, str(model_dir), str(val_images["JPEG"])], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, describe(result)
    served = json.loads(result.stdout.strip().splitlines()[-1])
    assert served["module"] == str(code_dir / "inference.py")
    assert served["status"] == 200 and schema_errors(detections_schema, json.loads(served["body"])) == []
    assert not guard_log.exists() or guard_log.read_text() == ""
