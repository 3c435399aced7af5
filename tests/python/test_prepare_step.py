"""prepare.py pipeline-step as the pipeline's PrepareDataset processing job: raw input → YOLO dataset + validation.json.

Each test stages a fake /opt/ml/processing tree (the unpacked bundle under input/code, the InputData prefix under
input/raw, empty output folders), runs the step as a subprocess with the network guard, and checks
validation.json against validation.schema.json. A bad dataset must give `valid: false` with counted problems
and exit 0 (the pipeline's Condition step reads the report); only an unusable job set-up exits non-zero.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import yaml
from jsonschema import Draft202012Validator

import synthdata
from conftest import SCRIPTS, Job, describe, processing_job, toolkit_args, training_job
from synthdata import assert_boxes_match, read_labels

VALIDATION_SCHEMA = SCRIPTS / "validation.schema.json"
BUCKET_PREFIX = "s3://drone-bucket/raw-images/"
LABEL_ATTRIBUTE = "drone-boxes"


@pytest.fixture(scope="module")
def validation_schema() -> dict:
    schema = json.loads(VALIDATION_SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    return schema


def schema_errors(schema: dict, report: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(schema).iter_errors(report)]


@dataclass
class StepRun:
    job: Job
    result: subprocess.CompletedProcess
    raw: Path  # /opt/ml/processing/input/raw
    dataset: Path  # /opt/ml/processing/output/dataset
    report: dict | None

    def message(self) -> str | None:
        """The processing job's ExitMessage file (/opt/ml/output/message)."""
        return self.job.failure("message")


def run_step(base: Path, bundle: Path, config_dir: Path, fill: Callable[[Path], None], *args: str,
             env: dict[str, str] | None = None) -> StepRun:
    """Stage the input like the processing job's ProcessingInput, then run the step's command."""
    return run_step_as(processing_job(base, bundle, config_dir), fill, *args, env=env)


def run_step_as(job: Job, fill: Callable[[Path], None], *args: str, env: dict[str, str] | None = None) -> StepRun:
    processing = job.root / "processing"
    raw, dataset_dir, report_dir = processing / "input" / "raw", processing / "output" / "dataset", processing / "output" / "report"
    for folder in (raw, dataset_dir, report_dir):  # SageMaker creates input and output folders before the job starts
        folder.mkdir(parents=True)
    fill(raw)
    result = job.run("prepare.py", "pipeline-step", "--input-dir", str(raw), "--output-dir", str(dataset_dir),
                     "--report-dir", str(report_dir), *args, env=env)
    report_path = report_dir / "validation.json"
    report = json.loads(report_path.read_text()) if report_path.is_file() else None
    return StepRun(job, result, raw, dataset_dir, report)


def assert_reported(run: StepRun, schema: dict, valid: bool) -> dict:
    """The step finished as the pipeline expects: exit 0, no failure message, a conforming report, no network."""
    assert run.result.returncode == 0, describe(run.result)
    assert run.message() is None
    assert run.report is not None
    assert schema_errors(schema, run.report) == []
    assert run.report["valid"] is valid, run.report["summary"]
    assert run.report["problem_count"] == sum(g["count"] for g in run.report["problems"].values())
    assert run.report["warning_count"] == sum(g["count"] for g in run.report["warnings"].values())
    assert run.job.network_attempts() == []
    return run.report


def counts(groups: dict) -> dict[str, int]:
    return {kind: group["count"] for kind, group in groups.items()}


def tree_digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def split_of_images(root: Path) -> dict[str, str]:
    return {p.name: p.parent.name for p in (root / "images").rglob("*") if p.is_file()}


def accepted_by_training(root: Path):
    """train.py's own pre-training validation (the same function, run before any GPU time)."""
    from yolo_pipeline import dataset as ds

    report = ds.validate_dataset(root)
    assert report.errors == [], [str(p) for p in report.errors]
    return report


# ------------------------------------------------------------------------------------ raw inputs


def annotation_input(images: list[synthdata.SyntheticImage], data: dict | None = None) -> Callable[[Path], None]:
    """The design's annotation JSON at the prefix root, the images under raw-images/ (as the references' keys say)."""
    def fill(raw: Path) -> None:
        synthdata.write_raw_images(raw / "raw-images", images)
        (raw / "annotations.json").write_text(json.dumps(data or synthdata.annotation_json(images, BUCKET_PREFIX)))
    return fill


def manifest_records(images: list[synthdata.SyntheticImage]) -> list[dict]:
    text = synthdata.ground_truth_manifest(images, LABEL_ATTRIBUTE, BUCKET_PREFIX, class_map="used")
    return [json.loads(line) for line in text.splitlines()]


def ground_truth_input(images: list[synthdata.SyntheticImage], records: list[dict], write: list | None = None) -> Callable[[Path], None]:
    """A labeling job's output prefix: manifests/output/output.manifest, an intermediate manifest, the images."""
    def fill(raw: Path) -> None:
        synthdata.write_raw_images(raw / "raw-images", images if write is None else write)
        output = raw / "manifests" / "output" / "output.manifest"
        output.parent.mkdir(parents=True)
        output.write_text("".join(json.dumps(r) + "\n" for r in records))
        intermediate = raw / "manifests" / "intermediate" / "1" / "output.manifest"  # Ground Truth's per-iteration copy
        intermediate.parent.mkdir(parents=True)
        intermediate.write_text(json.dumps(records[0]) + "\n")
    return fill


