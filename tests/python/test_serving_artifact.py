"""The serving archive evaluate.py writes: unpacked as the inference container does, it serves on its own."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conftest import NETWORK_GUARD, REPO, SCRIPTS, base_env, describe, processing_job
from endpoint_fixtures import PHOTO, SERVING_ENV, unpack_model

EVALUATE_ARGS = ("--image-size", "64", "--batch-size", "16", "--workers", "0", "--plots", "false")

# Run in a fresh interpreter whose only entry on sys.path besides the standard library and site-packages (and the
# network guard's sitecustomize) is the archive's code/: the toolkit's four calls on one image, then every module
# that was loaded from this repository (pipeline-scripts/, tests/) rather than from code/.
SERVE = """
import json, sys, sysconfig
from pathlib import Path
model_dir, image, repo = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]).resolve()
code = model_dir / "code"
installed = {Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "platstdlib", "purelib", "platlib")}
extra = [p for p in sys.path if p and Path(p).exists() and not any(Path(p).resolve().is_relative_to(root) for root in installed)]
import inference
model = inference.model_fn(str(model_dir))
data = inference.input_fn(bytearray(open(image, "rb").read()), "image/jpeg")
body, content_type = inference.output_fn(inference.predict_fn(data, model), "application/json")
# The project's .venv may sit inside the repository (a fresh clone): installed packages are not foreign.
def foreign_file(path):
    resolved = Path(path).resolve()
    return (resolved.is_relative_to(repo) and not any(resolved.is_relative_to(root) for root in installed)
            and "network_guard" not in resolved.parts)
foreign = sorted({m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None) and foreign_file(m.__file__)})
print(json.dumps({"extra_path": extra, "inference": inference.__file__, "foreign": foreign,
                  "content_type": content_type, "body": body}))
