"""train.py with MLflow experiment tracking: params, per-epoch metrics and the model in the run, one run
across a spot restart, and nothing at all without a tracking URI.

The tracking server is a local file store (file:// under the test's temp dir), read back with MlflowClient;
the network guard records any other connection. This file's name matters: under pytest Ultralytics
switches its MLflow callbacks off unless the current test's id contains "test_mlflow"
(PYTEST_CURRENT_TEST, which the training subprocess inherits).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import (SCRIPTS, TRAIN_HPS, base_env, describe, metric_values, toolkit_args, train_interrupted_then_resumed,
                      training_job)

EXPERIMENT = "drone-dev-pipeline"
JOB_NAME = "pipelines-abc123-TrainModel-Xyz"
ARN = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/drone-dev-mlflow"


@pytest.fixture(scope="module")
def tracked(tmp_path_factory, bundle, dataset, offline_ultralytics):
    """A 2-epoch training job logging to a file store, killed after epoch 1 and restarted (like `trained`)."""
    base = tmp_path_factory.mktemp("tracked")
    uri = (base / "mlruns").as_uri()
    job = training_job(base, bundle, dataset.root, base / "yolo-config")  # own settings: mlflow is switched on here
    job.env.update(MLFLOW_TRACKING_URI=uri, MLFLOW_EXPERIMENT_NAME=EXPERIMENT, TRAINING_JOB_NAME=JOB_NAME,
                   TRAINING_JOB_ARN=f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{JOB_NAME.lower()}")
    # Killed once Ultralytics' MLflow callback has logged epoch 1's val metrics too (it runs after the metric lines).
    result = train_interrupted_then_resumed(job, also_wait_for=lambda: any(base.glob("mlruns/*/*/metrics/metrics/mAP50-95B")))
    assert result.resumed.returncode == 0, describe(result.resumed)
    return result, uri


@pytest.fixture(scope="module")
def run(tracked):
    from mlflow.tracking import MlflowClient

    _, uri = tracked
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None, f"no experiment {EXPERIMENT!r} in {uri}"
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1, "the restarted job must continue its run, not start another"
    return client, runs[0]


def artifacts(run) -> dict[str, int]:
    """Artifact path → size of a run. (MlflowClient.list_artifacts of mlflow 3.0.0 resolves the run through the
    process' global tracking URI, not the client's, and would create ./mlruns; the run's artifact URI is exact.)"""
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    repo = get_artifact_repository(run.info.artifact_uri)
    found, folders = {}, [None]
    while folders:
        for item in repo.list_artifacts(folders.pop()):
            if item.is_dir:
                folders.append(item.path)
            else:
                found[item.path] = item.file_size
    return found


def test_the_run_is_named_after_the_training_job_and_finished(run, tracked):
    _, found = run
    assert found.info.run_name == JOB_NAME
    assert found.info.status == "FINISHED"
    assert found.data.tags["sagemaker.training_job_name"] == JOB_NAME
    assert found.data.tags["model_variant"] == "yolo11n"
    summary = json.loads((tracked[0].job.model_dir / "training_summary.json").read_text())
    assert summary["mlflow"] == {"tracking_uri": tracked[1], "experiment_name": EXPERIMENT,
                                 "experiment_id": found.info.experiment_id, "run_id": found.info.run_id,
                                 "run_name": JOB_NAME}


def test_the_hyperparameters_and_the_dataset_are_params(run, dataset):
    _, found = run
    params = found.data.params
    assert {k: params[k] for k in ("model_variant", "epochs", "batch_size", "learning_rate", "image_size", "patience",
                                   "seed", "optimizer", "workers", "plots")} == {
        "model_variant": "yolo11n", "epochs": "2", "batch_size": "8", "learning_rate": "0.01", "image_size": "64",
        "patience": "20", "seed": "0", "optimizer": "SGD", "workers": "0", "plots": "True"}
    # Ultralytics' own arguments come along, under its names; device is the one it resolved
    assert (params["imgsz"], params["batch"], params["lr0"], params["device"]) == ("64", "8", "0.01", "cpu")
    assert params["model"] == "yolo11n.yaml" and params["resume"] == "False"  # as first started, not the resume's
    assert params["initial_weights"] == "yolo11n.yaml"
    assert params["dataset_classes"] == "vehicle,person,building"
    assert len(params["dataset_fingerprint"]) == 64
    assert (params["dataset_train_images"], params["dataset_val_images"]) == ("24", "8")


def test_every_epoch_is_one_point_of_the_metric_history_across_the_restart(run, tracked):
    client, found = run
    for name in ("train/box_loss", "train/cls_loss", "val/box_loss", "lr/pg0"):
        assert [m.step for m in client.get_metric_history(found.info.run_id, name)] == [0, 1], name
    # The val metrics get one more point at the last step: best.pt's, which is also SageMaker's final value.
    history = client.get_metric_history(found.info.run_id, "metrics/mAP50-95B")
    assert [m.step for m in history] == [0, 1, 1]
    assert history[-1].value == pytest.approx(metric_values(tracked[0].resumed.stdout, "val_mAP50_95")[-1], abs=1e-5)
    assert all(0 <= m.value <= 1 for m in history)


def test_the_model_is_in_the_run_artifacts(run, tracked):
    _, found = run
    files = artifacts(found)
    # Ultralytics' weights folder and plots, and train.py's model dir (what model.tar.gz holds)
    assert {"weights/best.pt", "results.csv", "results.png"} <= set(files)
    model_dir = tracked[0].job.model_dir
    assert {path: size for path, size in files.items() if path.startswith("model/")} == {
        f"model/{p.name}": p.stat().st_size for p in model_dir.iterdir()}
    assert files["model/best.pt"] > 1_000_000


def test_tracking_leaves_the_metric_lines_and_the_network_alone(tracked):
    result, _ = tracked
    assert metric_values(result.interrupted_stdout, "epoch") == [1]
    assert metric_values(result.resumed.stdout, "epoch") == [2]
    logs = result.resumed.stdout + result.resumed.stderr
    assert "Not tracking this run" not in logs  # the resumed run is continued without Ultralytics' param clash
    assert f"MLflow: continuing run {run_id_of(result)}" in result.resumed.stderr
    assert result.job.network_attempts() == []


def run_id_of(result) -> str:
    return json.loads((result.job.checkpoint_dir / "mlflow_run.json").read_text())["run_id"]


def test_without_a_tracking_uri_nothing_is_tracked(trained):
    job = trained.job
    assert not list(job.root.parent.rglob("mlruns")) and not list(job.code.rglob("mlruns"))
    assert not (job.checkpoint_dir / "mlflow_run.json").exists()
    assert json.loads((job.model_dir / "training_summary.json").read_text())["mlflow"] is None
    assert "MLflow" not in trained.resumed.stdout + trained.resumed.stderr


def test_without_a_tracking_uri_mlflow_is_not_even_imported(tmp_path):
    code = ("import sys, train\nfrom yolo_pipeline import offline\noffline.configure()\n"
            "from ultralytics.utils.callbacks import mlflow as integration\n"
            "print(integration.callbacks, 'mlflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=SCRIPTS, env=base_env(YOLO_CONFIG_DIR=str(tmp_path)),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "{} False"
    assert list(tmp_path.rglob("mlruns")) == []


def test_the_tracking_uri_hyperparameter_overrides_the_environment():
    import train
    from yolo_pipeline import cli

    env = {"MLFLOW_TRACKING_URI": ARN}
    assert train.parse_args([], env=env).mlflow_tracking_uri == ARN
    assert train.parse_args([], env={}).mlflow_tracking_uri == ""
    hps = {"SM_HPS": json.dumps({"mlflow-tracking-uri": "https://mlflow.example.com"}), **env}
    assert train.parse_args([], env=hps).mlflow_tracking_uri == "https://mlflow.example.com"
    assert train.parse_args(["--mlflow-tracking-uri", ""], env=hps).mlflow_tracking_uri == ""
    with pytest.raises(cli.UsageError, match=r"^'mlflow-tracking-uri=drone-dev-mlflow' is an invalid value\. "
                                             r"Valid 'mlflow-tracking-uri' values are a SageMaker MLflow tracking server ARN"):
        train.parse_args(["--mlflow-tracking-uri", "drone-dev-mlflow"], env={})


def test_an_unusable_tracking_server_stops_the_job_before_training(tmp_path, bundle, dataset):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    uri = (blocker / "mlruns").as_uri()
    hps = dict(TRAIN_HPS, epochs="1")
    job = training_job(tmp_path / "job", bundle, dataset.root, tmp_path / "yolo-config", hps=hps)
    result = job.run("train.py", *toolkit_args(hps), env={"MLFLOW_TRACKING_URI": uri})
    assert result.returncode == 1, describe(result)
    assert metric_values(result.stdout, "epoch") == []
    assert job.failure().startswith(f"MLflow tracking at {uri} failed before training started: ")


def test_the_sagemaker_plugin_resolves_a_tracking_server_arn_offline():
    # The pinned mlflow-skinny and sagemaker-mlflow work together: an ARN maps to the regional endpoint,
    # requests signed with SigV4 (no request is made here).
    from mlflow.tracking._tracking_service.utils import _get_store

    store = _get_store(ARN)
    assert type(store).__module__.startswith("sagemaker_mlflow")
    assert store.get_host_creds().host == "https://us-east-1.experiments.sagemaker.aws"


def test_a_new_run_marks_the_run_of_an_attempt_that_left_nothing_to_resume_killed(tmp_path, monkeypatch):
    # e.g. a spot interruption during epoch 1: no last.pt, so the restart starts afresh, in a new run
    from mlflow.tracking import MlflowClient

    from yolo_pipeline import tracking

    uri = (tmp_path / "mlruns").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)  # what train.py has set when it gets there
    client = MlflowClient(uri)
    orphan = client.create_run(client.create_experiment(EXPERIMENT)).info.run_id
    tracking.Tracker._close_orphan(orphan)
    assert client.get_run(orphan).info.status == "KILLED"