def prepared_input(source: Path, damage: Callable[[Path], None] | None = None) -> Callable[[Path], None]:
    def fill(raw: Path) -> None:
        shutil.copytree(source, raw, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.cache"))
        if damage:
            damage(raw)
    return fill


def box_count(images: list[synthdata.SyntheticImage]) -> int:
    return sum(len(image.boxes) for image in images)


# ------------------------------------------------------------------------------------ (a) annotation JSON


def test_annotation_json_becomes_a_dataset_training_accepts(tmp_path, bundle, yolo_config_dir, validation_schema):
    images = synthdata.make_images(20, seed=7, prefix="DJI")
    run = run_step(tmp_path, bundle, yolo_config_dir, annotation_input(images), "--input-fingerprint=3f1c9a")
    report = assert_reported(run, validation_schema, valid=True)
    # What `yolo-pipeline start` listed: recorded, so a prepared dataset says which objects it was made of.
    assert report["settings"]["input_fingerprint"] == "3f1c9a"
    assert "Input listing fingerprint 3f1c9a" in run.result.stderr

    assert report["source"] == {"format": "annotations-json", "path": "annotations.json", "input_dir": str(run.raw),
                                "label_attribute": None, "images": 20, "boxes": box_count(images)}
    assert {name: s["images"] for name, s in report["splits"].items()} == {"train": 14, "val": 4, "test": 2}
    assert sum(s["boxes"] for s in report["splits"].values()) == box_count(images)
    assert [(c["id"], c["name"], c["source_id"]) for c in report["classes"]] == [(0, "vehicle", 0), (1, "person", 1), (2, "building", 2)]
    assert [c["boxes"] for c in report["classes"]] == [sum(1 for i in images for b in i.boxes if b[0] == c) for c in range(3)]
    background = [image for image in images if not image.boxes]
    assert counts(report["warnings"]).get("images_without_boxes") == len(background) > 0
    assert report["problems"] == {}
    assert report["summary"].startswith(
        f"Dataset is valid: 20 images, {box_count(images)} boxes, 3 classes (vehicle, person, building) from annotations-json "
        "annotations.json; train 14, val 4, test 2;")
    assert report["output"] == {"dataset_dir": str(run.dataset), "written": True}

    assert_boxes_match(read_labels(run.dataset), images)
    assert yaml.safe_load((run.dataset / "data.yaml").read_text()) == {
        "train": "images/train", "val": "images/val", "test": "images/test", "nc": 3,
        "names": {0: "vehicle", 1: "person", 2: "building"}}
    validation = accepted_by_training(run.dataset)
    assert {name: s.images for name, s in validation.splits.items()} == {"train": 14, "val": 4, "test": 2}


# ------------------------------------------------------------------------------------ (b) Ground Truth


def test_a_ground_truth_manifest_becomes_a_dataset_that_trains(tmp_path, bundle, yolo_config_dir, validation_schema):
    images = synthdata.make_images(20, seed=11, prefix="GT")
    records = manifest_records(images)
    clipped, dropped = images[0], images[1]
    # a box hanging over the right edge (clipped) and one beside the image (dropped); class 1 is in their class-maps
    records[0][LABEL_ATTRIBUTE]["annotations"].append(
        {"class_id": 1, "left": clipped.width - 10, "top": 5, "width": 30, "height": 20})
    records[1][LABEL_ATTRIBUTE]["annotations"].append(
        {"class_id": 1, "left": dropped.width + 5, "top": 5, "width": 10, "height": 10})
    for record in records[:2]:
        record[f"{LABEL_ATTRIBUTE}-metadata"]["class-map"]["1"] = "person"
        record[f"{LABEL_ATTRIBUTE}-metadata"]["objects"].append({"confidence": 0.8})
    failed = {"source-ref": f"{BUCKET_PREFIX}never-labelled.jpg",
              f"{LABEL_ATTRIBUTE}-metadata": {"failure-reason": "ClientError: The worker did not submit the task",
                                              "job-name": "labeling-job/drone-boxes"}}
    run = run_step(tmp_path / "prepare", bundle, yolo_config_dir, ground_truth_input(images, [*records, failed]),
                   "--val-fraction", "0.25", "--test-fraction", "0.15", "--seed", "5")
    report = assert_reported(run, validation_schema, valid=True)

    assert report["source"] == {"format": "groundtruth", "path": "manifests/output/output.manifest", "input_dir": str(run.raw),
                                "label_attribute": LABEL_ATTRIBUTE, "images": 20, "boxes": box_count(images) + 2,
                                "skipped_records": 1}
    warnings = counts(report["warnings"])
    background = [image for image in images if not image.boxes]
    assert {k: warnings.get(k) for k in ("box_clipped", "box_outside_image", "labeling_failed", "images_without_boxes")} == {
        "box_clipped": 1, "box_outside_image": 1, "labeling_failed": 1, "images_without_boxes": len(background)}
    assert report["warnings"]["box_clipped"]["examples"][0]["location"] == (
        f"output.manifest:1 ({BUCKET_PREFIX}{clipped.name}) annotations[{len(clipped.boxes)}]")
    assert report["warnings"]["box_outside_image"]["examples"][0]["message"] == (
        f"box x={dropped.width + 5} y=5 w=10 h=10 lies outside the {dropped.width}x{dropped.height} image; dropped.")
    assert report["warnings"]["images_without_boxes"]["examples"][0]["message"] == (
        "has no boxes (the worker drew none); kept as a background image.")
    assert {name: s["images"] for name, s in report["splits"].items()} == {"train": 12, "val": 5, "test": 3}
    assert sum(s["boxes"] for s in report["splits"].values()) == box_count(images) + 1  # + the clipped box

    labels = read_labels(run.dataset)
    clipped_line = labels[clipped.name][-1]  # x from width-10 to width (was to width+20), y from 5 to 25
    assert clipped_line[0] == 1
    assert clipped_line[1:] == pytest.approx(((clipped.width - 5) / clipped.width, 15 / clipped.height,
                                              10 / clipped.width, 20 / clipped.height), abs=1e-6)
    assert len(labels[dropped.name]) == len(dropped.boxes)
    accepted_by_training(run.dataset)

    # Training reads the step's output as its dataset channel.
    hps = {"model-variant": "yolo11n", "epochs": "1", "batch-size": "8", "learning-rate": "0.01", "image-size": "32",
           "patience": "5", "seed": "0", "workers": "0", "plots": "false"}
    job = training_job(tmp_path / "training", bundle, run.dataset, yolo_config_dir, hps)
    trained = job.run("train.py", *toolkit_args(hps))
    assert trained.returncode == 0, describe(trained)
    summary = json.loads((job.model_dir / "training_summary.json").read_text())
    assert summary["epochs_completed"] == 1
    assert summary["class_names"] == [c["name"] for c in report["classes"]]
    assert summary["dataset"]["splits"] == {name: {"images": s["images"], "instances": s["boxes"]}
                                            for name, s in report["splits"].items()}
    assert job.network_attempts() == []


def test_ground_truth_problems_are_counted_named_and_make_the_dataset_invalid(tmp_path, bundle, yolo_config_dir, validation_schema):
    images = synthdata.make_images(12, seed=3, prefix="GT")
    records = manifest_records(images)
    with_boxes = [i for i, image in enumerate(images) if image.boxes]
    unknown = with_boxes[0]
    records[unknown][LABEL_ATTRIBUTE]["annotations"][0]["class_id"] = 9  # in no line's class-map
    records.append(manifest_records([synthdata.SyntheticImage("GT_missing.jpg", 80, 80)])[0])  # never uploaded
    broken = synthdata.SyntheticImage("GT_broken.jpg", 80, 80)
    records.append(manifest_records([broken])[0])

    def fill(raw: Path) -> None:
        ground_truth_input(images, records)(raw)
        (raw / "raw-images" / broken.name).write_bytes(b"\xff\xd8 not really a jpeg")

    run = run_step(tmp_path, bundle, yolo_config_dir, fill)
    report = assert_reported(run, validation_schema, valid=False)
    assert counts(report["problems"]) == {"unknown_class_id": 1, "missing_image": 1, "unreadable_image": 1}
    example = report["problems"]["unknown_class_id"]["examples"][0]
    assert example["location"] == f"output.manifest:{unknown + 1} ({BUCKET_PREFIX}{images[unknown].name}) annotations[0]"
    assert example["message"].startswith("'class_id=9' is an invalid value. Valid 'class_id' values are the class-map ids 0 (vehicle)")
    assert report["problems"]["missing_image"]["examples"][0]["location"] == f"output.manifest:13 ({BUCKET_PREFIX}GT_missing.jpg)"
    summary = report["summary"]
    assert summary.startswith("Dataset is invalid: 1 ")
    for kind in ("unknown_class_id", "missing_image", "unreadable_image"):
        assert f"1 {kind} (e.g. output.manifest:" in summary, kind
    assert "'class_id=9' is an invalid value" in summary
    assert summary.endswith(". Source: groundtruth manifests/output/output.manifest.")
    assert report["source"]["images"] == 14
    # What could be converted is still written (for inspection) and its splits reported.
    assert report["output"]["written"] is True
    assert sum(s["images"] for s in report["splits"].values()) == 12


# ------------------------------------------------------------------------------------ the stack's class list

STACK_CLASSES = ("--class-name", "vehicle", "--class-name", "person", "--class-name", "building")


def without_class(images: list[synthdata.SyntheticImage], class_id: int) -> list[synthdata.SyntheticImage]:
    """The images with no box of `class_id` (as when no labeler drew a person)."""
    for image in images:
        image.boxes = [box for box in image.boxes if box[0] != class_id]
    return images


def input_of(source_format: str, images: list[synthdata.SyntheticImage], categories: dict[int, str] | None = None):
    """The images as annotation JSON or as a Ground Truth output manifest (class-maps of the drawn classes only);
    `categories` renames classes by source id (the JSON's categories, the manifest's class-maps)."""
    if source_format == "annotations-json":
        data = synthdata.annotation_json(images, BUCKET_PREFIX)
        names = {c["id"]: c["name"] for c in data["categories"]} | (categories or {})
        data["categories"] = [{"id": cid, "name": name} for cid, name in sorted(names.items())]
        for entry in data["images"]:
            for annotation in entry["annotations"]:
                annotation["class_name"] = names[annotation["class_id"]]
        return annotation_input(images, data)
    records = manifest_records(images)
    for record in records:
        class_map = record[f"{LABEL_ATTRIBUTE}-metadata"]["class-map"]
        class_map.update({str(cid): name for cid, name in (categories or {}).items() if str(cid) in class_map})
    return ground_truth_input(images, records)


@pytest.mark.parametrize("source_format", ["annotations-json", "groundtruth"])
def test_class_ids_follow_the_stacks_list_when_a_class_has_no_box(source_format, tmp_path, bundle, yolo_config_dir, validation_schema):
    images = without_class(synthdata.make_images(20, seed=7, prefix="DJI"), 1)
    assert {box[0] for image in images for box in image.boxes} == {0, 2}
    fill = input_of(source_format, images)
    if source_format == "groundtruth":  # what Ground Truth writes: no line's class-map names person
        unlisted = tmp_path / "check"
        fill(unlisted)
        assert not any("1" in json.loads(line)[f"{LABEL_ATTRIBUTE}-metadata"]["class-map"]
                       for line in (unlisted / "manifests" / "output" / "output.manifest").read_text().splitlines())
    run = run_step(tmp_path / "run", bundle, yolo_config_dir, fill, *STACK_CLASSES)
    report = assert_reported(run, validation_schema, valid=True)

    # building keeps id 2 although no box is a person; the empty class is a warning, not a shift of ids.
    assert yaml.safe_load((run.dataset / "data.yaml").read_text())["names"] == {0: "vehicle", 1: "person", 2: "building"}
    assert_boxes_match(read_labels(run.dataset), images)
    assert [(c["id"], c["name"], c["boxes"]) for c in report["classes"]] == [
        (0, "vehicle", sum(1 for i in images for b in i.boxes if b[0] == 0)), (1, "person", 0),
        (2, "building", sum(1 for i in images for b in i.boxes if b[0] == 2))]
    # The JSON's categories still list person; no class-map of the manifest does.
    assert [c["source_id"] for c in report["classes"]] == ([0, 1, 2] if source_format == "annotations-json" else [0, None, 2])
    assert report["warnings"]["class_without_boxes"] == {"count": 1, "examples": [{
        "location": "data.yaml", "message": "class 1 'person' has no box in any split; the model will have the class but never learn it."}]}
    # Once for the class, not once per split (a split may still lack another class).
    assert not any("'person'" in e["message"] for e in report["warnings"].get("class_missing_from_split", {}).get("examples", []))
    assert report["settings"]["class_names"] == ["vehicle", "person", "building"]
    assert "3 classes (vehicle, person, building)" in report["summary"]
    accepted_by_training(run.dataset)


def test_without_the_stacks_list_the_ids_are_the_sources_own(tmp_path, bundle, yolo_config_dir, validation_schema):
    """How prepare.py behaves by hand without --class-name (the pipeline always passes the list)."""
    images = without_class(synthdata.make_images(12, seed=7, prefix="GT"), 1)
    run = run_step(tmp_path, bundle, yolo_config_dir, input_of("groundtruth", images))
    assert_reported(run, validation_schema, valid=True)
    assert yaml.safe_load((run.dataset / "data.yaml").read_text())["names"] == {0: "vehicle", 1: "building"}


@pytest.mark.parametrize("source_format, location", [
    ("annotations-json", "annotations.json: category id 2"),
    ("groundtruth", "output.manifest: class-map id 2"),
])
def test_a_source_class_outside_the_stacks_list_is_a_named_counted_problem(source_format, location, tmp_path, bundle, yolo_config_dir,
                                                                          validation_schema):
    images = synthdata.make_images(14, seed=5, prefix="DJI")
    trucks = sum(1 for image in images for box in image.boxes if box[0] == 2)
    assert trucks > 0
    run = run_step(tmp_path, bundle, yolo_config_dir, input_of(source_format, images, {2: "truck"}), *STACK_CLASSES)
    report = assert_reported(run, validation_schema, valid=False)
    assert counts(report["problems"]) == {"class_list_mismatch": 1}
    assert report["problems"]["class_list_mismatch"]["examples"] == [{"location": location, "message": (
        f"class 'truck' ({trucks} box(es) on usable images) is not one of the stack's classes vehicle, person, building (labelClasses); "
        "rename it in the source or add it to labelClasses.")}]
    assert report["summary"].startswith(f"Dataset is invalid: 1 class_list_mismatch (e.g. {location}: class 'truck'")


def test_a_class_named_in_another_case_is_a_mismatch_with_a_hint(tmp_path, bundle, yolo_config_dir, validation_schema):
    images = synthdata.make_images(8, seed=5, prefix="DJI")
    run = run_step(tmp_path, bundle, yolo_config_dir, input_of("annotations-json", images, {0: "Vehicle"}), *STACK_CLASSES)
    report = assert_reported(run, validation_schema, valid=False)
    assert "(the list has 'vehicle'; names are compared exactly)" in report["problems"]["class_list_mismatch"]["examples"][0]["message"]


def rename_classes(names: dict[int, str]):
    def damage(root: Path) -> None:
        spec = yaml.safe_load((root / "data.yaml").read_text())
        (root / "data.yaml").write_text(yaml.safe_dump({**spec, "names": names}, sort_keys=False))
    return damage


@pytest.mark.parametrize("names, valid", [
    ({0: "vehicle", 1: "person", 2: "building"}, True),
    ({0: "vehicle", 1: "building", 2: "person"}, False),
    ({0: "car", 1: "person", 2: "building"}, False),
], ids=["same", "other-order", "other-name"])
def test_a_prepared_datasets_names_must_be_the_stacks_list(names, valid, tmp_path, bundle, yolo_config_dir, validation_schema, dataset):
    run = run_step(tmp_path, bundle, yolo_config_dir, prepared_input(dataset.root, rename_classes(names)), *STACK_CLASSES)
    report = assert_reported(run, validation_schema, valid=valid)
    if valid:
        assert report["problems"] == {}
        return
    assert counts(report["problems"]) == {"class_list_mismatch": 1}
    listed = ", ".join(f"{i}: {name}" for i, name in names.items())
    assert report["problems"]["class_list_mismatch"]["examples"] == [{"location": "data.yaml", "message": (
        f"names {{{listed}}} are not the stack's classes {{0: vehicle, 1: person, 2: building}} (labelClasses); a class id would mean "
        "another class than the stack's. Rewrite names (and the label files' ids) or change labelClasses.")}]


def test_a_class_list_with_a_repeated_name_is_refused(tmp_path, bundle, yolo_config_dir):
    run = run_step(tmp_path, bundle, yolo_config_dir, lambda raw: None, "--class-name", "vehicle", "--class-name", "vehicle")
    assert run.result.returncode == 2, describe(run.result)
    assert "'class-name=vehicle' is an invalid value. Valid 'class-name' values are distinct names" in run.message()
    assert run.report is None


def test_the_strict_converter_follows_the_class_list_too(tmp_path):
    """prepare.py convert-groundtruth (by hand) with the stack's list: the same ids as the pipeline step."""
    import prepare

    images = without_class(synthdata.make_images(12, seed=7, prefix="GT"), 1)
    synthdata.write_raw_images(tmp_path / "raw-images", images)
    manifest = tmp_path / "output.manifest"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in manifest_records(images)))
    assert prepare.main(["convert-groundtruth", "--manifest", str(manifest), "--images-dir", str(tmp_path / "raw-images"),
                         "--output-dir", str(tmp_path / "dataset"), *STACK_CLASSES]) == 0
    assert yaml.safe_load((tmp_path / "dataset" / "data.yaml").read_text())["names"] == {0: "vehicle", 1: "person", 2: "building"}
    assert_boxes_match(read_labels(tmp_path / "dataset"), images)


