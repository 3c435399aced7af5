"""The Ultralytics offline set-up and the scripts' shared command-line behaviour."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from conftest import SCRIPTS, base_env

SCRIPT_NAMES = ["train.py", "evaluate.py", "prepare.py", "profile_images.py"]


def test_offline_configuration_needs_no_network(offline_ultralytics, tmp_path, monkeypatch):
    from ultralytics import YOLO
    from ultralytics.utils import SETTINGS
    from ultralytics.utils.checks import check_font

    from yolo_pipeline import offline

    assert (os.environ["YOLO_OFFLINE"], os.environ["YOLO_AUTOINSTALL"]) == ("true", "false")
    assert os.environ["YOLO_CONFIG_DIR"] == str(offline_ultralytics)
    fonts = offline.ultralytics_config_dir(offline_ultralytics)
    assert check_font("Arial.ttf") == fonts / "Arial.ttf"
    assert check_font("Arial.Unicode.ttf") == fonts / "Arial.Unicode.ttf"
    assert not any(SETTINGS[key] for key in ("sync", "hub", "mlflow", "wandb", "tensorboard", "clearml", "comet"))

    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    with pytest.raises(ConnectionError, match=r"^Download of https://github.com/.*/yolo11x.pt refused"):
        YOLO("yolo11x.pt")  # a weights file that is not there: refused at once, never fetched
    assert time.monotonic() - started < 5
    assert list(tmp_path.iterdir()) == []
    assert type(YOLO("yolo11n.yaml").model).__name__ == "DetectionModel"  # architectures need no download


def test_configure_refuses_to_run_after_ultralytics_was_imported(tmp_path):
    code = "import ultralytics, yolo_pipeline.offline as o\ntry:\n    o.configure()\nexcept RuntimeError as e:\n    print(e)"
    result = subprocess.run([sys.executable, "-c", code], cwd=SCRIPTS, env=base_env(YOLO_CONFIG_DIR=str(tmp_path)),
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "offline.configure() must run before ultralytics is imported"


@pytest.mark.parametrize("script", SCRIPT_NAMES)
def test_every_script_has_help_with_a_usage_line(script, tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPTS / script), "--help"], cwd=tmp_path, env=base_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {script}")
    docstring_usage = (SCRIPTS / script).read_text().split('"""')[1]
    assert "Usage:" in docstring_usage and f"python {script}" in docstring_usage


def test_sagemaker_paths_fall_back_to_local_paths_outside_a_container(monkeypatch, tmp_path):
    from yolo_pipeline import container

    assert container.default_path("SM_MODEL_DIR", "/opt/ml/model", "model", env={"SM_MODEL_DIR": "/x"}) == "/x"
    assert container.default_path("SM_MODEL_DIR", "/opt/ml/model", "model", env={}) == "model"
    monkeypatch.setattr(container, "OPT_ML", tmp_path)  # now "in a container"
    assert container.default_path("SM_MODEL_DIR", "/opt/ml/model", "model", env={}) == "/opt/ml/model"
    assert container.failure_file("failure", env={}) == tmp_path / "output" / "failure"
    assert container.failure_file("message", env={"SM_OUTPUT_DIR": "/o"}).as_posix() == "/o/message"


def test_hyperparameters_from_sm_hps_use_argparse_names():
    from yolo_pipeline import container

    assert container.hyperparameters({"SM_HPS": '{"model-variant": "n", "epochs": 3}'}) == {"model_variant": "n", "epochs": 3}
    assert container.hyperparameters({"SM_HPS": "not json"}) == {}
    assert container.hyperparameters({}) == {}


def test_the_network_guard_used_by_the_script_tests_does_catch_attempts(tmp_path):
    # Otherwise "no network attempts" in the training and evaluation tests would prove nothing.
    log = tmp_path / "attempts.log"
    code = "import urllib.request\ntry:\n    urllib.request.urlopen('https://github.com', timeout=3)\nexcept OSError as e:\n    print('refused')"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=base_env(NETWORK_GUARD_LOG=str(log)),
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "refused"
    assert log.read_text().splitlines() == ["getaddrinfo github.com"]
