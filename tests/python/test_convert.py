"""prepare.py convert-json / convert-groundtruth: boxes checked numerically, split, references, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

import synthdata
from conftest import SCRIPTS, base_env
from synthdata import assert_boxes_match, read_labels

SOURCE_IMAGES = 20


def prepare(*args, cwd):
    return subprocess.run([sys.executable, str(SCRIPTS / "prepare.py"), *args], cwd=cwd, env=base_env(SM_OUTPUT_DIR=str(cwd / "output")),
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def raw(tmp_path):
    """20 drone-like images in a local copy of the S3 prefix raw-images/ (as a processing job would see it)."""
    images = synthdata.make_images(SOURCE_IMAGES, seed=7, prefix="DJI")
    synthdata.write_raw_images(tmp_path / "raw-images", images)
    return images


def test_annotation_json_converts_to_exact_yolo_boxes(tmp_path, raw):
    (tmp_path / "annotations.json").write_text(json.dumps(synthdata.annotation_json(raw)))
    result = prepare("convert-json", "--annotations", "annotations.json", "--images-dir", "raw-images",
                     "--output-dir", "dataset", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "dataset"
    assert_boxes_match(read_labels(root), raw)
    assert yaml.safe_load((root / "data.yaml").read_text()) == {
        "train": "images/train", "val": "images/val", "test": "images/test", "nc": 3,
        "names": {0: "vehicle", 1: "person", 2: "building"},
    }
    counts = {split: len(list((root / "images" / split).iterdir())) for split in ("train", "val", "test")}
    assert counts == {"train": 14, "val": 4, "test": 2}  # 20 × (0.7, 0.2, 0.1)
    report = json.loads((root / "conversion_report.json").read_text())
    assert report["boxes"] == sum(len(image.boxes) for image in raw)
    assert report["validation"]["ok"] is True


def test_ground_truth_manifest_converts_to_exact_yolo_boxes(tmp_path, raw):
    manifest = synthdata.ground_truth_manifest(raw, label_attribute="drone-boxes")
    failed = {"source-ref": "s3://drone-bucket/raw-images/missing.jpg",
              "drone-boxes-metadata": {"failure-reason": "ClientError: worker did not finish", "job-name": "x"}}
    (tmp_path / "output.manifest").write_text(manifest + json.dumps(failed) + "\n")
    result = prepare("convert-groundtruth", "--manifest", "output.manifest", "--images-dir", "raw-images",
                     "--output-dir", "dataset", "--val-fraction", "0.25", "--test-fraction", "0", "--seed", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "dataset"
    assert_boxes_match(read_labels(root), raw)
    assert "Label attribute: drone-boxes" in result.stderr
    assert "skipped: labeling failed (ClientError: worker did not finish)" in result.stderr
    assert yaml.safe_load((root / "data.yaml").read_text())["names"] == {0: "vehicle", 1: "person", 2: "building"}
    assert not (root / "images" / "test").exists()
    assert len(list((root / "images" / "val").iterdir())) == 5


def test_class_ids_are_mapped_to_contiguous_indices_and_boxes_clipped(tmp_path):
    from yolo_pipeline import convert

    images = [synthdata.SyntheticImage(name=name, width=80, height=80) for name in ("a.jpg", "b.jpg")]
    synthdata.write_raw_images(tmp_path / "raw", images)
    data = {
        "images": [
            {"file_path": "s3://b/raw/a.jpg", "width": 80, "height": 80, "annotations": [
                {"bbox": [10, 20, 30, 40], "class_id": 30, "class_name": "building"},
                {"bbox": [70, -10, 20, 30], "class_id": 10, "class_name": "vehicle"},  # sticks out right and top
            ]},
            {"file_path": "s3://b/raw/b.jpg", "width": 80, "height": 80, "annotations": []},
        ],
        "categories": [{"id": 30, "name": "building"}, {"id": 10, "name": "vehicle"}],
    }
    (tmp_path / "a.json").write_text(json.dumps(data))
    source = convert.read_annotation_json(tmp_path / "a.json", tmp_path / "raw")
    report = convert.write_yolo_dataset(source, tmp_path / "out", val_fraction=0.5, test_fraction=0)
    assert report["class_names"] == ["vehicle", "building"]
    assert report["class_id_map"] == {"10": 0, "30": 1}
    assert {s: v["images"] for s, v in report["splits"].items()} == {"train": 1, "val": 1}
    (label,) = (tmp_path / "out" / "labels").rglob("a.txt")
    lines = label.read_text().splitlines()
    assert lines == ["1 0.312500 0.500000 0.375000 0.500000", "0 0.937500 0.125000 0.125000 0.250000"]
    assert any("clipped" in warning for warning in report["warnings"])


def test_the_split_is_seeded_exact_and_order_independent():
    from yolo_pipeline.convert import split_assignments

    first = split_assignments(20, 0.2, 0.1, seed=0)
    assert first == split_assignments(20, 0.2, 0.1, seed=0)
    assert first != split_assignments(20, 0.2, 0.1, seed=1)
    assert (first.count("train"), first.count("val"), first.count("test")) == (14, 4, 2)
    assert sorted(split_assignments(3, 0.2, 0.1, seed=0)) == ["test", "train", "val"]  # tiny sets keep every split


def test_s3_references_resolve_by_key_then_by_file_name(tmp_path):
    from yolo_pipeline.convert import resolve_image

    (tmp_path / "flight-1").mkdir()
    (tmp_path / "flight-1" / "DJI_0001.JPG").write_bytes(b"x")
    (tmp_path / "DJI_0002.JPG").write_bytes(b"x")
    assert resolve_image("s3://bucket/raw/flight-1/DJI_0001.JPG", tmp_path) == tmp_path / "flight-1" / "DJI_0001.JPG"
    assert resolve_image("s3://bucket/raw/elsewhere/DJI_0002.JPG", tmp_path) == tmp_path / "DJI_0002.JPG"
    assert resolve_image("s3://bucket/raw/DJI_0003.JPG", tmp_path) is None


def test_bad_annotations_are_refused_with_every_problem_listed(tmp_path, raw):
    data = synthdata.annotation_json(raw[:3])
    data["images"][0]["annotations"][0]["class_id"] = 7
    data["images"][1]["width"] = 1920
    data["images"][2]["file_path"] = "s3://drone-bucket/raw-images/nowhere.jpg"
    (tmp_path / "annotations.json").write_text(json.dumps(data))
    result = prepare("convert-json", "--annotations", "annotations.json", "--images-dir", "raw-images",
                     "--output-dir", "dataset", cwd=tmp_path)
    assert result.returncode == 1
    message = (tmp_path / "output" / "message").read_text()
    assert message.startswith(f"Annotations {tmp_path / 'annotations.json'} cannot be converted: 3 problem(s).")
    first, second = raw[0], raw[1]
    assert (f"annotations.json: images[0] (s3://drone-bucket/raw-images/{first.name}) annotations[0]: 'class_id=7' is an "
            "invalid value. Valid 'class_id' values are the category ids 0 (vehicle), 1 (person), 2 (building).") in message
    assert (f"annotations.json: images[1] (s3://drone-bucket/raw-images/{second.name}): declares 1920x{second.height} px but "
            f"{second.name} is {second.width}x{second.height} px; boxes would be normalized wrongly.") in message
    assert (f"annotations.json: images[2] (s3://drone-bucket/raw-images/nowhere.jpg): image not found under {tmp_path / 'raw-images'} "
            "(looked for the S3 key / path and the file name).") in message
    assert not (tmp_path / "dataset").exists()


def test_an_unknown_ground_truth_class_and_a_non_empty_output_are_refused(tmp_path, raw):
    from yolo_pipeline import convert
    from yolo_pipeline.cli import PipelineError
    from yolo_pipeline.dataset import DatasetError

    records = [json.loads(line) for line in synthdata.ground_truth_manifest(raw[:2]).splitlines()]
    records[0]["drone-boxes"]["annotations"].append({"class_id": 9, "left": 1, "top": 1, "width": 5, "height": 5})
    (tmp_path / "m.manifest").write_text("\n".join(json.dumps(r) for r in records))
    source = convert.read_ground_truth_manifest(tmp_path / "m.manifest", tmp_path / "raw-images")
    with pytest.raises(DatasetError) as error:
        source.raise_for_problems()
    assert [str(p) for p in error.value.problems] == [
        f"m.manifest:1 (s3://drone-bucket/raw-images/{raw[0].name}) annotations[{len(raw[0].boxes)}]: 'class_id=9' is an "
        "invalid value. Valid 'class_id' values are the class-map ids 0 (vehicle), 1 (person), 2 (building)."
    ]
    assert [p.kind for p in source.problems] == ["unknown_class_id"]
    assert [len(image.boxes) for image in source.images] == [len(raw[0].boxes), len(raw[1].boxes)]  # the bad box is left out
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "something.txt").write_text("x")
    empty = convert.SourceDataset("annotation-json", tmp_path / "a.json", [], {0: "a"})
    with pytest.raises(PipelineError, match=r"is not empty; choose a new folder"):
        convert.write_yolo_dataset(empty, tmp_path / "taken")
    one = convert.SourceDataset("annotation-json", tmp_path / "a.json", [
        convert.SourceImage("a.jpg", "images[0]", tmp_path / "a.jpg", 80, 80)], {0: "a"})
    with pytest.raises(PipelineError, match=r"the 'val' split would be empty"):
        convert.write_yolo_dataset(one, tmp_path / "new")
