"""Tiny synthetic drone-like detection data with exactly known boxes.

Each class is a distinct shape and colour on a noisy background, so a YOLO model can start learning it
in a couple of epochs, and every box is known in pixels (top-left x, y, width, height) for numeric
checks of the converters.
"""

from __future__ import annotations

import json
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from PIL import Image, ImageDraw

CLASS_NAMES = ("vehicle", "person", "building")
SIZES = ((96, 72), (80, 80), (88, 64))  # (width, height): mixed resolutions and aspect ratios
COLORS = {0: (220, 40, 40), 1: (40, 80, 230), 2: (235, 235, 235)}


@dataclass
class SyntheticImage:
    name: str  # file name, e.g. img_003.jpg
    width: int
    height: int
    boxes: list[tuple[int, int, int, int, int]] = field(default_factory=list)  # (class_id, x, y, w, h) px

    @property
    def stem(self) -> str:
        return Path(self.name).stem

    def yolo_lines(self) -> list[tuple[int, float, float, float, float]]:
        """The boxes in YOLO form, computed independently of the code under test."""
        return [
            (c, (x + w / 2) / self.width, (y + h / 2) / self.height, w / self.width, h / self.height)
            for c, x, y, w, h in self.boxes
        ]


def _draw(image: SyntheticImage, rng: np.random.Generator) -> Image.Image:
    base = rng.integers(40, 120, size=3)
    noise = rng.normal(0, 12, size=(image.height, image.width, 3))
    pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
    canvas = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(canvas)
    for class_id, x, y, w, h in image.boxes:
        corners = (x, y, x + w - 1, y + h - 1)  # PIL includes the end pixel
        if class_id == 1:
            draw.ellipse(corners, fill=COLORS[class_id])
        elif class_id == 2:
            draw.rectangle(corners, fill=COLORS[class_id], outline=(30, 30, 30), width=2)
        else:
            draw.rectangle(corners, fill=COLORS[class_id])
    return canvas


def make_images(count: int, seed: int, prefix: str = "img", first_index: int = 0) -> list[SyntheticImage]:
    """`count` images with 1–3 non-overlapping boxes each (every 7th image is background, no boxes)."""
    rng = random.Random(seed)
    images = []
    for i in range(first_index, first_index + count):
        width, height = SIZES[i % len(SIZES)]
        suffix = ".png" if i % 5 == 4 else ".jpg"
        image = SyntheticImage(name=f"{prefix}_{i:03d}{suffix}", width=width, height=height)
        if i % 7 != 6:
            for _ in range(rng.randint(1, 3)):
                for _attempt in range(20):
                    w, h = rng.randint(14, 34), rng.randint(14, 30)
                    x, y = rng.randint(0, width - w), rng.randint(0, height - h)
                    overlaps = any(
                        x < bx + bw and bx < x + w and y < by + bh and by < y + h for _, bx, by, bw, bh in image.boxes
                    )
                    if not overlaps:
                        image.boxes.append((rng.randrange(len(CLASS_NAMES)), x, y, w, h))
                        break
        images.append(image)
    return images


