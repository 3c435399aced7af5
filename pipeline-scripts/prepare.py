"""Prepare a YOLO dataset: the pipeline's PrepareDataset step, validation, conversion.

Usage:
    python prepare.py pipeline-step [--input-format auto] [--val-fraction 0.2] [--test-fraction 0.1] [--seed 0] \\
        [--min-images-per-split 1] [--label-attribute drone-boxes] [--input-uri s3://<bucket>/datasets/<name>/_READY] \\
        [--class-name vehicle --class-name person --class-name building]
    python prepare.py validate --data-dir ./dataset [--report findings.json]
    python prepare.py convert-json --annotations annotations.json --images-dir ./raw-images --output-dir ./dataset \\
        [--class-name vehicle ...]
    python prepare.py convert-groundtruth --manifest output.manifest --images-dir ./raw-images --output-dir ./dataset \\
        [--label-attribute drone-boxes] [--val-fraction 0.2] [--test-fraction 0.1] [--seed 0] [--class-name vehicle ...]

`pipeline-step` is the processing step before training: it finds the source in its input folder (a copy of
the InputData S3 prefix: a prepared YOLO dataset, a Ground Truth output manifest or the design's annotation
JSON, with the images; or, when --input-uri names a `_READY` marker, the marker's folder, which it reads from S3
itself: yolo_pipeline/ready_marker.py), writes the YOLO dataset training reads and validation.json (validation.schema.json),
which says whether the dataset is valid and, if not, what is wrong. A bad dataset is a result, not a crash:
the step exits 0 and the pipeline's Condition step (CheckDataset) compares `problem_count` with 0. With the
stack's class list (`--class-name`, the pipeline passes labelClasses) the dataset's class ids follow that list
by name, and a class the list lacks is a problem. It exits non-zero only when it cannot work
(bad arguments, an unreadable input folder, outputs it cannot write), with the reason in
/opt/ml/output/message.

`validate` checks a dataset root (data.yaml, images/, labels/) with the same rules train.py applies
before training, logs every problem with its file, line, value and what is allowed, and exits 1 when
the dataset must not be trained on. The converters read the design's annotation JSON or a SageMaker
Ground Truth bounding-box manifest, write the YOLO layout with a seeded train/val/test split and a
conversion_report.json, then validate the result; they exit 1 on any problem. The rules are in
yolo_pipeline/dataset.py and yolo_pipeline/convert.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from yolo_pipeline import cli, container, convert, dataset, ready_marker, s3fetch
from yolo_pipeline.dataset import DatasetError, Problem

LOGGER = logging.getLogger(Path(__file__).stem)

SCHEMA_VERSION = "1.0"
REPORT_FILE = "validation.json"
INPUT_FORMATS = ("auto", *convert.FORMATS)
EXAMPLES_PER_KIND = 5
SUMMARY_LIMIT = container.FAILURE_REASON_LIMIT  # the summary doubles as the Fail step's ErrorMessage
EXAMPLE_LIMIT = 220  # characters of the example quoted per kind in the summary


def parse_args(argv: Sequence[str] | None = None, env: dict[str, str] | None = None):
    def path(container_path: str, local_path: str) -> str:
        return container.default_path(None, container_path, local_path, env)

    parser = cli.ArgumentParser(prog="prepare.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True,
                                     metavar="{pipeline-step,validate,convert-json,convert-groundtruth}")

    def add_split_arguments(command) -> None:
        command.add_argument("--val-fraction", type=cli.fraction("val-fraction"), default=0.2,
                             help="share of the images for val (> 0; training needs val)")
        command.add_argument("--test-fraction", type=cli.fraction("test-fraction"), default=0.1,
                             help="share of the images for test (0: no test split)")
        command.add_argument("--seed", type=cli.integer("seed", 0), default=0, help="seed of the split shuffle")

    def add_class_list_argument(command) -> None:
        command.add_argument("--class-name", dest="class_names", action="append", default=[], type=class_name, metavar="NAME",
                             help="a class of the stack's list (labelClasses), repeated in class-id order: YOLO ids follow "
                                  "this list by name and a source class outside it is a problem (default: the source's "
                                  "classes in the order of their ids)")

    step = commands.add_parser("pipeline-step", help="the pipeline's PrepareDataset step: input prefix → YOLO dataset + validation.json")
    step.add_argument("--input-dir", type=Path, default=path("/opt/ml/processing/input/raw", "raw"),
                      help="the step's input: a copy of the InputData S3 prefix")
    step.add_argument("--output-dir", type=Path, default=path("/opt/ml/processing/output/dataset", "dataset"),
                      help="where the YOLO dataset is written (must be empty)")
    step.add_argument("--report-dir", type=Path, default=path("/opt/ml/processing/output/report", "report"),
                      help=f"where {REPORT_FILE} is written")
    step.add_argument("--input-format", type=cli.choice("input-format", INPUT_FORMATS, str.lower), default="auto",
                      help="auto: data.yaml → yolo, else a *.manifest → groundtruth, else an annotation *.json → annotations-json")
    add_split_arguments(step)
    step.add_argument("--min-images-per-split", type=cli.integer("min-images-per-split", 1), default=1,
                      help="fewest images train and val (and test, when there is one) may have")
    step.add_argument("--label-attribute", default="",
                      help="Ground Truth: the labeling job's LabelAttributeName (empty: detected from the manifest)")
    step.add_argument("--fetch-from", action="append", default=[], type=s3_prefix, metavar="S3_PREFIX",
                      help="Ground Truth: an s3://bucket/prefix/ the manifest's images may be fetched from when they are "
                           "not in the input (repeatable; images elsewhere are problems)")
    step.add_argument("--fetch-dir", type=Path, default=path("/opt/ml/processing/fetched", "fetched"),
                      help="scratch folder for fetched images (not a step output)")
    step.add_argument("--input-uri", default="",
                      help=f"the S3 URI the input was copied from (InputData + InputKey); one naming a {ready_marker.READY_MARKER} "
                           "marker makes the step read the marker's folder itself")
    step.add_argument("--input-version", default="",
                      help="S3 version id of the marker (the dataset trigger passes it so that a new marker is a new cache key)")
    step.add_argument("--input-fingerprint", default="",
                      help="digest of the input's S3 listing (yolo-pipeline start passes it so that changed objects are a new cache key)")
    add_class_list_argument(step)

    validate = commands.add_parser("validate", help="check a YOLO dataset root")
    validate.add_argument("--data-dir", type=Path,
                          default=container.default_path("SM_CHANNEL_DATASET", "/opt/ml/input/data/dataset", "dataset", env),
                          help="dataset root (data.yaml, images/, labels/)")
    validate.add_argument("--report", type=Path, help="also write the findings as JSON to this file")

    def add_conversion_arguments(command) -> None:
        command.add_argument("--images-dir", type=Path, required=True,
                             help="local folder with the images (a copy of the S3 prefix the references point to)")
        command.add_argument("--output-dir", type=Path, required=True, help="new dataset root (must be empty or absent)")
        add_split_arguments(command)
        add_class_list_argument(command)

    from_json = commands.add_parser("convert-json", help="convert the design's annotation JSON")
    from_json.add_argument("--annotations", type=Path, required=True, help="annotation JSON file")
    add_conversion_arguments(from_json)

    from_manifest = commands.add_parser("convert-groundtruth", help="convert a Ground Truth bounding-box output manifest")
    from_manifest.add_argument("--manifest", type=Path, required=True, help="output.manifest (JSON Lines)")
    from_manifest.add_argument("--label-attribute", help="the labeling job's LabelAttributeName (default: detected)")
    add_conversion_arguments(from_manifest)
    args = parser.parse_args(argv)
    if hasattr(args, "val_fraction"):
        check_fractions(args.val_fraction, args.test_fraction)
    repeated = sorted({name for name in getattr(args, "class_names", []) if args.class_names.count(name) > 1})
    if repeated:
        raise cli.invalid_value("class-name", ", ".join(repeated), "distinct names (each class once, in class-id order)")
    return args


def class_name(value: str) -> str:
    if not value.strip() or "\n" in value or "\r" in value:
        raise argparse.ArgumentTypeError(f"'class-name={value}' is an invalid value. Valid 'class-name' values are non-empty names "
                                         "without line breaks (labelClasses).")
    return value


def s3_prefix(value: str) -> str:
    try:
        s3fetch.parse_prefix(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return value


def check_fractions(val_fraction: float, test_fraction: float) -> None:
    if val_fraction == 0:
        raise cli.invalid_value("val-fraction", "0", "numbers > 0 and < 1 (training needs a val split)")
    if val_fraction + test_fraction >= 1:
        raise cli.UsageError(f"'val-fraction={val_fraction:g}', 'test-fraction={test_fraction:g}' are invalid. Valid fractions "
                             "have a sum below 1 (train keeps the rest).")


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
    if args.class_names:
        convert.use_class_list(source, args.class_names)
    report = convert.write_yolo_dataset(source, args.output_dir, args.val_fraction, args.test_fraction, args.seed)
    for warning in report["warnings"]:
        LOGGER.warning("%s", warning)
    splits = ", ".join(f"{name} {s['images']} images/{s['instances']} boxes" for name, s in report["splits"].items())
    LOGGER.info("Wrote %s: %d images, %d boxes, classes %s (%s).", args.output_dir, report["images"], report["boxes"],
                report["class_names"], splits)
    return 0


# ------------------------------------------------------------------------------------ the pipeline step


@dataclass
class Preparation:
    """What the step found and made, before it becomes validation.json."""

    format: str | None = None
    source: Path | None = None
    label_attribute: str | None = None
    records: int = 0
    boxes: int = 0
    skipped: int = 0
    fetched: int | None = None  # images fetched from S3 (--fetch-from), None when not asked
    source_ids: list[int] | None = None  # source class id of each YOLO class, for converted sources
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    validation: dataset.ValidationReport | None = None
    written: bool = False


def minimum_images(count: int, with_test: bool) -> dict[str, int]:
    return {split: count for split in dataset.SPLITS if split in dataset.REQUIRED_SPLITS or with_test}


def validate_output(root: Path, count: int, with_test: bool | None, result: Preparation) -> None:
    """Validate the written dataset into `result`; with_test=None: test is checked when data.yaml declares it."""
    try:
        spec = dataset.read_data_yaml(root)
    except DatasetError as e:
        result.problems.extend(e.problems or [Problem(dataset.DATA_YAML, e.summary, "invalid_data_yaml")])
        return
    wants_test = "test" in spec.splits if with_test is None else with_test
    result.validation = dataset.validate_dataset(root, min_images=minimum_images(count, wants_test))
    result.problems.extend(result.validation.errors)
    result.warnings.extend(result.validation.warnings)
    result.warnings.extend(dataset.missing_class_warnings(result.validation))


def copy_dataset(source: Path, target: Path) -> None:
    try:
        # Without the marker: a prepared dataset holding one would start the trigger again.
        shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(ready_marker.READY_MARKER))
    except (OSError, shutil.Error) as e:
        raise cli.PipelineError(f"Cannot copy the dataset {source} to {target}: {e}") from e


def check_class_list(validation: dataset.ValidationReport, class_names: Sequence[str]) -> list[Problem]:
    """A prepared dataset's data.yaml names must be the stack's classes in the stack's order: its ids are passed through."""
    if not class_names or validation.class_names == list(class_names):
        return []
    names = ", ".join(f"{i}: {name}" for i, name in enumerate(validation.class_names))
    expected = ", ".join(f"{i}: {name}" for i, name in enumerate(class_names))
    return [Problem(dataset.DATA_YAML, f"names {{{names}}} are not the stack's classes {{{expected}}} (labelClasses); a class id would "
                                       "mean another class than the stack's. Rewrite names (and the label files' ids) or change labelClasses.",
                    "class_list_mismatch")]


