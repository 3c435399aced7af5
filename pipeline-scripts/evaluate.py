"""Evaluate a trained YOLO11 model on the dataset's test split: the pipeline's evaluation (processing) step.

Usage:
    python evaluate.py --image-size 640 --batch-size 16
    python evaluate.py --model-dir ./model --data-dir ./dataset --output-dir ./evaluation --serving-dir ./serving   # on a laptop

Unpacks <model-dir>/model.tar.gz (the training job's output; a folder holding best.pt also works),
validates the chosen split of the dataset, runs Ultralytics validation and writes
<output-dir>/evaluation.json in the shape of evaluation.schema.json (read by the pipeline's PropertyFile
with paths such as detection_metrics.mAP50_95.value), plus plots in <output-dir>/plots. When the test
split is missing or empty it evaluates val instead and says so (log and `fallback_reason`). It also writes
<serving-dir>/model.tar.gz, the archive an endpoint serves: the trained model plus code/ (inference.py, the
modules it imports, requirements.txt; see yolo_pipeline/serving_artifact.py). On failure
the reason goes to /opt/ml/output/message (the processing job's ExitMessage) and the exit code is non-zero.
"""

from __future__ import annotations

import json
import logging
import platform
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from yolo_pipeline import cli, container, dataset, offline
from yolo_pipeline.model_artifact import MODEL_ARCHIVE, WEIGHTS_FILE, locate_model
from yolo_pipeline.serving_artifact import SERVING_ARCHIVE, write_serving_archive

LOGGER = logging.getLogger(Path(__file__).stem)
SCRIPTS_DIR = Path(__file__).resolve().parent

SCHEMA_VERSION = "1.0"
REPORT_FILE = "evaluation.json"


def parse_args(argv: Sequence[str] | None = None, env: dict[str, str] | None = None):
    def path(container_path: str, local_path: str) -> str:
        return container.default_path(None, container_path, local_path, env)

    parser = cli.ArgumentParser(prog="evaluate.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, default=path("/opt/ml/processing/model", "model"),
                        help=f"folder holding {MODEL_ARCHIVE} (or {WEIGHTS_FILE})")
    parser.add_argument("--data-dir", type=Path, default=path("/opt/ml/processing/data", "dataset"),
                        help="dataset root (data.yaml, images/, labels/)")
    parser.add_argument("--output-dir", type=Path, default=path("/opt/ml/processing/evaluation", "evaluation"),
                        help=f"where {REPORT_FILE} and plots are written")
    parser.add_argument("--serving-dir", type=Path, default=path("/opt/ml/processing/serving", "serving"),
                        help=f"where the serving archive {SERVING_ARCHIVE} (model and inference code) is written")
    parser.add_argument("--split", type=cli.choice("split", ("test", "val")), default="test",
                        help="split to evaluate; test falls back to val when missing or empty")
    parser.add_argument("--image-size", type=cli.image_size(), default=640)
    parser.add_argument("--batch-size", type=cli.integer("batch-size", 1), default=16)
    parser.add_argument("--conf", type=cli.number("conf", greater_than=0, maximum=1), default=0.001,
                        help="confidence threshold (Ultralytics' validation default; low, for mAP)")
    parser.add_argument("--iou", type=cli.number("iou", greater_than=0, maximum=1), default=0.7,
                        help="NMS IoU threshold")
    parser.add_argument("--device", type=cli.device(), default="auto")
    parser.add_argument("--workers", type=cli.integer("workers", 0), default=min(8, container.cpu_count(env)))
    parser.add_argument("--plots", type=cli.boolean("plots"), default=True,
                        help="write confusion matrix and PR curves to <output-dir>/plots")
    return parser.parse_args(argv)


def choose_split(spec: dataset.DatasetSpec, requested: str) -> tuple[str, str | None]:
    """(split to evaluate, why it differs from the requested one or None)."""
    if requested != "test":
        return requested, None
    folder = spec.splits.get("test")
    if folder is None:
        reason = "the dataset has no test split (data.yaml declares no 'test' folder)"
    elif not folder.is_dir():
        reason = f"the test split folder {folder.relative_to(spec.root).as_posix()} does not exist"
    elif not dataset.has_images(spec, "test"):
        reason = f"the test split folder {folder.relative_to(spec.root).as_posix()} has no images"
    else:
        return "test", None
    LOGGER.warning("Evaluating the val split instead of test: %s.", reason)
    return "val", f"{reason}; evaluated the val split instead"


def fraction(value: object) -> float:
    """A metric as a JSON number in [0, 1] (guards against float noise such as 1.0000000002)."""
    return round(min(1.0, max(0.0, float(value))), 6)


