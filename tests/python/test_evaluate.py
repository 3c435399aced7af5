"""evaluate.py as the pipeline's processing step: evaluation.json against its schema, the val fallback."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from jsonschema import Draft202012Validator

from conftest import describe, processing_job

EVALUATE_ARGS = ("--image-size", "64", "--batch-size", "16", "--workers", "0")


def run_evaluation(tmp_path, bundle, config_dir, model_archive, data_dir, *extra):
    """Stage inputs like the processing job does, then run the pipeline's evaluate command."""
    job = processing_job(tmp_path, bundle, config_dir)
    model_dir = job.root / "processing" / "model"
    model_dir.mkdir(parents=True)
    if model_archive is not None:
        shutil.copy2(model_archive, model_dir / "model.tar.gz")
    output_dir = job.root / "processing" / "evaluation"
    result = job.run("evaluate.py", "--model-dir", str(model_dir), "--data-dir", str(data_dir),
                     "--output-dir", str(output_dir), *EVALUATE_ARGS, *extra)
    report_path = output_dir / "evaluation.json"
    report = json.loads(report_path.read_text()) if report_path.is_file() else None
    return job, result, report


def schema_errors(schema, report) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(schema).iter_errors(report)]


def test_the_test_split_is_evaluated_into_a_schema_conforming_report(tmp_path, bundle, yolo_config_dir, model_archive, dataset, schema):
    job, result, report = run_evaluation(tmp_path, bundle, yolo_config_dir, model_archive, dataset.root)
    assert result.returncode == 0, describe(result)
    assert schema_errors(schema, report) == []
    assert (report["split"], report["requested_split"], report["fallback_reason"]) == ("test", "test", None)
    test_images = dataset.splits["test"]
    assert report["dataset"]["images"] == len(test_images)
    assert report["dataset"]["instances"] == sum(len(image.boxes) for image in test_images)
    assert report["dataset"]["class_names"] == ["vehicle", "person", "building"]
    per_class_truth = [sum(1 for image in test_images for box in image.boxes if box[0] == c) for c in range(3)]
    listed = {entry["class_id"]: entry for entry in report["per_class"]}
    assert {c: listed[c]["instances"] for c in listed} == {c: n for c, n in enumerate(per_class_truth) if n}
    assert all(listed[c]["class_name"] == report["dataset"]["class_names"][c] for c in listed)
    assert report["model"]["variant"] == "yolo11n" and report["model"]["image_size"] == 64
    assert report["model"]["source"].endswith("processing/model/model.tar.gz")
    assert (job.root / "processing" / "evaluation" / "plots" / "confusion_matrix.png").is_file()
    assert job.network_attempts() == []


def without_test_split(dataset, target, how):
    root = dataset.copy(target)
    if how == "undeclared":
        config = yaml.safe_load((root / "data.yaml").read_text())
        del config["test"]
        (root / "data.yaml").write_text(yaml.safe_dump(config))
        shutil.rmtree(root / "images" / "test")
    else:
        for image in (root / "images" / "test").iterdir():
            image.unlink()
    return root


@pytest.mark.parametrize("how, reason", [
    ("undeclared", "the dataset has no test split (data.yaml declares no 'test' folder); evaluated the val split instead"),
    ("empty", "the test split folder images/test has no images; evaluated the val split instead"),
])
def test_a_missing_or_empty_test_split_falls_back_to_val(how, reason, tmp_path, bundle, yolo_config_dir, model_archive, dataset, schema):
    data_dir = without_test_split(dataset, tmp_path / "dataset", how)
    job, result, report = run_evaluation(tmp_path / "job", bundle, yolo_config_dir, model_archive, data_dir)
    assert result.returncode == 0, describe(result)
    assert schema_errors(schema, report) == []
    assert (report["split"], report["requested_split"], report["fallback_reason"]) == ("val", "test", reason)
    assert report["dataset"]["images"] == len(dataset.splits["val"])
    assert "Evaluating the val split instead of test" in result.stderr


def test_a_missing_model_fails_with_a_message_for_the_processing_job(tmp_path, bundle, yolo_config_dir, dataset):
    job, result, report = run_evaluation(tmp_path, bundle, yolo_config_dir, None, dataset.root)
    assert result.returncode == 1 and report is None
    model_dir = job.root / "processing" / "model"
    assert job.failure("message") == (
        f"No model in {model_dir}: expected model.tar.gz from the training job or best.pt (found: nothing).\n"
    )


def test_a_model_for_other_classes_is_refused(tmp_path, bundle, yolo_config_dir, model_archive, dataset):
    data_dir = dataset.copy(tmp_path / "dataset")
    config = yaml.safe_load((data_dir / "data.yaml").read_text())
    config["names"] = {0: "car", 1: "pedestrian", 2: "house"}
    (data_dir / "data.yaml").write_text(yaml.safe_dump(config))
    job, result, report = run_evaluation(tmp_path / "job", bundle, yolo_config_dir, model_archive, data_dir)
    assert result.returncode == 1 and report is None
    assert job.failure("message").startswith(
        "The model's classes ['vehicle', 'person', 'building'] differ from the dataset's ['car', 'pedestrian', 'house']"
    )


def test_the_schema_rejects_what_the_pipeline_could_not_read(schema):
    good = {
        "schema_version": "1.0", "split": "test", "fallback_reason": None,
        "detection_metrics": {k: {"value": 0.5} for k in ("mAP50", "mAP50_95", "precision", "recall")},
        "per_class": [], "dataset": {"images": 1, "instances": 1, "class_names": ["a"]},
        "model": {"weights": "best.pt", "image_size": 640},
    }
    assert schema_errors(schema, good) == []
    bad = json.loads(json.dumps(good))
    bad["detection_metrics"]["mAP50"]["value"] = 1.5
    assert schema_errors(schema, bad) == ["['detection_metrics', 'mAP50', 'value']: 1.5 is greater than the maximum of 1"]