def prepare_yolo(args, detected: convert.DetectedSource) -> Preparation:
    """A prepared YOLO dataset is copied through unchanged and validated as training will see it."""
    result = Preparation(format=convert.YOLO, source=detected.path)
    copy_dataset(args.input_dir, args.output_dir)
    result.written = True
    validate_output(args.output_dir, args.min_images_per_split, None, result)
    if result.validation:
        result.problems.extend(check_class_list(result.validation, args.class_names))
    if result.validation:
        result.records = sum(s.images for s in result.validation.splits.values())
        result.boxes = sum(s.instances for s in result.validation.splits.values())
    return result


def fetch_manifest_images(args, manifest: Path) -> s3fetch.FetchedImages | None:
    """A labeling job's output holds no images: fetch those its manifest names, from the allowed prefixes only."""
    if not args.fetch_from:
        return None
    try:
        references = s3fetch.manifest_references(manifest)
    except OSError:
        return None  # the reader reports an unreadable manifest
    try:
        args.fetch_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise cli.PipelineError(f"Cannot create the fetch folder {args.fetch_dir}: {e}") from e
    return s3fetch.fetch_images(references, args.fetch_from, args.fetch_dir,
                                lambda reference: convert.resolve_image(reference, args.input_dir) is not None)


def prepare_converted(args, detected: convert.DetectedSource) -> Preparation:
    """Annotations (JSON or Ground Truth) are converted, written and validated; every problem is collected."""
    result = Preparation(format=detected.format, source=detected.path)
    where = detected.path.relative_to(args.input_dir).as_posix()
    try:
        if detected.format == convert.ANNOTATIONS_JSON:
            source = convert.read_annotation_json(detected.path, args.input_dir)
        else:
            fetched = fetch_manifest_images(args, detected.path)
            result.fetched = fetched.fetched if fetched else None
            source = convert.read_ground_truth_manifest(detected.path, args.input_dir, args.label_attribute or None, fetched)
    except DatasetError as e:
        result.problems.append(Problem(where, e.summary, "invalid_source"))
        return result
    if args.class_names:
        convert.use_class_list(source, args.class_names)
    result.label_attribute = source.label_attribute
    result.records, result.boxes, result.skipped = source.records, source.boxes, source.skipped
    result.problems.extend(source.problems)
    if not source.images:
        result.problems.append(Problem(where, f"has no usable images ({source.records} image record(s) read).", "too_few_images"))
    if not source.images or not source.categories:
        result.warnings.extend(source.warnings)
        return result
    conversion = convert.plan_conversion(source, args.val_fraction, args.test_fraction, args.seed)
    result.warnings.extend(conversion.warnings)
    id_of = {index: cid for cid, index in conversion.class_id_map.items()}
    result.source_ids = [id_of.get(i) for i in range(len(conversion.class_names))]  # None: a listed class the source lacks
    try:
        convert.write_conversion(conversion, args.output_dir)
    except OSError as e:
        raise cli.PipelineError(f"Cannot write the dataset to {args.output_dir}: {e}") from e
    result.written = True
    validate_output(args.output_dir, args.min_images_per_split, args.test_fraction > 0, result)
    return result