"""


@pytest.fixture(scope="module")
def evaluation_job(tmp_path_factory, bundle, yolo_config_dir, model_archive, dataset):
    """The evaluation step run as the processing job: model.tar.gz in, evaluation.json and the serving archive out."""
    job = processing_job(tmp_path_factory.mktemp("evaluation"), bundle, yolo_config_dir)
    model_dir = job.root / "processing" / "model"
    model_dir.mkdir(parents=True)
    (model_dir / "model.tar.gz").write_bytes(model_archive.read_bytes())
    result = job.run("evaluate.py", "--model-dir", str(model_dir), "--data-dir", str(dataset.root),
                     "--output-dir", str(job.root / "processing" / "evaluation"),
                     "--serving-dir", str(job.root / "processing" / "serving"), *EVALUATE_ARGS)
    assert result.returncode == 0, describe(result)
    return job


@pytest.fixture(scope="module")
def serving_archive(evaluation_job) -> Path:
    return evaluation_job.root / "processing" / "serving" / "model.tar.gz"


def members(archive: Path) -> list[str]:
    with tarfile.open(archive) as tar:
        return sorted(member.name for member in tar.getmembers())


def test_the_archive_holds_the_trained_model_at_its_root_and_the_inference_code_under_code(serving_archive, model_archive):
    names = members(serving_archive)
    assert [n for n in names if not n.startswith("code/")] == members(model_archive)  # the training output, unchanged
    assert {"best.pt", "data.yaml", "training_summary.json"} <= set(names)
    code = [n.removeprefix("code/") for n in names if n.startswith("code/")]
    assert {"inference.py", "requirements.txt", "yolo_pipeline/__init__.py", "yolo_pipeline/imagestats.py",
            "yolo_pipeline/offline.py", "yolo_pipeline/model_artifact.py"} <= set(code)
    # Only what serving imports: no training, preparation or tracking code rides along.
    assert not {"train.py", "evaluate.py", "prepare.py", "yolo_pipeline/tracking.py", "yolo_pipeline/convert.py"} & set(code)
    with tarfile.open(serving_archive) as tar, tarfile.open(model_archive) as trained:
        assert tar.extractfile("best.pt").read() == trained.extractfile("best.pt").read()
        assert tar.extractfile("code/inference.py").read() == (SCRIPTS / "inference.py").read_bytes()


def test_the_endpoint_installs_the_bundles_own_pins_of_ultralytics_and_nothing_for_training(serving_archive):
    with tarfile.open(serving_archive) as tar:
        lines = tar.extractfile("code/requirements.txt").read().decode().splitlines()
    pins = [line for line in lines if line and not line.startswith("#")]
    bundle = {line.split("==")[0]: line for line in (SCRIPTS / "requirements.txt").read_text().splitlines() if "==" in line}
    assert pins == [bundle[name] for name in ("ultralytics-opencv-headless", "opencv-python-headless", "polars", "ultralytics-thop")]
    assert not any(line.startswith(("mlflow", "sagemaker-mlflow")) for line in pins)


def test_unpacked_like_the_container_it_serves_a_real_image_from_code_alone(serving_archive, yolo_config_dir, tmp_path):
    model_dir = unpack_model(serving_archive, tmp_path / "opt" / "ml" / "model")
    guard_log = tmp_path / "network-attempts.log"
    env = base_env(PYTHONPATH=f"{NETWORK_GUARD}:{model_dir / 'code'}", YOLO_CONFIG_DIR=str(yolo_config_dir),
                   NETWORK_GUARD_LOG=str(guard_log), SAGEMAKER_PROGRAM="inference.py",
                   SAGEMAKER_SUBMIT_DIRECTORY=str(model_dir / "code"), **SERVING_ENV)
    # -P: nothing of the working directory on sys.path; the working directory is empty anyway.
    (tmp_path / "cwd").mkdir()
    result = subprocess.run([sys.executable, "-P", "-c", SERVE, str(model_dir), str(PHOTO), str(REPO)],
                            cwd=tmp_path / "cwd", env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, describe(result)
    served = json.loads(result.stdout.strip().splitlines()[-1])
    assert [Path(p).resolve() for p in served["extra_path"]] == [NETWORK_GUARD.resolve(), (model_dir / "code").resolve()]
    assert served["inference"] == str(model_dir / "code" / "inference.py")
    assert served["foreign"] == []  # nothing from pipeline-scripts/ or the tests
    assert served["content_type"] == "application/json"
    response = json.loads(served["body"])
    schema = json.loads((SCRIPTS / "detections.schema.json").read_text())
    assert list(Draft202012Validator(schema).iter_errors(response)) == []
    assert (response["image"]["width"], response["image"]["height"]) == (512, 600)
    assert response["model"]["class_names"] == ["vehicle", "person", "building"]
    assert not guard_log.exists() or guard_log.read_text() == ""


def test_a_bundle_without_a_pin_for_a_serving_package_is_refused(tmp_path):
    from yolo_pipeline import cli, serving_artifact

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("ultralytics-opencv-headless==8.3.253\nopencv-python-headless>=4.11\npolars==2.1.0\n"
                            "ultralytics-thop==2.2.3\n")
    with pytest.raises(cli.PipelineError) as refused:
        serving_artifact.serving_requirements(requirements)
    assert str(refused.value) == (f"{requirements} pins no version of opencv-python-headless (expected lines such as "
                                  "'opencv-python-headless==<version>'); the endpoint would install whatever is newest.")


def test_the_code_follows_the_entry_points_imports(tmp_path):
    from yolo_pipeline import serving_artifact

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "used.py").write_text("from . import deeper\nimport json\n")
    (tmp_path / "pkg" / "deeper.py").write_text("def f():\n    import yaml  # third-party: not followed\n")
    (tmp_path / "pkg" / "unused.py").write_text("")
    (tmp_path / "other.py").write_text("")
    (tmp_path / "inference.py").write_text("from pkg import used\n")
    assert [p.as_posix() for p in serving_artifact.code_files(tmp_path)] == [
        "inference.py", "pkg/__init__.py", "pkg/deeper.py", "pkg/used.py"]


def test_the_baseline_step_runs_on_the_serving_archive_and_the_split_evaluation_used(evaluation_job, serving_archive, bundle,
                                                                                   yolo_config_dir, dataset, tmp_path):
    """BaselineMonitoring as the pipeline starts it: the serving archive as its model, `--split` from evaluation.json."""
    report = json.loads((evaluation_job.root / "processing" / "evaluation" / "evaluation.json").read_text())
    job = processing_job(tmp_path, bundle, yolo_config_dir)
    model_dir = job.root / "processing" / "model"
    model_dir.mkdir(parents=True)
    (model_dir / "model.tar.gz").write_bytes(serving_archive.read_bytes())
    output_dir = job.root / "processing" / "baseline"
    result = job.run("monitoring_baseline.py", "--model-dir", str(model_dir), "--data-dir", str(dataset.root),
                     "--output-dir", str(output_dir), "--split", report["split"], "--format", "jsonl", env=SERVING_ENV)
    assert result.returncode == 0, describe(result)
    assert report["split"] == "test"
    records = [json.loads(line) for line in (output_dir / "baseline.jsonl").read_text().splitlines()]
    assert len(records) == len(dataset.splits["test"]) == report["dataset"]["images"]
    assert [p.name for p in output_dir.iterdir()] == ["baseline.jsonl"]  # the analyzer reads every file of the prefix
    assert job.network_attempts() == []
