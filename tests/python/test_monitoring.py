"""Model Monitor: captured requests give the baseline builder's records, in the formats the analyzer reads."""

from __future__ import annotations

import ast
import base64
import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

import synthdata
from conftest import SCRIPTS, base_env, describe, processing_job
from endpoint_fixtures import PHOTO, SERVING_ENV, rotated_jpeg
from endpoint_fixtures import served_model_dir, val_images, worker  # noqa: F401 - fixtures

PREPROCESSOR = SCRIPTS / "monitoring" / "record_preprocessor.py"
ANALYZER = Path(__file__).resolve().parent / "model_monitor_analyzer.py"
COLUMNS = [
    "image_width", "image_height", "image_aspect_ratio", "image_megapixels", "image_bytes", "image_brightness",
    "image_contrast", "image_sharpness", "image_color_diversity",
    "box_count", "mean_confidence", "max_confidence", "mean_box_area_fraction",
    "boxes_0_vehicle", "boxes_1_person", "boxes_2_building",
]


def capture_line(event_id: str, body: bytes, content_type: str, response, output_encoding: str) -> str:
    """One line of SageMaker data capture for an exchange: the image as BASE64 (it is neither JSON nor CSV), the
    response as JSON text when application/json is among the capture's JsonContentTypes, else BASE64 as well."""
    text = response.body
    output = text if output_encoding == "JSON" else base64.b64encode(text.encode()).decode()
    return json.dumps({
        "captureData": {
            "endpointInput": {"observedContentType": content_type, "mode": "INPUT",
                              "data": base64.b64encode(body).decode(), "encoding": "BASE64"},
            "endpointOutput": {"observedContentType": response.content_type, "mode": "OUTPUT", "data": output,
                               "encoding": output_encoding},
        },
        "eventMetadata": {"eventId": event_id, "inferenceTime": "2026-01-05T10:00:00Z"},
        "eventVersion": "0",
    })


