"""train.py as a SageMaker training job: outputs, metric lines, spot restarts, weights, failures."""

from __future__ import annotations

import json
import math
import re
import shutil

import pytest
import yaml

from conftest import EPOCH_METRICS, TRAIN_HPS, describe, metric_values, toolkit_args, training_job


def test_training_fills_the_model_dir_like_the_pipeline_expects(trained, dataset):
    result = trained.resumed
    assert result.returncode == 0, describe(result)
    model_dir = trained.job.model_dir
    assert sorted(p.name for p in model_dir.iterdir()) == [
        "args.yaml", "best.pt", "data.yaml", "results.csv", "training_summary.json",
    ]
    assert yaml.safe_load((model_dir / "data.yaml").read_text()) == {
        "nc": 3, "names": {0: "vehicle", 1: "person", 2: "building"},
    }
    summary = json.loads((model_dir / "training_summary.json").read_text())
    assert summary["status"] == "trained"
    assert summary["model_variant"] == "yolo11n"
    assert summary["hyperparameters"]["epochs"] == 2 and summary["hyperparameters"]["image_size"] == 64
    assert summary["device"] == "cpu" and summary["amp"] is False
    assert summary["initial_weights"] == {"kind": "architecture", "path": "yolo11n.yaml"}
    assert (summary["epochs_requested"], summary["epochs_completed"], summary["stopped_early"]) == (2, 2, False)
    assert [row["epoch"] for row in summary["history"]] == [1, 2]
    assert set(summary["final_metrics"]) == {"precision", "recall", "mAP50", "mAP50_95"}
    assert all(0 <= v <= 1 for v in summary["final_metrics"].values())
    assert summary["class_names"] == ["vehicle", "person", "building"]
    train_boxes = sum(len(image.boxes) for image in dataset.splits["train"])
    assert summary["dataset"]["splits"]["train"] == {"images": 24, "instances": train_boxes}
    assert trained.job.failure() is None


def test_plots_and_the_dataset_report_go_to_the_output_data_dir(trained):
    names = {p.name for p in trained.job.output_data_dir.iterdir()}
    assert {"results.png", "confusion_matrix.png", "labels.jpg", "dataset_validation.json"} <= names
    report = json.loads((trained.job.output_data_dir / "dataset_validation.json").read_text())
    assert report["ok"] is True and report["errors"] == []


def test_every_epoch_prints_the_metric_lines_the_pipeline_matches(trained):
    first, second = trained.interrupted_stdout, trained.resumed.stdout
    assert metric_values(first, "epoch") == [1]
    assert metric_values(second, "epoch") == [2]
    for name in EPOCH_METRICS[1:4]:
        assert len(metric_values(first, name)) == 1 and len(metric_values(second, name)) == 1, name
        assert all(v > 0 and math.isfinite(v) for v in metric_values(second, name)), name
    for name in EPOCH_METRICS[4:]:
        # once per epoch, and once more at the end for best.pt (the final value SageMaker records)
        assert len(metric_values(first, name)) == 1, name
        assert len(metric_values(second, name)) == 2, name
        assert all(0 <= v <= 1 for v in metric_values(second, name)), name
    summary = json.loads((trained.job.model_dir / "training_summary.json").read_text())
    assert metric_values(second, "val_mAP50_95")[-1] == pytest.approx(summary["final_metrics"]["mAP50_95"], abs=1e-5)


def test_unanchored_metric_regexes_see_only_the_metric_lines(trained):
    # SageMaker applies the definitions' regexes to every log line, stdout and stderr, without anchors.
    logs = trained.resumed.stdout + trained.resumed.stderr
    for name in EPOCH_METRICS:
        assert [float(v) for v in re.findall(rf"{name}=([-+0-9.eE]+)", logs)] == metric_values(trained.resumed.stdout, name), name


def test_a_killed_job_resumes_from_its_checkpoint_and_continues_the_epoch_count(trained):
    assert trained.interrupted_returncode == -9
    # killed after epoch 1 (Ultralytics counts from 0), with the optimizer state a resume needs
    assert trained.checkpoint_at_interrupt == {"epoch": 0, "has_optimizer": True}
    assert "Resuming from" in trained.resumed.stderr and "1 of 2 epochs done" in trained.resumed.stderr
    summary = json.loads((trained.job.model_dir / "training_summary.json").read_text())
    assert summary["resumed_from"]["epoch"] == 1
    assert summary["resumed_from"]["already_complete"] is False
    assert summary["resumed_from"]["checkpoint"].endswith("checkpoints/train/weights/last.pt")
    assert [row["epoch"] for row in summary["history"]] == [1, 2]  # one results.csv across both runs


