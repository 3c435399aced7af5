"""Build the Model Monitor baseline dataset: the monitored features of a dataset split, as the endpoint sees them.

Usage:
    python monitoring_baseline.py --split val
    python monitoring_baseline.py --model-dir ./model --data-dir ./dataset --output-dir ./baseline --format csv   # on a laptop

Every image of the split (or of a plain folder of images) goes through inference.py exactly like an endpoint
request (input_fn → predict_fn → output_fn), and the JSON response through record_features() of
monitoring/record_preprocessor.py, the function the monitoring schedule runs on captured requests. The
baseline therefore has the columns and definitions of the monitored records. Writes
<output-dir>/baseline.jsonl (JSON Lines, the baselining job's dataset_format {"json": {"lines": true}}) or
baseline.csv (header row, {"csv": {"header": true}}); nothing else goes into that folder, since the
baselining job reads every file under the S3 prefix it is given. The prediction settings are the endpoint's:
the same INFERENCE_* environment variables (see inference.py), so give this job the endpoint's environment.
On failure the reason goes to /opt/ml/output/message (the processing job's ExitMessage) and the exit code
is non-zero.
"""

from __future__ import annotations

import csv
import json
import logging
import random
import tempfile
from pathlib import Path
from typing import Sequence

import inference
from monitoring import record_preprocessor
from yolo_pipeline import cli, container, dataset, imagestats
from yolo_pipeline.model_artifact import MODEL_ARCHIVE, WEIGHTS_FILE, locate_model

LOGGER = logging.getLogger(Path(__file__).stem)

FORMATS = {  # --format → (file, the dataset_format to give the baselining job)
    "jsonl": ("baseline.jsonl", {"json": {"lines": True}}),
    "csv": ("baseline.csv", {"csv": {"header": True, "output_columns_position": "START"}}),
}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


def parse_args(argv: Sequence[str] | None = None, env: dict[str, str] | None = None):
    def path(container_path: str, local_path: str) -> str:
        return container.default_path(None, container_path, local_path, env)

    parser = cli.ArgumentParser(prog="monitoring_baseline.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, default=path("/opt/ml/processing/model", "model"),
                        help=f"folder holding {MODEL_ARCHIVE} (or {WEIGHTS_FILE})")
    parser.add_argument("--data-dir", type=Path, default=path("/opt/ml/processing/data", "dataset"),
                        help="dataset root (data.yaml, images/, labels/) or a plain folder of images")
    parser.add_argument("--output-dir", type=Path, default=path("/opt/ml/processing/baseline", "baseline"),
                        help="where the baseline dataset file is written (alone)")
    parser.add_argument("--split", type=cli.choice("split", ("train", "val", "test")), default="val",
                        help="split of a dataset root; held-out images give realistic confidences (ignored for a plain folder)")
    parser.add_argument("--format", type=cli.choice("format", tuple(FORMATS)), default="jsonl",
                        help="jsonl (JSON Lines) or csv (with a header row)")
    parser.add_argument("--sample-size", type=cli.integer("sample-size", 1), default=None,
                        help="use at most this many images (seeded sample; default: all)")
    parser.add_argument("--seed", type=cli.integer("seed", 0), default=0, help="seed of the sample")
    return parser.parse_args(argv)


def split_images(data_dir: Path, split: str) -> list[Path]:
    """The split's images of a dataset root, or every image of a plain folder."""
    if not (data_dir / dataset.DATA_YAML).is_file():
        if not data_dir.is_dir():
            raise cli.PipelineError(f"{data_dir} is neither a dataset root (with {dataset.DATA_YAML}) nor a folder of images.")
        return dataset.list_images(data_dir)
    spec = dataset.read_data_yaml(data_dir)
    folder = spec.splits.get(split)
    if folder is None or not folder.is_dir():
        present = ", ".join(name for name, f in spec.splits.items() if f.is_dir()) or "none"
        raise cli.PipelineError(f"The dataset {data_dir} has no '{split}' split folder (splits present: {present}). "
                                "Choose another --split.")
    return dataset.list_images(folder)


def baseline_records(model: inference.Model, images: Sequence[Path], root: Path) -> tuple[list[dict], list[str]]:
    """(one feature record per image the endpoint would accept, a reason per image it would refuse)."""
    records, skipped = [], []
    for path in images:
        body = path.read_bytes()
        image_format = imagestats.sniff_format(body)
        content_type = CONTENT_TYPES.get(image_format, f"image/{path.suffix[1:].lower()}")
        try:
            decoded = inference.input_fn(body, content_type)
        except inference.RequestError as e:
            skipped.append(f"{path.relative_to(root).as_posix()}: {e}")
            continue
        body_text, _ = inference.output_fn(inference.predict_fn(decoded, model), inference.JSON_CONTENT_TYPE)
        # Through the serialised response, like a captured one: identical rounding and types.
        records.append(record_preprocessor.record_features(json.loads(body_text)))
    return records, skipped


def write_dataset(records: list[dict], columns: list[str], output_dir: Path, file_format: str) -> Path:
    """The baseline file, written whole then renamed; a stale file of the other format is removed (the job would read it too)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    name = FORMATS[file_format][0]
    for other, _ in FORMATS.values():
        if other != name and (output_dir / other).exists():
            LOGGER.warning("Removing %s: the baselining job reads every file in the folder.", output_dir / other)
            (output_dir / other).unlink()
    strangers = sorted(p.name for p in output_dir.iterdir() if p.name not in {f for f, _ in FORMATS.values()})
    if strangers:
        LOGGER.warning("%s also holds %s; the baselining job would read those as data too.", output_dir, ", ".join(strangers))
    path = output_dir / name
    partial = output_dir / f".{name}.partial"
    with open(partial, "w", encoding="utf-8", newline="") as f:
        if file_format == "csv":
            writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
        else:
            f.writelines(json.dumps(record) + "\n" for record in records)
    partial.replace(path)
    return path


def build_baseline(args) -> Path:
    images = split_images(args.data_dir, args.split)
    if args.sample_size and args.sample_size < len(images):
        images = sorted(random.Random(args.seed).sample(images, args.sample_size))
    if not images:
        raise cli.PipelineError(f"No images in {args.data_dir} (split '{args.split}') to build a baseline from.")
    with tempfile.TemporaryDirectory(prefix="monitoring-baseline-") as tmp:
        weights, source, _ = locate_model(args.model_dir, Path(tmp))
        model = inference.load_model(weights.parent)
        records, skipped = baseline_records(model, images, args.data_dir)
    for reason in skipped:
        LOGGER.warning("Skipped (the endpoint would refuse it too): %s", reason)
    if not records:
        raise cli.PipelineError(f"None of the {len(images)} images of {args.data_dir} is a JPEG or PNG the endpoint accepts.")
    columns = record_preprocessor.feature_names(model.info["class_names"])
    path = write_dataset(records, columns, args.output_dir, args.format)
    LOGGER.info("Wrote %s: %d records (%d images skipped) of %d features, model %s; baselining job dataset_format=%s",
                path, len(records), len(skipped), len(columns), source, json.dumps(FORMATS[args.format][1]))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for name in ("model_dir", "data_dir", "output_dir"):
        setattr(args, name, getattr(args, name).resolve())
    build_baseline(args)
    return 0


if __name__ == "__main__":
    cli.run(main, container.PROCESSING_FAILURE_FILE)
