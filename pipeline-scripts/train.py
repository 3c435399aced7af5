"""Train a YOLO11 object detector: the SageMaker training job's script-mode entry point.

Usage:
    python train.py --model-variant yolo11n --epochs 50 --batch-size 16 --learning-rate 0.01 \\
        --image-size 640 --patience 20 --seed 0
    python train.py --data-dir ./dataset --model-dir ./model --epochs 1 --image-size 320   # on a laptop

Reads the YOLO dataset of channel `dataset` (validated first, see yolo_pipeline/dataset.py), starts
from pretrained `<variant>.pt` when one is provided and from the architecture yaml otherwise, checkpoints
every epoch to the checkpoint dir (synced to S3 by managed spot training) and resumes from it after a
restart. Writes best.pt, data.yaml, training_summary.json, results.csv and args.yaml to the model dir,
plots to the output data dir, and after every epoch prints these lines on stdout for the pipeline's
metric definitions:

    epoch=<n>  train_box_loss=<v>  train_cls_loss=<v>  train_dfl_loss=<v>
    val_precision=<v>  val_recall=<v>  val_mAP50=<v>  val_mAP50_95=<v>

(one per line). After the last epoch the val_* lines are printed once more for best.pt, so the final
value SageMaker records belongs to the model in model.tar.gz. With MLFLOW_TRACKING_URI (or
--mlflow-tracking-uri) set, params, per-epoch metrics and the model also go to that MLflow tracking server
(yolo_pipeline/tracking.py). On failure the reason goes to $SM_OUTPUT_DIR/failure and the exit code is
non-zero. README.md describes the whole contract.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import platform
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import yaml

from yolo_pipeline import cli, container, dataset, offline, tracking

LOGGER = logging.getLogger(Path(__file__).stem)

BUNDLE_DIR = Path(__file__).resolve().parent
VARIANT_SCALES = ("n", "s", "m", "l", "x")
OPTIMIZERS = ("SGD", "Adam", "AdamW", "NAdam", "RAdam", "RMSProp", "auto")
RUN_NAME = "train"  # Ultralytics run folder inside the checkpoint dir
RUN_CONFIG = "run_config.json"  # what the checkpointed run was started with
SUMMARY_FILE = "training_summary.json"

# Ultralytics' result keys → the metric names the pipeline's metric definitions match.
METRIC_KEYS = {
    "train/box_loss": "train_box_loss",
    "train/cls_loss": "train_cls_loss",
    "train/dfl_loss": "train_dfl_loss",
    "metrics/precision(B)": "val_precision",
    "metrics/recall(B)": "val_recall",
    "metrics/mAP50(B)": "val_mAP50",
    "metrics/mAP50-95(B)": "val_mAP50_95",
}
VAL_METRICS = ("val_precision", "val_recall", "val_mAP50", "val_mAP50_95")


def model_variant(value: object) -> str:
    """`n`…`x` or `yolo11n`…`yolo11x` (any case) → `yolo11n`…`yolo11x`."""
    text = str(value).strip().lower()
    scale = text[len("yolo11"):] if text.startswith("yolo11") else text
    if scale not in VARIANT_SCALES:
        raise cli.invalid_value(
            "model-variant", value, f"{', '.join(VARIANT_SCALES)} or {', '.join('yolo11' + s for s in VARIANT_SCALES)}"
        )
    return f"yolo11{scale}"


def parse_args(argv: Sequence[str] | None = None, env: dict[str, str] | None = None):
    """Parse arguments; defaults come from SM_HPS, then SageMaker's environment, then local paths."""
    hps = container.hyperparameters(env)

    def default(name: str, fallback: object) -> object:
        # A string default goes through the argument's type=, so SM_HPS values are checked too.
        return str(hps[name]) if name in hps else fallback

    def path(env_var: str | None, container_path: str, local_path: str) -> str:
        return container.default_path(env_var, container_path, local_path, env)

    parser = cli.ArgumentParser(prog="train.py", description=__doc__.split("\n\n")[0])
    hp = parser.add_argument_group("hyperparameters")
    hp.add_argument("--model-variant", type=model_variant, default=default("model_variant", "yolo11n"),
                    help="YOLO11 size: n, s, m, l, x or yolo11n … yolo11x")
    hp.add_argument("--epochs", type=cli.integer("epochs", 1), default=default("epochs", "50"))
    hp.add_argument("--batch-size", type=cli.integer("batch-size", 1), default=default("batch_size", "16"))
    hp.add_argument("--learning-rate", type=cli.number("learning-rate", greater_than=0, maximum=1),
                    default=default("learning_rate", "0.01"), help="initial learning rate (Ultralytics lr0)")
    hp.add_argument("--image-size", type=cli.image_size(), default=default("image_size", "640"),
                    help="training image size in pixels (multiple of 32)")
    hp.add_argument("--patience", type=cli.integer("patience", 0), default=default("patience", "20"),
                    help="epochs without improvement before stopping early; 0 disables early stopping")
    hp.add_argument("--seed", type=cli.integer("seed", 0), default=default("seed", "0"))
    hp.add_argument("--optimizer", type=cli.choice("optimizer", OPTIMIZERS), default=default("optimizer", "SGD"),
                    help="'auto' lets Ultralytics choose and ignores --learning-rate")
    hp.add_argument("--workers", type=cli.integer("workers", 0),
                    default=default("workers", str(min(8, container.cpu_count(env)))),
                    help="data loader processes (default: min(8, CPU count))")
    hp.add_argument("--device", type=cli.device(), default=default("device", "auto"),
                    help="auto (first GPU if present, else CPU), cpu, or a GPU index")
    hp.add_argument("--plots", type=cli.boolean("plots"), default=default("plots", "true"),
                    help="write training plots to the output data dir")
    tracking_args = parser.add_argument_group("experiment tracking")
    tracking_args.add_argument("--mlflow-tracking-uri", type=tracking.tracking_uri,
                        default=default("mlflow_tracking_uri", (os.environ if env is None else env).get("MLFLOW_TRACKING_URI", "")),
                        help="MLflow tracking server (SageMaker tracking server ARN, http(s):// URL or file: URI) to log "
                             "params, metrics and the model to; default $MLFLOW_TRACKING_URI, empty: no tracking. "
                             "The experiment is $MLFLOW_EXPERIMENT_NAME (default " + tracking.DEFAULT_EXPERIMENT + ")")
    paths = parser.add_argument_group("paths (SageMaker environment variable → /opt/ml path → local path)")
    paths.add_argument("--data-dir", type=Path, default=path("SM_CHANNEL_DATASET", "/opt/ml/input/data/dataset", "dataset"),
                       help="dataset root (data.yaml, images/, labels/)")
    paths.add_argument("--weights-dir", type=Path, default=path("SM_CHANNEL_WEIGHTS", "/opt/ml/input/data/weights", "weights"),
                       help="folder searched first for pretrained <variant>.pt")
    paths.add_argument("--model-dir", type=Path, default=path("SM_MODEL_DIR", "/opt/ml/model", "model"))
    paths.add_argument("--output-data-dir", type=Path, default=path("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data", "output/data"))
    paths.add_argument("--checkpoint-dir", type=Path, default=path("SM_CHECKPOINT_DIR", "/opt/ml/checkpoints", "checkpoints"))
    return parser.parse_args(argv)