def write_image(image: SyntheticImage, folder: Path, seed: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / image.name
    picture = _draw(image, np.random.default_rng(seed))
    if path.suffix == ".png":
        picture.save(path)
    else:
        picture.save(path, quality=95)
    return path


def write_yolo_dataset(
    root: Path, counts: dict[str, int] | None = None, seed: int = 0, declare_test: bool = True
) -> dict[str, list[SyntheticImage]]:
    """A dataset root in the pipeline's layout; returns the images per split."""
    counts = counts or {"train": 24, "val": 8, "test": 8}
    splits: dict[str, list[SyntheticImage]] = {}
    index = 0
    for split, count in counts.items():
        images = make_images(count, seed=seed + index, first_index=index)
        index += count
        for image in images:
            write_image(image, root / "images" / split, seed=seed + zlib.crc32(image.name.encode()))
            label = root / "labels" / split / f"{image.stem}.txt"
            label.parent.mkdir(parents=True, exist_ok=True)
            label.write_text("".join(f"{c} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}\n" for c, cx, cy, w, h in image.yolo_lines()))
        splits[split] = images
    content = {"path": "/somewhere/else/on/a/laptop", "train": "images/train", "val": "images/val"}
    if declare_test:
        content["test"] = "images/test"
    content["names"] = dict(enumerate(CLASS_NAMES))
    (root / "data.yaml").write_text(yaml.safe_dump(content, sort_keys=False))
    return splits


def write_raw_images(folder: Path, images: list[SyntheticImage], seed: int = 0) -> None:
    for image in images:
        write_image(image, folder, seed=seed + zlib.crc32(image.name.encode()))


def annotation_json(images: list[SyntheticImage], uri_prefix: str = "s3://drone-bucket/raw-images/") -> dict:
    """The design's annotation format (bbox = [x, y, width, height] in pixels, top-left origin)."""
    return {
        "images": [
            {
                "id": image.stem,
                "file_path": f"{uri_prefix}{image.name}",
                "width": image.width,
                "height": image.height,
                "annotations": [
                    {"bbox": [x, y, w, h], "class_id": c, "class_name": CLASS_NAMES[c]} for c, x, y, w, h in image.boxes
                ],
            }
            for image in images
        ],
        "categories": [{"id": i, "name": name} for i, name in enumerate(CLASS_NAMES)],
    }


def ground_truth_manifest(
    images: list[SyntheticImage], label_attribute: str = "drone-boxes", uri_prefix: str = "s3://drone-bucket/raw-images/",
    class_map: str = "all",
) -> str:
    """A SageMaker Ground Truth bounding-box output manifest (JSON Lines).

    class_map "all" lists every class on every line; "used" only those of the line's boxes (an image without
    boxes gets an empty map), as Ground Truth itself writes it.
    """
    lines = []
    for image in images:
        used = {c for c, *_ in image.boxes}
        classes = {str(i): name for i, name in enumerate(CLASS_NAMES) if class_map == "all" or i in used}
        record = {
            "source-ref": f"{uri_prefix}{image.name}",
            label_attribute: {
                "image_size": [{"width": image.width, "height": image.height, "depth": 3}],
                "annotations": [
                    {"class_id": c, "left": x, "top": y, "width": w, "height": h} for c, x, y, w, h in image.boxes
                ],
            },
            f"{label_attribute}-metadata": {
                "objects": [{"confidence": 0.9} for _ in image.boxes],
                "class-map": classes,
                "type": "groundtruth/object-detection",
                "human-annotated": "yes",
                "creation-date": "2025-01-01T00:00:00.000000",
                "job-name": f"labeling-job/{label_attribute}",
            },
        }
        lines.append(json.dumps(record))
    return "\n".join(lines) + "\n"


def read_labels(root: Path) -> dict[str, list[tuple]]:
    """{image file name: [(class, cx, cy, w, h)]} over all splits of a written dataset root."""
    labels = {}
    for label in (root / "labels").rglob("*.txt"):
        split = label.parent.name
        image = next((root / "images" / split).glob(f"{label.stem}.*"))
        labels[image.name] = [tuple(float(v) if i else int(v) for i, v in enumerate(line.split()))
                              for line in label.read_text().splitlines()]
    return labels


def assert_boxes_match(labels: dict[str, list[tuple]], images: list[SyntheticImage]) -> None:
    """The written labels are exactly the images' boxes (6 decimals)."""
    import pytest

    assert sorted(labels) == sorted(image.name for image in images)
    for image in images:
        got, expected = labels[image.name], image.yolo_lines()
        assert len(got) == len(expected), image.name
        for g, e in zip(got, expected):
            assert g[0] == e[0], image.name
            assert g[1:] == pytest.approx(e[1:], abs=1e-6), image.name