# ------------------------------------------------------------------------------------ chained labeling jobs


def chained_records(images: list[synthdata.SyntheticImage]) -> list[dict]:
    """An adjustment job's output: each line keeps the first job's attribute and adds its own (boxes moved by 1 px)."""
    records = manifest_records(images)
    for record in records:
        adjusted = json.loads(json.dumps(record[LABEL_ATTRIBUTE]))
        for annotation in adjusted["annotations"]:
            annotation["left"] += 1
        record["drone-boxes-adjusted"] = adjusted
        record["drone-boxes-adjusted-metadata"] = dict(record[f"{LABEL_ATTRIBUTE}-metadata"], **{"adjustment-status": "adjusted"})
    return records


def test_a_chained_jobs_manifest_needs_the_label_attribute_and_uses_the_one_given(tmp_path, bundle, yolo_config_dir, validation_schema):
    images = synthdata.make_images(12, seed=3, prefix="GT")
    records = chained_records(images)
    unnamed = run_step(tmp_path / "auto", bundle, yolo_config_dir, ground_truth_input(images, records), "--label-attribute=")
    report = assert_reported(unnamed, validation_schema, valid=False)
    assert counts(report["problems"]) == {"invalid_source": 1}
    # The advice is in the Fail step's message, not cut off.
    assert ("manifests/output/output.manifest: Manifest output.manifest: cannot tell which label attribute to read; set the "
            "pipeline parameter LabelAttribute (prepare.py --label-attribute) to one of drone-boxes, drone-boxes-adjusted.") in report["summary"]

    named = run_step(tmp_path / "named", bundle, yolo_config_dir, ground_truth_input(images, records),
                     "--label-attribute=drone-boxes-adjusted")
    report = assert_reported(named, validation_schema, valid=True)
    assert report["source"]["label_attribute"] == "drone-boxes-adjusted"
    moved = [synthdata.SyntheticImage(i.name, i.width, i.height, [(c, x + 1, y, w, h) for c, x, y, w, h in i.boxes]) for i in images]
    assert_boxes_match(read_labels(named.dataset), moved)

    wrong = run_step(tmp_path / "wrong", bundle, yolo_config_dir, ground_truth_input(images, records), "--label-attribute=drone-box")
    report = assert_reported(wrong, validation_schema, valid=False)
    assert counts(report["problems"]) == {"invalid_source": 1}
    assert report["problems"]["invalid_source"]["examples"][0]["message"].endswith(
        "no line has the label attribute 'drone-box'; its bounding-box label attributes are drone-boxes, drone-boxes-adjusted.")