def hyperparameters_of(args) -> dict[str, object]:
    return {
        "model_variant": args.model_variant, "epochs": args.epochs, "batch_size": args.batch_size,
        "learning_rate": args.learning_rate, "image_size": args.image_size, "patience": args.patience,
        "seed": args.seed, "optimizer": args.optimizer, "workers": args.workers, "device": args.device,
        "plots": args.plots,
    }


def tracking_params(args, spec: dataset.DatasetSpec, report: dataset.ValidationReport, weights: Path | None,
                    fingerprint: str) -> dict[str, object]:
    """The MLflow params train.py adds to Ultralytics' own (which hold every training argument under its names).

    `device` is left to Ultralytics, which logs the device it resolved ("auto" here would clash with it).
    """
    params = {k: v for k, v in hyperparameters_of(args).items() if k != "device"}
    params.update(
        initial_weights=weights.name if weights else f"{args.model_variant}.yaml",
        dataset_fingerprint=fingerprint,
        dataset_classes=",".join(spec.class_names),
        **{f"dataset_{name}_images": split.images for name, split in report.splits.items()},
    )
    return params


def tracking_tags(args) -> dict[str, str]:
    tags = {"model_variant": args.model_variant, "sagemaker.training_job_name": tracking.training_job_name() or "",
            "sagemaker.training_job_arn": os.environ.get("TRAINING_JOB_ARN", "")}
    return {k: v for k, v in tags.items() if v}