def build_report(metrics, *, split: str, fallback_reason: str | None, stats: dataset.SplitStats,
                 spec: dataset.DatasetSpec, weights_source: Path, summary: dict | None, args) -> dict:
    """evaluation.json: the shape of evaluation.schema.json plus descriptive extras."""
    box = metrics.box
    precision, recall, map50, map50_95 = box.mean_results() if len(box.ap_class_index) else (0.0, 0.0, 0.0, 0.0)
    per_class = []
    for index, class_id in enumerate(box.ap_class_index):
        p, r, ap50, ap = box.class_result(index)
        per_class.append({
            "class_id": int(class_id),
            "class_name": spec.names[int(class_id)],
            "instances": int(stats.instances_per_class[int(class_id)]),
            "mAP50": fraction(ap50),
            "mAP50_95": fraction(ap),
            "precision": fraction(p),
            "recall": fraction(r),
        })
    return {
        "schema_version": SCHEMA_VERSION,
        "split": split,
        "requested_split": args.split,
        "fallback_reason": fallback_reason,
        "detection_metrics": {
            "mAP50": {"value": fraction(map50)},
            "mAP50_95": {"value": fraction(map50_95)},
            "precision": {"value": fraction(precision)},
            "recall": {"value": fraction(recall)},
        },
        "per_class": per_class,
        "dataset": {
            "root": str(spec.root),
            "images": stats.images,
            "instances": stats.instances,
            "background_images": stats.background_images,
            "class_names": spec.class_names,
            # Classes without boxes in this split have no metrics; listing them beats reporting zeros.
            "classes_without_instances": [spec.names[i] for i, n in enumerate(stats.instances_per_class) if n == 0],
        },
        "model": {
            "weights": WEIGHTS_FILE,
            "source": str(weights_source),
            "variant": (summary or {}).get("model_variant"),
            "image_size": args.image_size,
            "epochs_completed": (summary or {}).get("epochs_completed"),
        },
        "settings": {"conf": args.conf, "iou": args.iou, "batch_size": args.batch_size, "device": args.device},
        "speed_ms_per_image": {k: round(float(v), 3) for k, v in metrics.speed.items()},
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": {"python": platform.python_version()},
    }


def evaluate(args) -> dict:
    args.output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="evaluate-") as tmp:
        workdir = Path(tmp)
        weights, source, summary = locate_model(args.model_dir, workdir)
        spec = dataset.read_data_yaml(args.data_dir)
        split, fallback_reason = choose_split(spec, args.split)
        validation = dataset.require_valid_dataset(args.data_dir, splits=[split], logger=LOGGER)
        stats = validation.splits[split]

        offline.configure()
        from ultralytics import YOLO, __version__ as ultralytics_version

        device = offline.resolve_device(args.device)
        try:
            model = YOLO(str(weights))
        except Exception as e:  # noqa: BLE001 - any load failure means an unusable artifact
            raise cli.PipelineError(f"{WEIGHTS_FILE} from {source} cannot be loaded: {type(e).__name__}: {e}") from e
        model_names = [model.names[i] for i in sorted(model.names)]
        if model_names != spec.class_names:
            raise cli.PipelineError(
                f"The model's classes {model_names} differ from the dataset's {spec.class_names} (data.yaml names); "
                "evaluate on the dataset the model was trained for."
            )
        data_yaml = dataset.write_local_data_yaml(spec, workdir / "data.yaml", splits=("train", "val", split))
        LOGGER.info("Evaluating %s on the %s split (%d images, %d boxes)", source, split, stats.images, stats.instances)
        metrics = model.val(
            data=str(data_yaml), split=split, imgsz=args.image_size, batch=args.batch_size, conf=args.conf,
            iou=args.iou, device=device, workers=args.workers, plots=args.plots, project=str(workdir),
            name="val", exist_ok=True, verbose=True,
        )
        report = build_report(metrics, split=split, fallback_reason=fallback_reason, stats=stats, spec=spec,
                              weights_source=source, summary=summary, args=args)
        report["versions"]["ultralytics"] = ultralytics_version
        if args.plots:
            plots_dir = args.output_dir / "plots"
            plots_dir.mkdir(exist_ok=True)
            for plot in sorted((workdir / "val").glob("*.png")) + sorted((workdir / "val").glob("*.jpg")):
                shutil.copy2(plot, plots_dir / plot.name)
        # Only for a model that loaded and was evaluated: what the registry points endpoints at.
        write_serving_archive(weights.parent, SCRIPTS_DIR, args.serving_dir / SERVING_ARCHIVE)

    path = args.output_dir / REPORT_FILE
    # Written whole then renamed: the pipeline never reads a half-written report.
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(report, indent=2), encoding="utf-8")
    partial.replace(path)
    metrics_text = ", ".join(f"{k}={v['value']:.4f}" for k, v in report["detection_metrics"].items())
    LOGGER.info("Wrote %s (%s split: %s)", path, split, metrics_text)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for name in ("model_dir", "data_dir", "output_dir", "serving_dir"):
        setattr(args, name, getattr(args, name).resolve())
    evaluate(args)
    return 0


if __name__ == "__main__":
    cli.run(main, container.PROCESSING_FAILURE_FILE)