def test_a_labeling_jobs_manifest_fetches_its_images_from_the_allowed_prefix_only(tmp_path, bundle, yolo_config_dir, validation_schema):
    """A labeling job's output prefix holds the manifest, not the images: the step fetches them from S3 (moto here),
    only under --fetch-from; an image elsewhere and one S3 lacks are named, counted problems, not a crash."""
    import boto3
    from emulator import MotoServer

    bucket = "drone-bucket"
    images = synthdata.make_images(10, seed=7, prefix="GT")
    uploads = tmp_path / "uploads"
    synthdata.write_raw_images(uploads, images)
    records = [json.loads(line) for line in synthdata.ground_truth_manifest(
        images, LABEL_ATTRIBUTE, f"s3://{bucket}/datasets/raw/flight-7/", class_map="used").splitlines()]
    outside = synthdata.SyntheticImage("GT_secret.jpg", 80, 80)
    gone = synthdata.SyntheticImage("GT_gone.jpg", 80, 80)
    records.append(json.loads(synthdata.ground_truth_manifest([outside], LABEL_ATTRIBUTE, f"s3://{bucket}/models/", class_map="used")))
    records.append(json.loads(synthdata.ground_truth_manifest([gone], LABEL_ATTRIBUTE, f"s3://{bucket}/datasets/raw/flight-7/",
                                                              class_map="used")))
    synthdata.write_raw_images(uploads, [outside])

    server = MotoServer(tmp_path / "moto.log")
    try:
        s3 = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        s3.create_bucket(Bucket=bucket)
        for image in images:
            s3.upload_file(str(uploads / image.name), bucket, f"datasets/raw/flight-7/{image.name}")
        s3.upload_file(str(uploads / outside.name), bucket, f"models/{outside.name}")  # readable, but not an allowed prefix

        def fill(raw: Path) -> None:  # what a ProcessingInput of s3://<bucket>/labeling/<job>/manifests/output/ copies
            output = raw / "output.manifest"
            output.write_text("".join(json.dumps(r) + "\n" for r in records))

        job = processing_job(tmp_path / "job", bundle, yolo_config_dir)
        fetch_dir = job.root / "processing" / "fetched"
        job.env.update(AWS_ENDPOINT_URL=server.endpoint, AWS_DEFAULT_REGION="us-east-1",
                       AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        run = run_step_as(job, fill, "--input-format", "groundtruth", "--fetch-from", f"s3://{bucket}/datasets/",
                          "--fetch-dir", str(fetch_dir))
    finally:
        server.stop()

    assert run.result.returncode == 0, describe(run.result)
    assert schema_errors(validation_schema, run.report) == []
    report = run.report
    assert report["valid"] is False
    assert counts(report["problems"]) == {"image_outside_allowed_prefixes": 1, "image_fetch_failed": 1}
    assert report["problems"]["image_outside_allowed_prefixes"]["examples"][0]["location"] == f"output.manifest:11 (s3://{bucket}/models/GT_secret.jpg)"
    assert f"s3://{bucket}/datasets/" in report["problems"]["image_outside_allowed_prefixes"]["examples"][0]["message"]
    assert report["problems"]["image_fetch_failed"]["examples"][0]["message"] == "image could not be fetched from S3 (404: no such object)."
    assert report["source"]["fetched_images"] == len(images)
    # The fetched images were converted like local ones, and nothing outside the prefix was downloaded.
    assert sum(s["images"] for s in report["splits"].values()) == len(images)
    assert sorted(p.name for p in fetch_dir.rglob("*.*") if p.is_file()) == sorted(image.name for image in images)
    assert not list(fetch_dir.rglob(outside.name))
    assert_boxes_match(read_labels(run.dataset), images)


def test_fetch_from_must_name_an_s3_prefix(tmp_path, bundle, yolo_config_dir):
    run = run_step(tmp_path, bundle, yolo_config_dir, lambda raw: None, "--fetch-from", "s3://drone-bucket/datasets")
    assert run.result.returncode == 2, describe(run.result)
    assert "--fetch-from: 's3://drone-bucket/datasets' is not an S3 prefix; expected s3://<bucket>/<prefix>/ (ending in '/')." in run.result.stderr
    assert run.report is None


# ------------------------------------------------------------------------------------ (c) prepared YOLO dataset


def test_a_prepared_yolo_dataset_is_validated_and_passed_through_unchanged(tmp_path, bundle, yolo_config_dir, validation_schema, dataset):
    run = run_step(tmp_path, bundle, yolo_config_dir, prepared_input(dataset.root), "--input-format", "auto")
    report = assert_reported(run, validation_schema, valid=True)
    assert tree_digests(run.dataset) == tree_digests(run.raw)
    assert report["source"]["format"] == "yolo" and report["source"]["path"] == "data.yaml"
    assert {name: s["images"] for name, s in report["splits"].items()} == {"train": 24, "val": 8, "test": 8}
    assert report["source"]["images"] == 40
    assert report["source"]["boxes"] == sum(box_count(images) for images in dataset.splits.values())
    assert [c["source_id"] for c in report["classes"]] == [None, None, None]
    assert report["summary"].startswith("Dataset is valid: 40 images")
    accepted_by_training(run.dataset)


# ------------------------------------------------------------------------------------ (d) broken datasets


def write_label(text: str, name: str = "img_000"):
    def damage(root: Path) -> None:
        (root / "labels" / "train" / f"{name}.txt").write_text(text)
    return damage


def corrupt_image(root: Path) -> None:
    (root / "images" / "train" / "img_002.jpg").write_bytes(b"not a jpeg at all")


def copy_into_val(root: Path) -> None:
    (root / "images" / "val" / "renamed.jpg").write_bytes((root / "images" / "train" / "img_000.jpg").read_bytes())
    shutil.copy2(root / "labels" / "train" / "img_000.txt", root / "labels" / "val" / "renamed.txt")


@pytest.mark.parametrize("damage, args, kind, count, location", [
    (write_label("0 1.4 0.5 0.2 0.2\n"), (), "label_out_of_range", 1, "labels/train/img_000.txt:1"),
    (corrupt_image, (), "unreadable_image", 1, "images/train/img_002.jpg"),
    (copy_into_val, (), "image_in_two_splits", 1, "images/val/renamed.jpg"),
    (None, ("--min-images-per-split", "10"), "too_few_images", 2, "images/val"),
    (write_label("0 0.5 0.5 0.2 0.2\n3 0.5 0.5 0.2 0.2\n"), (), "unknown_class_id", 1, "labels/train/img_000.txt:2"),
], ids=["label-out-of-range", "unreadable-image", "image-in-two-splits", "too-few-images", "unknown-class"])
def test_a_broken_dataset_is_reported_invalid_without_failing_the_job(damage, args, kind, count, location, tmp_path, bundle,
                                                                      yolo_config_dir, validation_schema, dataset):
    run = run_step(tmp_path, bundle, yolo_config_dir, prepared_input(dataset.root, damage), *args)
    report = assert_reported(run, validation_schema, valid=False)
    assert counts(report["problems"]) == {kind: count}
    assert report["problem_count"] == count
    assert report["problems"][kind]["examples"][0]["location"] == location
    assert report["summary"].startswith(f"Dataset is invalid: {count} {kind} (e.g. {location}: ")
    assert "\n" not in report["summary"] and len(report["summary"]) <= 1024


def broken_json(raw: Path) -> None:
    (raw / "annotations.json").write_text('{"images": [')


def only_images(raw: Path) -> None:
    synthdata.write_raw_images(raw / "raw-images", synthdata.make_images(3, seed=1))


def two_manifests(raw: Path) -> None:
    for name in ("a.manifest", "b.manifest"):
        (raw / name).write_text("")


def unknown_category(raw: Path) -> None:
    images = synthdata.make_images(6, seed=2)
    data = synthdata.annotation_json(images, BUCKET_PREFIX)
    data["images"][0]["annotations"][0]["class_id"] = 7
    annotation_input(images, data)(raw)


@pytest.mark.parametrize("fill, kind, message", [
    (broken_json, "invalid_source", "Annotations {raw}/annotations.json cannot be read: Expecting value: line 1 column 13 (char 12)"),
    (only_images, "source_not_found", "has no data.yaml at the top (a prepared YOLO dataset), no *.manifest (a Ground Truth output "
                                      "manifest) and no annotation *.json (an object with 'images' and 'categories' lists); it holds "
                                      "3 file(s): 3 .jpg."),
    (two_manifests, "ambiguous_source", "holds 2 Ground Truth manifests (*.manifest) (a.manifest, b.manifest); keep exactly one in "
                                        "the input prefix."),
    (unknown_category, "unknown_class_id", "'class_id=7' is an invalid value. Valid 'class_id' values are the category ids 0 "
                                           "(vehicle), 1 (person), 2 (building)."),
], ids=["unreadable-annotations", "no-source", "two-manifests", "unknown-category"])
def test_an_unusable_source_is_reported_invalid(fill, kind, message, tmp_path, bundle, yolo_config_dir, validation_schema):
    run = run_step(tmp_path, bundle, yolo_config_dir, fill)
    report = assert_reported(run, validation_schema, valid=False)
    assert counts(report["problems"]) == {kind: 1}
    assert report["problems"][kind]["examples"][0]["message"] == message.format(raw=run.raw)
    assert f"1 {kind} (e.g. " in report["summary"]


# ------------------------------------------------------------------------------------ the split


def test_the_split_is_deterministic_per_seed_and_keeps_copies_together(tmp_path, bundle, yolo_config_dir, validation_schema):
    images = synthdata.make_images(20, seed=7, prefix="DJI")
    data = synthdata.annotation_json(images, BUCKET_PREFIX)
    copy = dict(data["images"][3], file_path=f"{BUCKET_PREFIX}copy-of-{images[3].name}")
    data["images"].append(copy)

    def fill(raw: Path) -> None:
        annotation_input(images, data)(raw)
        shutil.copy2(raw / "raw-images" / images[3].name, raw / "raw-images" / f"copy-of-{images[3].name}")

    runs = [run_step(tmp_path / f"run-{i}", bundle, yolo_config_dir, fill, "--seed", seed) for i, seed in enumerate(("0", "0", "1"))]
    for run in runs:
        report = assert_reported(run, validation_schema, valid=True)
        assert counts(report["warnings"]).get("duplicate_image") == 1
        splits_of_content: dict[str, set[str]] = {}
        for image in (run.dataset / "images").rglob("*.*"):
            splits_of_content.setdefault(hashlib.sha256(image.read_bytes()).hexdigest(), set()).add(image.parent.name)
        assert all(len(splits) == 1 for splits in splits_of_content.values())
        assignment = split_of_images(run.dataset)
        assert assignment[images[3].name] == assignment[f"copy-of-{images[3].name}"]
        assert len(assignment) == 21
    first, again, other = (split_of_images(run.dataset) for run in runs)
    assert first == again
    assert first != other


# ------------------------------------------------------------------------------------ the job contract


def non_empty_output(raw: Path) -> None:
    annotation_input(synthdata.make_images(3, seed=1))(raw)
    (raw.parents[1] / "output" / "dataset" / "leftover.txt").write_text("x")


@pytest.mark.parametrize("args, fill, code, message", [
    (("--val-fraction", "1.5"), None, 2,
     "'val-fraction=1.5' is an invalid value. Valid 'val-fraction' values are numbers from 0 (inclusive) to 1 (exclusive)."),
    (("--val-fraction", "0"), None, 2,
     "'val-fraction=0' is an invalid value. Valid 'val-fraction' values are numbers > 0 and < 1 (training needs a val split)."),
    (("--val-fraction", "0.6", "--test-fraction", "0.5"), None, 2,
     "'val-fraction=0.6', 'test-fraction=0.5' are invalid. Valid fractions have a sum below 1 (train keeps the rest)."),
    (("--input-format", "coco"), None, 2,
     "'input-format=coco' is an invalid value. Valid 'input-format' values are auto, annotations-json, groundtruth, yolo."),
    (("--min-images-per-split", "0"), None, 2,
     "'min-images-per-split=0' is an invalid value. Valid 'min-images-per-split' values are integers >= 1."),
    (("--seed", "abc"), None, 2, "'seed=abc' is an invalid value. Valid 'seed' values are integers >= 0."),
    ((), "missing-input", 1, "Input folder {raw} does not exist or is not a folder"),
    ((), non_empty_output, 1, "Output directory {dataset} is not empty"),
], ids=["fraction-range", "no-val", "fraction-sum", "format", "min-images", "seed", "missing-input", "non-empty-output"])
def test_a_job_that_cannot_run_fails_with_the_reason(args, fill, code, message, tmp_path, bundle, yolo_config_dir):
    def stage(raw: Path) -> None:
        if fill == "missing-input":
            raw.rmdir()
        elif fill is not None:
            fill(raw)

    run = run_step(tmp_path, bundle, yolo_config_dir, stage, *args)
    assert run.result.returncode == code, describe(run.result)
    assert run.message() is not None and run.message().startswith(message.format(raw=run.raw, dataset=run.dataset))
    assert run.report is None
    assert "Traceback" not in run.result.stderr


def test_the_container_paths_are_the_defaults(monkeypatch):
    import prepare
    from yolo_pipeline import container

    monkeypatch.setattr(container, "in_container", lambda: True)
    args = prepare.parse_args(["pipeline-step"])
    assert (args.input_dir, args.output_dir, args.report_dir) == (
        Path("/opt/ml/processing/input/raw"), Path("/opt/ml/processing/output/dataset"), Path("/opt/ml/processing/output/report"))
    assert (args.input_format, args.val_fraction, args.test_fraction, args.seed, args.min_images_per_split, args.label_attribute) == (
        "auto", 0.2, 0.1, 0, 1, "")
    monkeypatch.setattr(container, "in_container", lambda: False)
    assert prepare.parse_args(["pipeline-step"]).input_dir == Path("raw")


def test_the_summary_names_the_most_frequent_problems_within_the_fail_message_limit():
    import prepare
    from yolo_pipeline.dataset import Problem

    problems = [Problem(f"labels/train/img_{i:03d}.txt:1", "'x_center=1.4' is an invalid value. " * 10, "label_out_of_range")
                for i in range(30)]
    problems += [Problem("images/train/a.jpg", "image cannot be read.\nSecond line of a PIL message.", "unreadable_image")]
    problems += [Problem(f"data.yaml:{kind}", "x" * 400, kind) for kind in ("inconsistent_classes", "invalid_data_yaml",
                                                                            "missing_split", "too_few_images")]
    report = {"valid": False, "problems": prepare.group_findings(problems),
              "source": {"format": "yolo", "path": "data.yaml", "input_dir": "/in"}}
    summary = prepare.summary_line(report)
    assert len(summary) <= 1024 and "\n" not in summary
    assert summary.startswith("Dataset is invalid: 30 label_out_of_range (e.g. labels/train/img_000.txt:1: 'x_center=1.4'")
    assert "; 1 unreadable_image (e.g. images/train/a.jpg: image cannot be read. Second line of a PIL message.)" in summary
    assert "more kind(s) in validation.json. Source: yolo data.yaml." in summary
    assert report["problems"]["label_out_of_range"]["count"] == 30
    assert len(report["problems"]["label_out_of_range"]["examples"]) == 5


def test_every_finding_kind_is_either_a_problem_or_a_warning_and_documented(validation_schema):
    problems = set(validation_schema["properties"]["problems"]["propertyNames"]["enum"])
    warnings = set(validation_schema["properties"]["warnings"]["propertyNames"]["enum"])
    assert problems.isdisjoint(warnings)
    readme = (SCRIPTS / "README.md").read_text()
    assert sorted(kind for kind in problems | warnings if f"`{kind}`" not in readme) == []