def group_findings(findings: Sequence[Problem]) -> dict[str, dict]:
    """{kind: {count, examples: [{location, message}]}} in the order kinds are first found."""
    groups: dict[str, dict] = {}
    for finding in findings:
        group = groups.setdefault(finding.kind, {"count": 0, "examples": []})
        group["count"] += 1
        if len(group["examples"]) < EXAMPLES_PER_KIND:
            group["examples"].append({"location": finding.location, "message": finding.message})
    return groups


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())  # one line, whatever a message holds
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary_line(report: dict) -> str:
    """One line for the Fail step's ErrorMessage (invalid) or the log (valid)."""
    source = report["source"]
    origin = f"{source['format']} {source['path']}" if source["path"] else f"input {source['input_dir']}"
    if not report["valid"]:
        kinds = sorted(report["problems"].items(), key=lambda item: -item[1]["count"])  # stable: ties keep their order
        parts = [f"{group['count']} {kind} (e.g. "
                 f"{_shorten(group['examples'][0]['location'] + ': ' + group['examples'][0]['message'], EXAMPLE_LIMIT)})"
                 for kind, group in kinds]
        head, tail = "Dataset is invalid: ", f". Source: {origin}."
        for shown in range(len(parts), 0, -1):
            more = f"; {len(parts) - shown} more kind(s) in validation.json" if shown < len(parts) else ""
            text = head + "; ".join(parts[:shown]) + more + tail
            if len(text) <= SUMMARY_LIMIT:
                return _shorten(text, SUMMARY_LIMIT)
        return _shorten(head + parts[0] + tail, SUMMARY_LIMIT)
    splits = ", ".join(f"{name} {s['images']}" for name, s in report["splits"].items())
    names = ", ".join(c["name"] for c in report["classes"])
    images = sum(s["images"] for s in report["splits"].values())
    boxes = sum(s["boxes"] for s in report["splits"].values())
    warnings = ", ".join(f"{g['count']} {kind}" for kind, g in report["warnings"].items())
    text = (f"Dataset is valid: {images} images, {boxes} boxes, {len(report['classes'])} classes ({names}) from {origin}; "
            f"{splits}; {report['warning_count']} warning(s)" + (f" ({warnings})" if warnings else "") + ".")
    return _shorten(text, SUMMARY_LIMIT)


