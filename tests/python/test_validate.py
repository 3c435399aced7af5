"""prepare.py validate and the dataset rules train.py applies: exact problems for broken datasets."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from conftest import SCRIPTS, base_env


def validate_cli(data_dir, cwd):
    return subprocess.run([sys.executable, str(SCRIPTS / "prepare.py"), "validate", "--data-dir", str(data_dir)],
                          cwd=cwd, env=base_env(SM_OUTPUT_DIR=str(cwd / "output")), capture_output=True, text=True, timeout=120)


def test_a_good_dataset_is_valid(dataset, tmp_path):
    result = validate_cli(dataset.root, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Dataset {dataset.root} is valid (0 warning(s))." in result.stderr
    assert "Split train: 24 images (21 with boxes, 3 background, 0 without label file)" in result.stderr


def corrupt(root):
    (root / "images" / "train" / "img_002.jpg").write_bytes(b"not a jpeg at all")


def remove_image(root):
    (root / "images" / "train" / "img_001.jpg").unlink()


def label(text, name="img_000"):
    def write(root):
        (root / "labels" / "train" / f"{name}.txt").write_text(text)
    return write


def drop_val(root):
    config = yaml.safe_load((root / "data.yaml").read_text())
    del config["val"]
    (root / "data.yaml").write_text(yaml.safe_dump(config))


def empty_train(root):
    for image in (root / "images" / "train").iterdir():
        image.unlink()
    for text in (root / "labels" / "train").iterdir():
        text.unlink()


# The kind each problem is grouped under in validation.json (validation.schema.json).
PROBLEM_KINDS = {
    "bad-coordinate": ["label_out_of_range"], "unknown-class": ["unknown_class_id"], "outside-image": ["label_out_of_range"],
    "wrong-field-count": ["malformed_label"], "zero-and-nan-size": ["label_out_of_range", "label_out_of_range"],
    "missing-image": ["missing_image"], "corrupt-image": ["unreadable_image"], "empty-train": ["too_few_images"],
}


@pytest.mark.parametrize("damage, problems", [
    (label("0 1.4 0.5 0.2 0.2\n"), [
        "labels/train/img_000.txt:1: 'x_center=1.4' is an invalid value. Valid 'x_center' values are numbers from 0 to 1 "
        "(normalized by the image width)."]),
    (label("0 0.5 0.5 0.2 0.2\n3 0.5 0.5 0.2 0.2\n"), [
        "labels/train/img_000.txt:2: 'class=3' is an invalid value. Valid 'class' values are integers 0 to 2 "
        "(the ids of data.yaml names)."]),
    (label("0 0.95 0.5 0.2 0.2\n"), [
        "labels/train/img_000.txt:1: box reaches outside the image (x from 0.85 to 1.05); valid boxes lie within 0..1. "
        "YOLO lines are class x_center y_center width height, not corner coordinates."]),
    (label("0 0.5 0.5 0.2\n"), [
        "labels/train/img_000.txt:1: has 4 values ('0 0.5 0.5 0.2'); valid lines have 5: class x_center y_center width height."]),
    (label("0 0.5 0.5 0 nan\n"), [
        "labels/train/img_000.txt:1: 'width=0' is an invalid value. Valid 'width' values are numbers > 0 and <= 1 "
        "(normalized by the image width).",
        "labels/train/img_000.txt:1: 'height=nan' is an invalid value. Valid 'height' values are numbers > 0 and <= 1 "
        "(normalized by the image height)."]),
    (remove_image, [
        "labels/train/img_001.txt: has no image in images/train (looked for "
        "img_001.<bmp|dng|heic|jpeg|jpg|mpo|pfm|png|tif|tiff|webp>); its boxes would be lost."]),
    (corrupt, [
        "images/train/img_002.jpg: image cannot be read (UnidentifiedImageError: cannot identify image file "
        "'{root}/images/train/img_002.jpg'). Valid images are readable bmp, dng, heic, jpeg, jpg, mpo, pfm, png, tif, "
        "tiff, webp files."]),
    (empty_train, [
        "images/train: has no images (valid suffixes: bmp, dng, heic, jpeg, jpg, mpo, pfm, png, tif, tiff, webp)."]),
], ids=["bad-coordinate", "unknown-class", "outside-image", "wrong-field-count", "zero-and-nan-size", "missing-image",
        "corrupt-image", "empty-train"])
def test_broken_datasets_are_refused_with_each_problem(damage, problems, dataset, tmp_path, request):
    from yolo_pipeline import dataset as ds

    root = dataset.copy(tmp_path / "broken")
    damage(root)
    report = ds.validate_dataset(root)
    assert [str(p) for p in report.errors] == [p.format(root=root) for p in problems]
    assert [p.kind for p in report.errors] == PROBLEM_KINDS[request.node.callspec.id]
    assert not report.ok
    with pytest.raises(ds.DatasetError):
        report.raise_for_errors()


def test_data_yaml_problems_are_listed_together(dataset, tmp_path):
    from yolo_pipeline import dataset as ds

    root = dataset.copy(tmp_path / "broken")
    (root / "data.yaml").write_text(yaml.safe_dump({"train": "images/train", "test": "../outside", "names": {0: "a", 2: "b"}}))
    with pytest.raises(ds.DatasetError) as error:
        ds.validate_dataset(root)
    assert [str(p) for p in error.value.problems] == [
        "data.yaml: 'names' ids [0, 2] are not contiguous from 0. Valid 'names' are a list of class names or a mapping "
        "{0: name, 1: name, …} with ids 0..n-1.",
        "data.yaml: 'val' is missing. Valid 'val' values are folders relative to the dataset root, e.g. images/val.",
        "data.yaml: 'test=../outside' is an invalid value. Valid 'test' values are folders relative to the dataset root, "
        "e.g. images/test (inside it).",
    ]


def test_missing_label_files_and_duplicates_are_warnings_only(dataset, tmp_path):
    from yolo_pipeline import dataset as ds

    root = dataset.copy(tmp_path / "ok")
    (root / "labels" / "train" / "img_003.txt").unlink()
    text = (root / "labels" / "train" / "img_004.txt").read_text()
    (root / "labels" / "train" / "img_004.txt").write_text(text + text.splitlines()[0] + "\n")
    report = ds.validate_dataset(root)
    assert report.ok
    assert report.splits["train"].missing_labels == 1
    assert [str(w) for w in report.warnings] == [
        "images/train/img_003.jpg: has no label file labels/train/img_003.txt; Ultralytics trains on it as a background image.",
        f"labels/train/img_004.txt:{len(text.splitlines()) + 1}: duplicates line 1; Ultralytics drops duplicate boxes.",
    ]


def copy_image(root, source, target):
    """Copy an image (and its label) under another name, e.g. images/train/img_000.jpg → images/val/copy.jpg."""
    source, target = root / source, root / target
    target.write_bytes(source.read_bytes())
    (root / "labels" / target.parent.name / f"{target.stem}.txt").write_bytes(
        (root / "labels" / source.parent.name / f"{source.stem}.txt").read_bytes())


def test_the_same_image_in_two_splits_is_refused_and_twice_in_one_split_is_a_warning(dataset, tmp_path):
    import hashlib

    from yolo_pipeline import dataset as ds

    root = dataset.copy(tmp_path / "leaky")
    copy_image(root, "images/train/img_000.jpg", "images/val/renamed.jpg")
    copy_image(root, "images/train/img_001.jpg", "images/train/again.jpg")
    digest = hashlib.sha256((root / "images/train/img_000.jpg").read_bytes()).hexdigest()
    report = ds.validate_dataset(root)
    assert [(str(p), p.kind) for p in report.errors] == [(
        f"images/val/renamed.jpg: has the same content as images/train/img_000.jpg (sha256 {digest[:12]}); an image in two "
        "splits leaks train data into val.", "image_in_two_splits")]
    assert [(str(p), p.kind) for p in report.warnings] == [(
        "images/train/img_001.jpg: has the same content as images/train/again.jpg; it is trained on twice.", "duplicate_image")]


def test_splits_pointing_at_the_same_folder_are_refused(dataset, tmp_path):
    from yolo_pipeline import dataset as ds

    root = dataset.copy(tmp_path / "same-folder")
    config = yaml.safe_load((root / "data.yaml").read_text())
    config["val"] = "images/train"
    (root / "data.yaml").write_text(yaml.safe_dump(config))
    report = ds.validate_dataset(root)
    assert {p.kind for p in report.errors} == {"image_in_two_splits"}
    assert len(report.errors) == len(dataset.splits["train"])
    assert str(report.errors[0]) == ("images/train/img_000.jpg: is in both the train and the val split (data.yaml points "
                                     "them at overlapping folders); an image in two splits leaks train data into val.")


def test_a_minimum_number_of_images_per_split_is_enforced(dataset, tmp_path):
    from yolo_pipeline import dataset as ds

    assert ds.validate_dataset(dataset.root, min_images={"train": 24, "val": 8, "test": 8}).ok
    report = ds.validate_dataset(dataset.root, min_images={"train": 25, "val": 8, "test": 9})
    assert [(str(p), p.kind) for p in report.errors] == [
        ("images/train: has 24 image(s); at least 25 are needed.", "too_few_images"),
        ("images/test: has 8 image(s); at least 9 are needed.", "too_few_images"),
    ]
    root = dataset.copy(tmp_path / "no-test")
    config = yaml.safe_load((root / "data.yaml").read_text())
    del config["test"]
    (root / "data.yaml").write_text(yaml.safe_dump(config))
    assert ds.validate_dataset(root).ok  # test stays optional unless a minimum asks for it
    assert [str(p) for p in ds.validate_dataset(root, min_images={"test": 1}).errors] == [
        "data.yaml: declares no 'test' folder; at least 1 test image(s) are needed."]


def test_the_cli_exits_1_and_leaves_the_reason_for_the_job(dataset, tmp_path):
    root = dataset.copy(tmp_path / "broken")
    label("0 1.4 0.5 0.2 0.2\n")(root)
    remove_image(root)
    result = validate_cli(root, tmp_path)
    assert result.returncode == 1
    message = (tmp_path / "output" / "message").read_text()
    assert message.startswith(f"Dataset {root} is invalid: 2 problem(s). labels/train/img_000.txt:1: 'x_center=1.4'")
    assert "labels/train/img_001.txt: has no image in images/train" in message
    assert "  - labels/train/img_001.txt: has no image" in result.stderr  # the full list goes to the log


def test_a_long_problem_list_still_fits_sagemakers_failure_reason():
    from yolo_pipeline.dataset import DatasetError, Problem

    error = DatasetError("Dataset /d is invalid: 500 problem(s).", [Problem(f"labels/train/{i}.txt:1", "bad value") for i in range(500)])
    assert len(str(error)) <= 1024
    assert str(error).endswith("more, see the log)")
    assert len(error.details().splitlines()) == 501


def test_image_suffixes_match_ultralytics(offline_ultralytics):
    from ultralytics.data.utils import IMG_FORMATS

    from yolo_pipeline.dataset import IMAGE_SUFFIXES

    assert IMAGE_SUFFIXES == IMG_FORMATS