def test_training_never_touches_the_network(trained):
    assert trained.job.network_attempts() == []


def test_a_restart_after_a_finished_run_exports_it_without_retraining(trained, tmp_path):
    job = trained.job
    new_model_dir = tmp_path / "model"
    result = job.run("train.py", *toolkit_args(TRAIN_HPS),
                     env={"SM_MODEL_DIR": str(new_model_dir), "SM_OUTPUT_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 0, describe(result)
    assert metric_values(result.stdout, "epoch") == []  # nothing trained again
    assert len(metric_values(result.stdout, "val_mAP50")) == 1
    summary = json.loads((new_model_dir / "training_summary.json").read_text())
    assert summary["status"] == "already_complete"
    assert summary["resumed_from"] == {
        "checkpoint": str(job.checkpoint_dir / "train" / "weights" / "last.pt"), "epoch": 2, "already_complete": True,
    }
    assert summary["epochs_completed"] == 2
    assert (new_model_dir / "best.pt").stat().st_size > 1_000_000


def test_checkpoint_inspection_tells_resumable_complete_and_stale_apart(trained, tmp_path, offline_ultralytics):
    import train

    checkpoints = tmp_path / "checkpoints"
    shutil.copytree(trained.job.checkpoint_dir, checkpoints)
    config = json.loads((checkpoints / "run_config.json").read_text())
    assert train.inspect_checkpoint(checkpoints, config).state == "complete"

    changed = train.inspect_checkpoint(checkpoints, dict(config, epochs=5, dataset="0" * 64))
    assert changed.state == "stale"
    assert changed.reason == "it was started with a different dataset, epochs"

    last = checkpoints / "train" / "weights" / "last.pt"
    last.write_bytes(last.read_bytes()[:1000])  # an interrupted write or partial sync
    corrupt = train.inspect_checkpoint(checkpoints, config)
    assert corrupt.state == "stale" and "cannot be loaded" in corrupt.reason

    assert train.inspect_checkpoint(tmp_path / "empty", config).state == "none"


def test_pretrained_weights_in_the_weights_channel_are_used(tmp_path, bundle, dataset, yolo_config_dir, offline_ultralytics):
    from ultralytics import YOLO

    weights = tmp_path / "weights"
    weights.mkdir()
    YOLO("yolo11n.yaml").save(weights / "yolo11n.pt")  # stands in for COCO weights (80 classes)
    hps = dict(TRAIN_HPS, epochs="1")
    job = training_job(tmp_path / "job", bundle, dataset.root, yolo_config_dir, hps=hps, weights=weights)
    result = job.run("train.py", *toolkit_args(hps))
    assert result.returncode == 0, describe(result)
    assert f"Starting from pretrained weights {weights / 'yolo11n.pt'}" in result.stderr
    assert "Transferred" in result.stdout  # Ultralytics copied the matching layers
    summary = json.loads((job.model_dir / "training_summary.json").read_text())
    assert summary["initial_weights"] == {"kind": "pretrained", "path": str(weights / "yolo11n.pt")}
    assert metric_values(result.stdout, "epoch") == [1]
    assert job.network_attempts() == []


def test_pretrained_weights_lookup_order(tmp_path):
    import train

    channel, data, code = (tmp_path / name for name in ("weights", "dataset", "code"))
    for folder in (channel, data, code):
        folder.mkdir()
    (code / "yolo11s.pt").write_bytes(b"x")
    (data / "yolo11s.pt").write_bytes(b"x")
    assert train.find_pretrained_weights("yolo11s", [channel, data, code]) == (data / "yolo11s.pt").resolve()
    (channel / "yolo11s.pt").write_bytes(b"x")
    assert train.find_pretrained_weights("yolo11s", [channel, data, code]) == (channel / "yolo11s.pt").resolve()
    assert train.find_pretrained_weights("yolo11m", [channel, data, code]) is None


def test_a_bad_hyperparameter_fails_with_a_precise_reason(tmp_path, bundle, dataset, yolo_config_dir):
    hps = dict(TRAIN_HPS, epochs="0")
    job = training_job(tmp_path, bundle, dataset.root, yolo_config_dir, hps=hps)
    result = job.run("train.py", *toolkit_args(hps))
    assert result.returncode == 2
    assert job.failure() == "'epochs=0' is an invalid value. Valid 'epochs' values are integers >= 1.\n"


def test_a_broken_dataset_fails_before_training(tmp_path, bundle, dataset, yolo_config_dir):
    broken = dataset.copy(tmp_path / "broken")
    (broken / "labels" / "train" / "img_000.txt").write_text("0 1.4 0.5 0.2 0.2\n")
    job = training_job(tmp_path / "job", bundle, broken, yolo_config_dir)
    result = job.run("train.py", *toolkit_args(TRAIN_HPS))
    assert result.returncode == 1
    assert job.failure() == (
        f"Dataset {broken} is invalid: 1 problem(s). labels/train/img_000.txt:1: 'x_center=1.4' is an invalid value. "
        "Valid 'x_center' values are numbers from 0 to 1 (normalized by the image width).\n"
    )
    assert not job.model_dir.exists() or not any(job.model_dir.iterdir())
    report = json.loads((job.output_data_dir / "dataset_validation.json").read_text())
    assert report["ok"] is False and len(report["errors"]) == 1


class TestArguments:
    def test_variant_accepts_letters_and_names(self):
        import train

        assert train.parse_args(["--model-variant", "s"], env={}).model_variant == "yolo11s"
        assert train.parse_args(["--model-variant", "YOLO11X"], env={}).model_variant == "yolo11x"
        with pytest.raises(Exception) as error:
            train.parse_args(["--model-variant", "yolo8n"], env={})
        assert str(error.value) == (
            "'model-variant=yolo8n' is an invalid value. Valid 'model-variant' values are n, s, m, l, x or "
            "yolo11n, yolo11s, yolo11m, yolo11l, yolo11x."
        )

    def test_sm_hps_provides_defaults_and_is_checked(self):
        import train

        env = {"SM_HPS": json.dumps({"epochs": 7, "model-variant": "m", "plots": False}), "SM_NUM_CPUS": "32"}
        args = train.parse_args([], env=env)
        assert (args.epochs, args.model_variant, args.plots, args.workers) == (7, "yolo11m", False, 8)
        assert train.parse_args(["--epochs", "3"], env=env).epochs == 3  # the command line wins
        with pytest.raises(Exception, match=r"^'learning-rate=-1' is an invalid value\. Valid 'learning-rate' values are numbers > 0 and <= 1\.$"):
            train.parse_args([], env={"SM_HPS": json.dumps({"learning-rate": -1})})

    def test_defaults_follow_the_sagemaker_environment(self):
        import train

        args = train.parse_args([], env={"SM_MODEL_DIR": "/m", "SM_CHANNEL_DATASET": "/d", "SM_NUM_CPUS": "2"})
        assert (str(args.model_dir), str(args.data_dir), args.workers) == ("/m", "/d", 2)
        assert (args.epochs, args.batch_size, args.learning_rate, args.image_size, args.patience, args.seed) == (50, 16, 0.01, 640, 20, 0)

    @pytest.mark.parametrize("argv, message", [
        (["--image-size", "100"], "'image-size=100' is an invalid value. Valid 'image-size' values are multiples of 32 >= 32 (the model's largest stride)."),
        (["--batch-size", "2.5"], "'batch-size=2.5' is an invalid value. Valid 'batch-size' values are integers >= 1."),
        (["--device", "0,1"], "'device=0,1' is an invalid value. Valid 'device' values are auto, cpu or one GPU index such as 0 (multi-GPU DDP runs in subprocesses that would not print the metric lines; use a single-GPU instance)."),
        (["--plots", "maybe"], "'plots=maybe' is an invalid value. Valid 'plots' values are true or false."),
        (["--epoch", "3"], "unrecognized arguments: --epoch 3. Run 'train.py --help' for the valid arguments."),
    ])
    def test_invalid_values_are_named_with_what_is_valid(self, argv, message):
        import train
        from yolo_pipeline.cli import UsageError

        with pytest.raises(UsageError) as error:
            train.parse_args(argv, env={})
        assert str(error.value) == message

    def test_gpu_index_without_a_gpu_is_refused(self, offline_ultralytics):
        from yolo_pipeline import offline
        from yolo_pipeline.cli import UsageError

        assert offline.resolve_device("auto") == "cpu"
        with pytest.raises(UsageError, match=r"no GPU is visible"):
            offline.resolve_device("0")
