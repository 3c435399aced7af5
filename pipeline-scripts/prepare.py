"""Validate a YOLO dataset, or convert annotations into one.

Usage:
    python prepare.py validate --data-dir ./dataset [--report validation.json]
    python prepare.py convert-json --annotations annotations.json --images-dir ./raw-images --output-dir ./dataset
    python prepare.py convert-groundtruth --manifest output.manifest --images-dir ./raw-images --output-dir ./dataset \\
        [--label-attribute drone-boxes] [--val-fraction 0.2] [--test-fraction 0.1] [--seed 0]

`validate` checks a dataset root (data.yaml, images/, labels/) with the same rules train.py applies
before training, logs every problem with its file, line, value and what is allowed, and exits 1 when
the dataset must not be trained on. The converters read the design's annotation JSON or a SageMaker
Ground Truth bounding-box manifest, write the YOLO layout with a seeded train/val/test split and a
conversion_report.json, then validate the result. The rules are in yolo_pipeline/dataset.py and
yolo_pipeline/convert.py.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Sequence

from yolo_pipeline import cli, container, convert, dataset

LOGGER = logging.getLogger(Path(__file__).stem)


def parse_args(argv: Sequence[str] | None = None, env: dict[str, str] | None = None):
    parser = cli.ArgumentParser(prog="prepare.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="{validate,convert-json,convert-groundtruth}")

    validate = commands.add_parser("validate", help="check a YOLO dataset root")
    validate.add_argument("--data-dir", type=Path,
                          default=container.default_path("SM_CHANNEL_DATASET", "/opt/ml/input/data/dataset", "dataset", env),
                          help="dataset root (data.yaml, images/, labels/)")
    validate.add_argument("--report", type=Path, help="also write the findings as JSON to this file")

    def add_conversion_arguments(command) -> None:
        command.add_argument("--images-dir", type=Path, required=True,
                             help="local folder with the images (a copy of the S3 prefix the references point to)")
        command.add_argument("--output-dir", type=Path, required=True, help="new dataset root (must be empty or absent)")
        command.add_argument("--val-fraction", type=cli.fraction("val-fraction"), default=0.2)
        command.add_argument("--test-fraction", type=cli.fraction("test-fraction"), default=0.1)
        command.add_argument("--seed", type=cli.integer("seed", 0), default=0, help="seed of the split shuffle")

    from_json = commands.add_parser("convert-json", help="convert the design's annotation JSON")
    from_json.add_argument("--annotations", type=Path, required=True, help="annotation JSON file")
    add_conversion_arguments(from_json)

    from_manifest = commands.add_parser("convert-groundtruth", help="convert a Ground Truth bounding-box output manifest")
    from_manifest.add_argument("--manifest", type=Path, required=True, help="output.manifest (JSON Lines)")
    from_manifest.add_argument("--label-attribute", help="the labeling job's LabelAttributeName (default: detected)")
    add_conversion_arguments(from_manifest)
    return parser.parse_args(argv)


def run_validate(args) -> int:
    report = dataset.validate_dataset(args.data_dir)
    report.log_summary(LOGGER)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    report.raise_for_errors()
    LOGGER.info("Dataset %s is valid (%d warning(s)).", report.root, len(report.warnings))
    return 0


def run_convert(args) -> int:
    if args.command == "convert-json":
        source = convert.read_annotation_json(args.annotations, args.images_dir)
    else:
        source = convert.read_ground_truth_manifest(args.manifest, args.images_dir, args.label_attribute)
    report = convert.write_yolo_dataset(source, args.output_dir, args.val_fraction, args.test_fraction, args.seed)
    for warning in report["warnings"]:
        LOGGER.warning("%s", warning)
    splits = ", ".join(f"{name} {s['images']} images/{s['instances']} boxes" for name, s in report["splits"].items())
    LOGGER.info("Wrote %s: %d images, %d boxes, classes %s (%s).", args.output_dir, report["images"], report["boxes"],
                report["class_names"], splits)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for name in ("data_dir", "report", "annotations", "manifest", "images_dir", "output_dir"):
        if getattr(args, name, None) is not None:
            setattr(args, name, getattr(args, name).resolve())
    return run_validate(args) if args.command == "validate" else run_convert(args)


if __name__ == "__main__":
    cli.run(main, container.PROCESSING_FAILURE_FILE)