def build_report(args, result: Preparation) -> dict:
    """validation.json (validation.schema.json)."""
    validation = result.validation
    splits, classes = {}, []
    if validation is not None:
        for name, stats in validation.splits.items():
            splits[name] = {
                "images": stats.images,
                "boxes": stats.instances,
                "background_images": stats.background_images + stats.missing_labels,
                "boxes_per_class": dict(zip(validation.class_names, stats.instances_per_class)),
            }
        for index, name in enumerate(validation.class_names):
            classes.append({
                "id": index,
                "name": name,
                "source_id": result.source_ids[index] if result.source_ids else None,
                "boxes": sum(s.instances_per_class[index] for s in validation.splits.values()),
            })
    source = {
        "format": result.format,
        "path": result.source.relative_to(args.input_dir).as_posix() if result.source else None,
        "input_dir": str(args.input_dir),
        "label_attribute": result.label_attribute,
        "images": result.records,
        "boxes": result.boxes,
    }
    if result.format == convert.GROUND_TRUTH:
        source["skipped_records"] = result.skipped
        if result.fetched is not None:
            source["fetched_images"] = result.fetched
    report = {
        "schema_version": SCHEMA_VERSION,
        "valid": not result.problems,
        "summary": "",
        "problem_count": len(result.problems),
        "warning_count": len(result.warnings),
        "source": source,
        "splits": splits,
        "classes": classes,
        "problems": group_findings(result.problems),
        "warnings": group_findings(result.warnings),
        "settings": {
            "input_format": args.input_format, "val_fraction": args.val_fraction, "test_fraction": args.test_fraction,
            "seed": args.seed, "min_images_per_split": args.min_images_per_split, "label_attribute": args.label_attribute or None,
            "class_names": args.class_names or None, "input_fingerprint": args.input_fingerprint or None,
        },
        "output": {"dataset_dir": str(args.output_dir), "written": result.written},
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    report["summary"] = summary_line(report)
    return report


def write_report(report: dict, path: Path) -> None:
    """Write whole, then rename: the step's output never holds half a report."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as e:
        raise cli.PipelineError(f"Cannot write {path}: {e}") from e


def run_pipeline_step(args) -> int:
    started = time.time()
    try:
        if not args.input_dir.is_dir():
            raise cli.PipelineError(f"Input folder {args.input_dir} does not exist or is not a folder; the step's input "
                                    "(the InputData S3 prefix) is expected there (--input-dir).")
        next(iter(args.input_dir.iterdir()), None)
    except OSError as e:
        raise cli.PipelineError(f"Input folder {args.input_dir} cannot be read: {e}") from e
    try:
        args.output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise cli.PipelineError(f"Cannot create the output folder {args.output_dir}: {e}") from e
    convert.require_empty(args.output_dir)
    if args.input_fingerprint:
        LOGGER.info("Input listing fingerprint %s (the run's cache key follows the input's objects).", args.input_fingerprint)
    marked = ready_marker.marked_folder(args.input_uri) if args.input_uri else None
    if marked is not None:
        version = f" (version {args.input_version})" if args.input_version else ""
        LOGGER.info("Input %s is a %s marker%s: reading its folder %s.", args.input_uri, ready_marker.READY_MARKER, version, marked.uri)
        ready_marker.download_folder(marked, args.input_dir)

    detected = convert.detect_source(args.input_dir, args.input_format)
    LOGGER.info("Input %s: %s", args.input_dir, f"{detected.format} {detected.path}" if detected.path else detected.problem)
    if detected.problem is not None:
        result = Preparation(format=None, problems=[detected.problem])
    elif detected.format == convert.YOLO:
        result = prepare_yolo(args, detected)
    else:
        result = prepare_converted(args, detected)

    report = build_report(args, result)
    write_report(report, args.report_dir / REPORT_FILE)
    for kind, group in report["warnings"].items():
        LOGGER.warning("%d %s, e.g. %s: %s", group["count"], kind, group["examples"][0]["location"], group["examples"][0]["message"])
    for kind, group in report["problems"].items():
        LOGGER.error("%d %s, e.g. %s: %s", group["count"], kind, group["examples"][0]["location"], group["examples"][0]["message"])
    (LOGGER.info if report["valid"] else LOGGER.error)("%s", report["summary"])
    LOGGER.info("Wrote %s in %.1f s (valid: %s).", args.report_dir / REPORT_FILE, time.time() - started,
                str(report["valid"]).lower())
    return 0  # an invalid dataset is a result: the pipeline's Condition step (CheckDataset) compares `problem_count` with 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for name in ("data_dir", "report", "annotations", "manifest", "images_dir", "output_dir", "input_dir", "report_dir"):
        if getattr(args, name, None) is not None:
            setattr(args, name, getattr(args, name).resolve())
    if args.command == "pipeline-step":
        return run_pipeline_step(args)
    return run_validate(args) if args.command == "validate" else run_convert(args)


if __name__ == "__main__":
    cli.run(main, container.PROCESSING_FAILURE_FILE)