def run_analyzer(lines: list[str], cwd: Path) -> tuple[list, str]:
    """The lines through the preprocessor as the analyzer runs it, in a Python without site-packages."""
    result = subprocess.run([sys.executable, "-B", "-I", "-S", str(ANALYZER), str(PREPROCESSOR)], input="\n".join(lines) + "\n",
                            cwd=cwd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, describe(result)
    return [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def test_the_columns_are_the_image_and_prediction_features_and_one_count_per_class():
    from monitoring import record_preprocessor

    assert record_preprocessor.feature_names(synthdata.CLASS_NAMES) == COLUMNS
    assert record_preprocessor.class_feature(3, "Small Car (parked)") == "boxes_3_small_car_parked"
    assert record_preprocessor.class_feature(4, "人") == "boxes_4"


def test_every_feature_each_record_has_gets_a_drift_alarm_in_the_full_stack():
    """components/deployment.ts DRIFT_ALARM_FEATURES restates the preprocessor's fixed features; the per-class counts
    are named after the model's classes, which the stack does not know (the rule on the run's verdict covers them)."""
    import emulator
    from monitoring import record_preprocessor

    plan = emulator.stack_plan("full")
    alarms = [r["inputs"] for r in emulator.resources(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
              if r["inputs"]["metricName"].startswith("feature_baseline_drift_")]
    assert [a["metricName"] for a in alarms] == ["feature_baseline_drift_" + name for name in record_preprocessor.feature_names([])]
    (job,) = emulator.resources(plan, "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition")
    assert job["inputs"]["dataQualityAppSpecification"]["environment"] == {"publish_cloudwatch_metrics": "Enabled"}


def test_the_features_follow_their_definitions():
    from monitoring import record_preprocessor

    image = {"format": "JPEG", "bytes": 5000, "width": 200, "height": 100, "aspect_ratio": 2.0, "megapixels": 0.02,
             "brightness": 90.5, "contrast": 30.25, "sharpness": 150.0, "color_diversity": 6.5}
    detections = [
        {"class_id": 2, "class_name": "c", "score": 0.5, "box": {"xyxy": [0, 0, 20, 20], "xywhn": [0.1, 0.1, 0.1, 0.2]}},
        {"class_id": 2, "class_name": "c", "score": 0.9, "box": {"xyxy": [0, 0, 60, 40], "xywhn": [0.3, 0.2, 0.3, 0.4]}},
        {"class_id": 0, "class_name": "a", "score": 0.7, "box": {"xyxy": [0, 0, 100, 50], "xywhn": [0.25, 0.25, 0.5, 0.5]}},
    ]
    response = {"schema_version": "1.0", "image": image, "detections": detections, "model": {"class_names": ["a", "b", "c"]}}
    assert record_preprocessor.record_features(response) == {
        "image_width": 200, "image_height": 100, "image_aspect_ratio": 2.0, "image_megapixels": 0.02, "image_bytes": 5000,
        "image_brightness": 90.5, "image_contrast": 30.25, "image_sharpness": 150.0, "image_color_diversity": 6.5,
        "box_count": 3, "mean_confidence": 0.7, "max_confidence": 0.9, "mean_box_area_fraction": 0.13,
        "boxes_0_a": 1, "boxes_1_b": 0, "boxes_2_c": 2,
    }
    empty = record_preprocessor.record_features({**response, "detections": []})
    assert {k: empty[k] for k in COLUMNS[9:13]} == {"box_count": 0, "mean_confidence": 0.0, "max_confidence": 0.0,
                                                    "mean_box_area_fraction": 0.0}
    assert all(type(empty[k]) is float for k in ("mean_confidence", "max_confidence", "mean_box_area_fraction"))


@pytest.fixture(scope="module")
def traffic(tmp_path_factory, val_images) -> Path:
    """A folder of what clients send: synthetic drone-like JPEG and PNG, a photograph, an EXIF-rotated portrait."""
    folder = tmp_path_factory.mktemp("traffic")
    shutil.copy2(val_images["JPEG"], folder / "1_val.jpg")
    shutil.copy2(val_images["PNG"], folder / "2_val.png")
    shutil.copy2(PHOTO, folder / "3_photo.jpg")
    (folder / "4_portrait.jpg").write_bytes(rotated_jpeg(PHOTO))
    return folder


def test_captured_requests_give_exactly_the_records_of_the_baseline_builder(worker, traffic, model_archive, tmp_path, monkeypatch):
    import monitoring_baseline

    images = sorted(traffic.iterdir())
    lines = []
    for i, path in enumerate(images):
        content_type = "image/png" if path.suffix == ".png" else "image/jpeg"
        response = worker.invoke(path.read_bytes(), content_type)
        assert response.status == 200, response.body
        lines.append(capture_line(f"event-{i}", path.read_bytes(), content_type, response, ("JSON", "BASE64")[i % 2]))
    captured, _ = run_analyzer(lines, tmp_path)

    for key, value in SERVING_ENV.items():
        monkeypatch.setenv(key, value)
    assert monitoring_baseline.main(["--model-dir", str(model_archive.parent), "--data-dir", str(traffic),
                                     "--output-dir", str(tmp_path / "baseline")]) == 0
    written = [p.name for p in (tmp_path / "baseline").iterdir()]
    baseline = [json.loads(line) for line in (tmp_path / "baseline" / "baseline.jsonl").read_text().splitlines()]

    assert written == ["baseline.jsonl"]
    assert captured == baseline
    assert all(list(record) == COLUMNS for record in captured)
    assert [(r["image_width"], r["image_height"], r["image_bytes"]) for r in captured] == [
        (80, 80, images[0].stat().st_size), (96, 72, images[1].stat().st_size), (512, 600, images[2].stat().st_size),
        (600, 512, images[3].stat().st_size)]
    assert sum(r["box_count"] for r in captured) > 0 and sum(r["boxes_1_person"] + r["boxes_2_building"] for r in captured) > 0


def test_the_preprocessor_needs_nothing_but_the_standard_library(tmp_path):
    tree = ast.parse(PREPROCESSOR.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported and imported <= sys.stdlib_module_names, imported - sys.stdlib_module_names
    # The interpreter run_analyzer uses really has no third-party packages, so the capture test above proves it too.
    without_site = subprocess.run([sys.executable, "-I", "-S", "-c", "import numpy"], cwd=tmp_path, capture_output=True, text=True)
    assert "No module named 'numpy'" in without_site.stderr


def test_captures_without_a_readable_detections_response_are_dropped_with_the_reason_logged(worker, val_images, tmp_path):
    good = worker.invoke(val_images["JPEG"].read_bytes(), "image/jpeg")
    document = json.loads(good.body)
    out_of_range = json.loads(good.body)
    out_of_range["detections"][0]["class_id"] = 7

    def line(event_id: str, output: dict | None) -> str:
        capture = {"endpointInput": {"observedContentType": "image/jpeg", "mode": "INPUT", "data": "/9j/", "encoding": "BASE64"}}
        if output is not None:
            capture["endpointOutput"] = {"mode": "OUTPUT", **output}
        return json.dumps({"captureData": capture, "eventMetadata": {"eventId": event_id}, "eventVersion": "0"})

    lines = [
        line("e1", None),
        line("e2", {"observedContentType": "text/plain", "data": "upstream timed out", "encoding": "CSV"}),
        line("e3", {"observedContentType": "application/json", "data": '{"predictions": [1]}', "encoding": "JSON"}),
        line("e4", {"observedContentType": "application/json", "data": "@@not base64@@", "encoding": "BASE64"}),
        line("e5", {"observedContentType": "application/json", "data": json.dumps(out_of_range), "encoding": "JSON"}),
        line("e6", {"observedContentType": "application/json", "data": good.body, "encoding": "JSON"}),
    ]
    records, log = run_analyzer(lines, tmp_path)
    assert records[:5] == [[]] * 5 and records[5]["box_count"] == len(document["detections"])
    reasons = [entry.split(": ", 1)[1] for entry in log.splitlines() if entry.startswith("WARNING Preprocessing")]
    assert reasons[0] == "Dropping e1: its endpointOutput was not captured (the capture config must include Output)."
    assert reasons[1].startswith("Dropping e2: its endpointOutput (text/plain) cannot be read: it is not JSON (")
    assert reasons[2] == "Dropping e3: its endpointOutput is not a detections response: its schema_version is None, not '1.0'."
    assert reasons[3].startswith("Dropping e4: its endpointOutput (application/json) cannot be read: its BASE64 data does not decode")
    assert reasons[4].startswith('Dropping e5: its endpointOutput is not a detections response: a detection is malformed: {"class_id": 7')
    assert len(reasons) == 5


def test_the_baseline_builder_runs_as_a_processing_job_and_writes_a_csv_with_a_header(tmp_path, bundle, yolo_config_dir,
                                                                                     model_archive, dataset):
    job = processing_job(tmp_path, bundle, yolo_config_dir)
    model_dir = job.root / "processing" / "model"
    model_dir.mkdir(parents=True)
    shutil.copy2(model_archive, model_dir / "model.tar.gz")
    output_dir = job.root / "processing" / "baseline"
    result = job.run("monitoring_baseline.py", "--model-dir", str(model_dir), "--data-dir", str(dataset.root),
                     "--output-dir", str(output_dir), "--split", "val", "--format", "csv", env=SERVING_ENV)
    assert result.returncode == 0, describe(result)
    assert [p.name for p in output_dir.iterdir()] == ["baseline.csv"]
    with open(output_dir / "baseline.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == COLUMNS
    val = sorted(dataset.splits["val"], key=lambda image: image.name)
    assert len(rows) - 1 == len(val)
    assert all(float(value) >= 0 for row in rows[1:] for value in row)  # every cell a number
    assert [(int(row[0]), int(row[1])) for row in rows[1:]] == [(image.width, image.height) for image in val]
    assert 'dataset_format={"csv": {"header": true, "output_columns_position": "START"}}' in result.stderr
    assert job.network_attempts() == []


def test_the_baseline_builder_refuses_a_missing_split_and_images_the_endpoint_would_refuse(dataset, model_archive, tmp_path):
    import monitoring_baseline
    from yolo_pipeline import cli

    root = dataset.copy(tmp_path / "dataset")
    shutil.rmtree(root / "images" / "test")
    with pytest.raises(cli.PipelineError) as refused:
        monitoring_baseline.main(["--model-dir", str(model_archive.parent), "--data-dir", str(root), "--split", "test",
                                  "--output-dir", str(tmp_path / "out")])
    assert str(refused.value) == (f"The dataset {root} has no 'test' split folder (splits present: train, val). "
                                  "Choose another --split.")
    only_bmp = tmp_path / "bitmaps"
    only_bmp.mkdir()
    Image.new("RGB", (32, 32), (90, 120, 60)).save(only_bmp / "field.bmp")  # an image Ultralytics reads, the endpoint does not
    with pytest.raises(cli.PipelineError) as refused:
        monitoring_baseline.main(["--model-dir", str(model_archive.parent), "--data-dir", str(only_bmp),
                                  "--output-dir", str(tmp_path / "out")])
    assert str(refused.value) == f"None of the 1 images of {only_bmp} is a JPEG or PNG the endpoint accepts."
    assert not (tmp_path / "out").exists()


def test_the_baseline_builder_has_help_with_a_usage_line(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPTS / "monitoring_baseline.py"), "--help"], cwd=tmp_path, env=base_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: monitoring_baseline.py")