def find_pretrained_weights(variant: str, folders: Sequence[Path]) -> Path | None:
    """The first `<variant>.pt` in `folders` (weights channel, dataset root, code bundle), or None."""
    for folder in folders:
        candidate = Path(folder) / f"{variant}.pt"
        if candidate.is_file():
            return candidate.resolve()
    return None


def run_config(args, spec: dataset.DatasetSpec, weights: Path | None) -> dict[str, object]:
    """What decides whether a checkpoint can be resumed: the result-shaping settings and the inputs.

    workers, device and plots are left out: a restart may land on another instance.
    """
    return {
        "model_variant": args.model_variant, "epochs": args.epochs, "batch_size": args.batch_size,
        "learning_rate": args.learning_rate, "image_size": args.image_size, "patience": args.patience,
        "seed": args.seed, "optimizer": args.optimizer,
        "initial_weights": {"file": weights.name, "bytes": weights.stat().st_size} if weights else f"{args.model_variant}.yaml",
        "dataset": dataset.fingerprint(spec),
    }


@dataclass
class Checkpoint:
    """What the checkpoint dir holds. state: none | resumable | complete | stale."""

    state: str
    last: Path | None = None
    epochs_done: int = 0
    reason: str = ""


def inspect_checkpoint(checkpoint_dir: Path, config: dict[str, object]) -> Checkpoint:
    """Decide between a fresh start, a resume and reusing a finished run.

    Ultralytics strips the optimizer from last.pt when a run finishes (epoch becomes -1), so a finished
    run cannot be resumed; when its configuration and dataset match this job it is complete (a restart
    after training ended, e.g. a spot interruption during upload) and is exported, not retrained.
    Anything else found there (another configuration or dataset, an unreadable file) is stale.
    """
    from ultralytics.utils.patches import torch_load

    last = checkpoint_dir / RUN_NAME / "weights" / "last.pt"
    if not last.is_file():
        return Checkpoint("none")
    try:
        saved = json.loads((checkpoint_dir / RUN_CONFIG).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        saved = None
    if saved != config:
        changed = sorted(k for k in config if not isinstance(saved, dict) or saved.get(k) != config[k])
        return Checkpoint("stale", last, reason=f"it was started with a different {', '.join(changed) or 'configuration'}")
    try:
        ckpt = torch_load(last, map_location="cpu")
        epoch = int(ckpt.get("epoch", -1))
        has_optimizer = ckpt.get("optimizer") is not None
    except Exception as e:  # noqa: BLE001 - a partial upload or an interrupted write
        return Checkpoint("stale", last, reason=f"{last} cannot be loaded ({type(e).__name__}: {e})")
    if epoch < 0 or not has_optimizer:
        return Checkpoint("complete", last, epochs_done=len(read_results(last.parent.parent)))
    return Checkpoint("resumable", last, epochs_done=epoch + 1)


def read_results(run_dir: Path) -> list[dict[str, float]]:
    """Ultralytics' results.csv rows (one per completed epoch), with the pipeline's metric names added."""
    path = run_dir / "results.csv"
    if not path.is_file():
        return []
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for raw in csv.DictReader(f):
            row: dict[str, float] = {}
            for key, value in raw.items():
                try:
                    row[METRIC_KEYS.get(key.strip(), key.strip())] = float(value)
                except (TypeError, ValueError):
                    continue
            rows.append(row)
    return rows


def emit_metric(name: str, value: object) -> None:
    """One `name=value` line on stdout, the form the pipeline's metric regexes match."""
    sys.stdout.write(f"{name}={float(value):.6g}\n")
    sys.stdout.flush()


class MetricPrinter:
    """Ultralytics callbacks that print the metric lines and keep the final (best.pt) metrics."""

    def __init__(self) -> None:
        self.in_epoch = False
        self.epochs_printed: list[int] = []
        self.final_metrics: dict[str, float] | None = None

    def on_train_epoch_start(self, trainer) -> None:
        self.in_epoch = True

    def on_fit_epoch_end(self, trainer) -> None:
        # Ultralytics calls this after every epoch and once more after validating best.pt at the end.
        values = {METRIC_KEYS[k]: v for k, v in trainer.metrics.items() if k in METRIC_KEYS}
        if self.in_epoch:
            self.in_epoch = False
            epoch = trainer.epoch + 1
            self.epochs_printed.append(epoch)
            emit_metric("epoch", epoch)
            losses = trainer.label_loss_items(trainer.tloss, prefix="train")
            for key, value in losses.items():
                if key in METRIC_KEYS:
                    emit_metric(METRIC_KEYS[key], value)
        else:
            self.final_metrics = {name: float(values[name]) for name in VAL_METRICS if name in values}
        for name in VAL_METRICS:
            if name in values:
                emit_metric(name, values[name])

    def attach(self, model) -> None:
        model.add_callback("on_train_epoch_start", self.on_train_epoch_start)
        model.add_callback("on_fit_epoch_end", self.on_fit_epoch_end)


def final_metrics_from_checkpoint(best: Path) -> dict[str, float]:
    from ultralytics.utils.patches import torch_load

    saved = torch_load(best, map_location="cpu").get("train_metrics") or {}
    return {METRIC_KEYS[k]: float(v) for k, v in saved.items() if METRIC_KEYS.get(k) in VAL_METRICS}


def export_model(run_dir: Path, model_dir: Path, output_data_dir: Path, class_names: list[str]) -> Path:
    """Fill the model dir (→ model.tar.gz) and copy plots to the output data dir (→ output.tar.gz)."""
    from ultralytics.utils.torch_utils import strip_optimizer

    best = run_dir / "weights" / "best.pt"
    if not best.is_file():
        raise cli.PipelineError(f"Training produced no best.pt in {best.parent}.")
    model_dir.mkdir(parents=True, exist_ok=True)
    # Already stripped by Ultralytics after a normal finish; not if the job stopped between the two strips.
    strip_optimizer(best, s=str(model_dir / "best.pt"))
    names = {"nc": len(class_names), "names": dict(enumerate(class_names))}
    (model_dir / "data.yaml").write_text(yaml.safe_dump(names, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for name in ("results.csv", "args.yaml"):
        if (run_dir / name).is_file():
            shutil.copy2(run_dir / name, model_dir / name)
    output_data_dir.mkdir(parents=True, exist_ok=True)
    plots = sorted(p for p in run_dir.iterdir() if p.suffix in (".png", ".jpg"))
    for plot in plots:
        shutil.copy2(plot, output_data_dir / plot.name)
    LOGGER.info("Model written to %s; %d plots to %s", model_dir, len(plots), output_data_dir)
    return model_dir / "best.pt"


def fit(model, args, train_args: dict[str, object]) -> None:
    """model.train() with the metric lines; GPU memory exhaustion becomes an actionable message."""
    import torch

    try:
        model.train(**train_args)
    except torch.cuda.OutOfMemoryError as e:
        raise cli.PipelineError(
            f"GPU out of memory at batch-size={args.batch_size}, image-size={args.image_size}: lower one of "
            "them or use an instance with more GPU memory."
        ) from e


def start_model(args, weights: Path | None, search: Sequence[Path]):
    """A YOLO model from pretrained weights, or from the architecture yaml when there are none."""
    from ultralytics import YOLO

    if not weights:
        LOGGER.info("No pretrained %s.pt in %s; training from scratch from %s.yaml (put %s.pt in the 'weights' "
                    "channel to fine-tune instead).", args.model_variant, ", ".join(map(str, search)),
                    args.model_variant, args.model_variant)
        return YOLO(f"{args.model_variant}.yaml")
    LOGGER.info("Starting from pretrained weights %s", weights)
    try:
        return YOLO(str(weights))
    except Exception as e:  # noqa: BLE001 - any load failure means unusable weights
        raise cli.PipelineError(f"Pretrained weights {weights} cannot be loaded: {type(e).__name__}: {e}") from e


def train(args) -> dict[str, object]:
    """Validate, train (or resume, or reuse a finished run) and export; returns the training summary."""
    started = time.time()
    args.output_data_dir.mkdir(parents=True, exist_ok=True)
    report = dataset.validate_dataset(args.data_dir)
    (args.output_data_dir / "dataset_validation.json").write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    report.log_summary(LOGGER)
    report.raise_for_errors()
    spec = dataset.read_data_yaml(args.data_dir)

    search = [args.weights_dir, spec.root, BUNDLE_DIR]
    weights = find_pretrained_weights(args.model_variant, search)
    tracker = tracking.Tracker.from_environment(args.mlflow_tracking_uri)
    offline.configure(weights_dir=weights.parent if weights else None, mlflow=tracker is not None)

    device = offline.resolve_device(args.device)
    args.checkpoint_dir.mkdir(parents=True, exist_ok=True)
    config = run_config(args, spec, weights)
    checkpoint = inspect_checkpoint(args.checkpoint_dir, config)
    if tracker:
        tracker.start(args.checkpoint_dir, continue_run=checkpoint.state in ("resumable", "complete"),
                      params=tracking_params(args, spec, report, weights, config["dataset"]), tags=tracking_tags(args))
    try:
        summary = run_training(args, spec, report, weights, search, device, checkpoint, config, tracker, started)
    except BaseException as e:
        if tracker:
            tracker.fail("KILLED" if isinstance(e, KeyboardInterrupt) else "FAILED")
        raise
    if tracker:
        tracker.finish(args.model_dir)
    return summary


def run_training(args, spec: dataset.DatasetSpec, report: dataset.ValidationReport, weights: Path | None,
                 search: Sequence[Path], device: str, checkpoint: Checkpoint, config: dict[str, object],
                 tracker: tracking.Tracker | None, started: float) -> dict[str, object]:
    """Train, resume or reuse the finished run as `checkpoint` says, export, write training_summary.json."""
    from ultralytics import YOLO

    checkpoint_dir = args.checkpoint_dir
    run_dir = checkpoint_dir / RUN_NAME
    data_yaml = dataset.write_local_data_yaml(spec, checkpoint_dir / "data.yaml", splits=("train", "val"))
    common = {"data": str(data_yaml), "device": device, "workers": args.workers, "plots": args.plots}
    printer = MetricPrinter()

    if checkpoint.state == "complete":
        LOGGER.info("The checkpoint dir holds this job's finished run (%d epochs); exporting it without retraining.",
                    checkpoint.epochs_done)
        final = final_metrics_from_checkpoint(run_dir / "weights" / "best.pt")
        for name in VAL_METRICS:
            if name in final:
                emit_metric(name, final[name])
    elif checkpoint.state == "resumable":
        LOGGER.info("Resuming from %s: %d of %d epochs done.", checkpoint.last, checkpoint.epochs_done, args.epochs)
        model = YOLO(str(checkpoint.last))
        printer.attach(model)
        if tracker:
            tracker.attach(model)
        fit(model, args, {"resume": True, **common})  # everything else comes back from the checkpoint
        final = printer.final_metrics or final_metrics_from_checkpoint(run_dir / "weights" / "best.pt")
    else:
        if checkpoint.state == "stale":
            LOGGER.warning("Ignoring the checkpoint in %s: %s. Starting a new run.", checkpoint_dir, checkpoint.reason)
        # Also after a kill before the first checkpoint: Ultralytics would append to a leftover results.csv.
        shutil.rmtree(run_dir, ignore_errors=True)
        (checkpoint_dir / RUN_CONFIG).write_text(json.dumps(config, indent=2), encoding="utf-8")
        model = start_model(args, weights, search)
        printer.attach(model)
        if tracker:
            tracker.attach(model)
        fit(model, args, {
            "epochs": args.epochs, "batch": args.batch_size, "imgsz": args.image_size, "lr0": args.learning_rate,
            "patience": args.patience, "seed": args.seed, "optimizer": args.optimizer, "amp": device != "cpu",
            "project": str(checkpoint_dir), "name": RUN_NAME, "exist_ok": True, "save": True, "verbose": True,
            **common,
        })
        final = printer.final_metrics or final_metrics_from_checkpoint(run_dir / "weights" / "best.pt")

    export_model(run_dir, args.model_dir, args.output_data_dir, spec.class_names)
    summary = build_summary(args, checkpoint, weights, device, final, spec, report, config["dataset"], read_results(run_dir))
    summary["mlflow"] = tracker.summary() if tracker else None
    summary["duration_seconds"] = round(time.time() - started, 1)
    (args.model_dir / SUMMARY_FILE).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary


def build_summary(args, checkpoint: Checkpoint, weights: Path | None, device: str, final: dict[str, float],
                  spec: dataset.DatasetSpec, report: dataset.ValidationReport, fingerprint: str,
                  history: list[dict[str, float]]) -> dict[str, object]:
    """training_summary.json (README.md lists the fields)."""
    import torch
    from ultralytics import __version__ as ultralytics_version

    resumed_from = None
    if checkpoint.state in ("resumable", "complete"):
        resumed_from = {"checkpoint": str(checkpoint.last), "epoch": checkpoint.epochs_done,
                        "already_complete": checkpoint.state == "complete"}
    return {
        "status": "already_complete" if checkpoint.state == "complete" else "trained",
        "model_variant": args.model_variant,
        "hyperparameters": hyperparameters_of(args),
        "device": "cpu" if device == "cpu" else f"cuda:{device}",
        "amp": device != "cpu",
        "initial_weights": {"kind": "pretrained", "path": str(weights)} if weights
        else {"kind": "architecture", "path": f"{args.model_variant}.yaml"},
        "epochs_requested": args.epochs,
        "epochs_completed": len(history),
        "stopped_early": len(history) < args.epochs,
        "resumed_from": resumed_from,
        "final_metrics": {name.removeprefix("val_"): value for name, value in final.items()},
        "final_metrics_source": "best.pt on the val split",
        "class_names": spec.class_names,
        "dataset": {
            "root": str(spec.root),
            "fingerprint": fingerprint,
            "splits": {name: {"images": s.images, "instances": s.instances} for name, s in report.splits.items()},
        },
        "history": [{"epoch": int(row.get("epoch", i + 1)), **{k: row[k] for k in METRIC_KEYS.values() if k in row}}
                    for i, row in enumerate(history)],
        "versions": {"ultralytics": ultralytics_version, "torch": torch.__version__, "python": platform.python_version()},
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for name in ("data_dir", "weights_dir", "model_dir", "output_data_dir", "checkpoint_dir"):
        setattr(args, name, getattr(args, name).resolve())
    LOGGER.info("Hyperparameters: %s", json.dumps(hyperparameters_of(args)))
    summary = train(args)
    LOGGER.info("Done: %d/%d epochs, final %s", summary["epochs_completed"], summary["epochs_requested"],
                json.dumps(summary["final_metrics"]))
    return 0


if __name__ == "__main__":
    cli.run(main, container.TRAINING_FAILURE_FILE)
