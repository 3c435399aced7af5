"""profile_images.py: report fields against the synthetic truth, recommendations, PNG plots."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from PIL import Image, ImageFilter

from conftest import SCRIPTS, base_env

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PLOTS = ["box_centers.png", "box_sizes.png", "class_balance.png", "image_quality.png", "resolution.png"]


@pytest.fixture(scope="module")
def report(dataset):
    import profile_images

    return profile_images.profile_dataset(dataset.root, image_size=64)


def test_the_report_counts_images_classes_and_boxes_exactly(report, dataset):
    images = [image for split in dataset.splits.values() for image in split]
    assert report["kind"] == "yolo-dataset"
    assert report["images"]["total"] == report["images"]["profiled"] == len(images) == 40
    assert report["images"]["per_split"] == {"test": 8, "train": 24, "val": 8}
    assert report["images"]["unreadable"] == []
    assert report["file"]["formats"] == {"JPEG": 32, "PNG": 8}
    assert [c["name"] for c in report["classes"]] == ["vehicle", "person", "building"]
    for c in report["classes"]:
        truth = [box for image in images for box in image.boxes if box[0] == c["class_id"]]
        assert c["instances"] == len(truth)
        assert c["images"] == sum(1 for image in images if any(box[0] == c["class_id"] for box in image.boxes))
        assert c["box_width_px"]["min"] == pytest.approx(min(box[3] for box in truth), abs=1e-3)
        assert c["box_height_px"]["max"] == pytest.approx(max(box[4] for box in truth), abs=1e-3)
    shorter_at_64 = [min(w, h) * 64 / max(image.width, image.height) for image in images for _, _, _, w, h in image.boxes]
    assert report["boxes"]["total"] == len(shorter_at_64)
    assert report["boxes"]["shorter_side_px_at_image_size"]["min"] == pytest.approx(min(shorter_at_64), abs=1e-3)
    assert report["boxes"]["small_at_image_size"] == sum(s < 10 for s in shorter_at_64)
    assert report["boxes"]["background_images"] == sum(1 for image in images if not image.boxes)
    assert report["resolution"]["most_common"][0] == {"width": 96, "height": 72, "count": 14}


def test_every_image_gets_quality_measurements(report):
    for entry in report["per_image"]:
        assert set(entry) >= {"file", "split", "format", "width", "height", "aspect_ratio", "file_size_bytes",
                              "brightness", "contrast", "sharpness", "color_diversity"}
        assert 0 <= entry["brightness"] <= 255 and entry["contrast"] >= 0 and entry["sharpness"] > 0
        assert 0 < entry["color_diversity"] <= 12
    assert report["quality"]["brightness"]["count"] == 40


def test_sharpness_drops_when_an_image_is_blurred(dataset, tmp_path):
    import profile_images

    sharp = dataset.root / "images" / "train" / "img_000.jpg"
    blurred = tmp_path / "blurred.png"
    Image.open(sharp).filter(ImageFilter.GaussianBlur(3)).save(blurred)
    assert profile_images.profile_image(blurred)["sharpness"] < profile_images.profile_image(sharp)["sharpness"] / 10


def test_small_objects_lead_to_a_larger_training_size(dataset):
    import profile_images

    report = profile_images.profile_dataset(dataset.root, image_size=32)  # halves every box
    advice = {item["topic"]: item for item in report["recommendations"]}
    assert advice["small_objects"]["severity"] == "warning"
    assert advice["small_objects"]["message"].endswith("Train at --image-size 64.")


def test_class_imbalance_and_empty_classes_are_called_out(report):
    import profile_images

    skewed = json.loads(json.dumps(report))
    skewed["classes"][0]["instances"], skewed["classes"][1]["instances"], skewed["classes"][2]["instances"] = 500, 20, 0
    advice = {item["topic"]: item["message"] for item in profile_images.recommendations(skewed)}
    assert advice["class_imbalance"].startswith("Class imbalance 25:1 — 'vehicle' has 500 boxes, 'person' 20.")
    assert advice["empty_class"] == "Class 'building' has no boxes: label it or remove it from data.yaml names."


def test_the_cli_writes_the_json_report_and_png_plots(dataset, tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / "profile_images.py"), "--data-dir", str(dataset.root), "--output-dir", "profile",
         "--image-size", "64", "--sample-size", "10"],
        cwd=tmp_path, env=base_env(), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "profile"
    assert sorted(p.name for p in out.glob("*.png")) == PLOTS
    for name in PLOTS:
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000, name
        assert min(Image.open(out / name).size) >= 250, name
    saved = json.loads((out / "profile.json").read_text())
    assert (saved["images"]["total"], saved["images"]["profiled"]) == (40, 10)
    assert saved["boxes"]["total"] == sum(len(i.boxes) for split in dataset.splits.values() for i in split)  # labels: all
    assert "[few_instances]" in result.stderr


def test_a_plain_folder_of_images_is_profiled_without_class_statistics(dataset, tmp_path):
    import profile_images

    report = profile_images.profile_dataset(dataset.root / "images" / "val")
    assert report["kind"] == "image-folder"
    assert report["images"]["total"] == 8
    assert "classes" not in report and "boxes" not in report
    assert len(profile_images.plot_report(report, tmp_path)) == 2  # quality and resolution only
