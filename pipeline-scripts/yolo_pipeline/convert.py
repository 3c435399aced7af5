"""Convert annotations to the pipeline's YOLO dataset layout (see dataset.py).

Two sources are read into one in-memory form (`SourceDataset`: images with pixel boxes, top-left origin)
and written by one writer:

- the design's annotation JSON: `{"images": [{"file_path", "width", "height", "annotations":
  [{"bbox": [x, y, w, h], "class_id", "class_name"}]}], "categories": [{"id", "name"}]}`;
- a SageMaker Ground Truth bounding-box output manifest (JSON Lines): `source-ref`, a label attribute
  `{"image_size": [{"width", "height", "depth"}], "annotations": [{"class_id", "left", "top", "width",
  "height"}]}` and `<label attribute>-metadata` with the `class-map`.

Image references (`file_path`, `source-ref`, often s3:// URIs) are looked up under a local images folder:
first by the S3 key or relative path, then by file name. Class ids are mapped to 0..n-1 in the order of
the source ids. Boxes that stick out of the image are clipped (counted as warnings); boxes without area
inside the image, unknown classes, sizes that disagree with the file and missing images are errors,
all reported together. The split is seeded and exact: the images are sorted by reference, shuffled with
`random.Random(seed)`, and the first round(n × test) go to test, the next round(n × val) to val.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from . import dataset
from .cli import PipelineError
from .dataset import DatasetError, Problem

LOGGER = logging.getLogger(__name__)

CONVERSION_REPORT = "conversion_report.json"
COORDINATE_DECIMALS = 6


@dataclass
class SourceBox:
    class_id: int  # the source's id (mapped to 0..n-1 when written)
    x: float  # pixels, top-left origin
    y: float
    width: float
    height: float


@dataclass
class SourceImage:
    reference: str  # as written in the source (file_path / source-ref)
    location: str  # where in the source, for messages
    path: Path  # the local file
    width: int
    height: int
    boxes: list[SourceBox] = field(default_factory=list)


@dataclass
class SourceDataset:
    format: str
    source: Path
    images: list[SourceImage]
    categories: dict[int, str]  # source class id → name
    warnings: list[Problem] = field(default_factory=list)


def resolve_image(reference: str, images_dir: Path) -> Path | None:
    """The local file for an image reference, or None."""
    parsed = urlparse(reference)
    if parsed.scheme == "s3":
        key = parsed.path.lstrip("/")
    elif parsed.scheme in ("", "file"):
        key = parsed.path if parsed.scheme == "file" else reference
        if Path(key).is_absolute() and Path(key).is_file():
            return Path(key)
        key = key.lstrip("/")
    else:
        key = parsed.path.lstrip("/")
    parts = Path(key).parts
    # s3://bucket/raw-images/a.jpg with images_dir = a local copy of raw-images/: try every suffix of the key.
    for start in range(len(parts)):
        candidate = images_dir.joinpath(*parts[start:])
        if candidate.is_file():
            return candidate
    return None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _check_size(image: SourceImage, problems: list[Problem]) -> None:
    try:
        actual = dataset.image_size(image.path)
    except Exception as e:  # noqa: BLE001 - PIL raises many types for damaged files
        problems.append(Problem(image.location, f"image {image.path} cannot be read ({type(e).__name__}: {e})."))
        return
    if actual != (image.width, image.height):
        problems.append(Problem(
            image.location,
            f"declares {image.width}x{image.height} px but {image.path.name} is {actual[0]}x{actual[1]} px; "
            "boxes would be normalized wrongly.",
        ))


def _locate_image(
    reference: str,
    where: str,
    width: object,
    height: object,
    images_dir: Path,
    seen: dict[Path, str],
    problems: list[Problem],
    size_hint: str,
) -> SourceImage | None:
    """The local image a record refers to, checked (sizes declared and real, found once), or None with the problem noted."""
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (width, height)):
        problems.append(Problem(where, size_hint))
        return None
    local = resolve_image(reference, images_dir)
    if local is None:
        problems.append(Problem(where, f"image not found under {images_dir} (looked for the S3 key / path and the file name)."))
        return None
    if local in seen:
        problems.append(Problem(where, f"refers to the same file as {seen[local]}."))
        return None
    seen[local] = where
    image = SourceImage(reference=reference, location=where, path=local, width=width, height=height)  # type: ignore[arg-type]
    _check_size(image, problems)
    return image


def _read_box(raw: dict, keys: tuple[str, str, str, str], location: str, problems: list[Problem]) -> tuple[float, ...] | None:
    values = [_number(raw.get(k)) for k in keys]
    if any(v is None for v in values):
        problems.append(Problem(location, f"box {raw} needs numbers for {', '.join(keys)}."))
        return None
    if values[2] <= 0 or values[3] <= 0:
        problems.append(Problem(location, f"'{keys[2]}={values[2]:g}', '{keys[3]}={values[3]:g}': box sizes must be > 0 pixels."))
        return None
    return tuple(values)


def read_annotation_json(path: Path | str, images_dir: Path | str) -> SourceDataset:
    """Read the design's annotation JSON; raises DatasetError listing every problem."""
    path, images_dir = Path(path), Path(images_dir)
    name = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DatasetError(f"Annotations {path} cannot be read: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("images"), list) or not isinstance(data.get("categories"), list):
        raise DatasetError(f"Annotations {path} are invalid: expected an object with 'images' and 'categories' lists.")

    problems: list[Problem] = []
    categories: dict[int, str] = {}
    for i, category in enumerate(data["categories"]):
        where = f"{name}: categories[{i}]"
        cid, cname = (category or {}).get("id"), (category or {}).get("name")
        if not isinstance(cid, int) or isinstance(cid, bool) or cid < 0 or not isinstance(cname, str) or not cname.strip():
            problems.append(Problem(where, f"{category} needs an integer 'id' >= 0 and a non-empty 'name'."))
        elif cid in categories:
            problems.append(Problem(where, f"id {cid} is used twice ('{categories[cid]}' and '{cname}')."))
        else:
            categories[cid] = cname.strip()
    if not categories and not problems:
        problems.append(Problem(f"{name}: categories", "is empty; at least one category is needed."))

    images: list[SourceImage] = []
    seen: dict[Path, str] = {}
    valid_ids = ", ".join(f"{k} ({v})" for k, v in sorted(categories.items()))
    for i, entry in enumerate(data["images"]):
        if not isinstance(entry, dict):
            problems.append(Problem(f"{name}: images[{i}]", "must be an object with file_path, width, height, annotations."))
            continue
        reference = entry.get("file_path")
        where = f"{name}: images[{i}]" + (f" ({reference})" if reference else "")
        width, height = entry.get("width"), entry.get("height")
        if not isinstance(reference, str) or not reference:
            problems.append(Problem(where, "needs a 'file_path'."))
            continue
        image = _locate_image(
            reference, where, width, height, images_dir, seen, problems,
            f"'width={width}', 'height={height}': image sizes must be integers > 0.",
        )
        if image is None:
            continue
        for j, annotation in enumerate(entry.get("annotations") or []):
            box_where = f"{where} annotations[{j}]"
            if not isinstance(annotation, dict):
                problems.append(Problem(box_where, "must be an object with bbox, class_id, class_name."))
                continue
            class_id = annotation.get("class_id")
            if class_id not in categories or isinstance(class_id, bool):
                problems.append(Problem(box_where, f"'class_id={class_id}' is an invalid value. Valid 'class_id' values are the category ids {valid_ids}."))
                continue
            class_name = annotation.get("class_name")
            if class_name is not None and class_name != categories[class_id]:
                problems.append(Problem(box_where, f"'class_name={class_name}' does not match category {class_id} ('{categories[class_id]}')."))
                continue
            bbox = annotation.get("bbox")
            if not isinstance(bbox, list) or len(bbox) != 4:
                problems.append(Problem(box_where, f"'bbox={bbox}' is an invalid value. Valid 'bbox' values are [x, y, width, height] in pixels."))
                continue
            values = _read_box(dict(zip(("x", "y", "width", "height"), bbox)), ("x", "y", "width", "height"), box_where, problems)
            if values:
                image.boxes.append(SourceBox(class_id, *values))
        images.append(image)
    if problems:
        raise DatasetError(f"Annotations {path} cannot be converted: {len(problems)} problem(s).", problems)
    return SourceDataset(format="annotation-json", source=path, images=images, categories=categories)


def _label_attributes(record: dict) -> list[str]:
    return [k for k, v in record.items() if f"{k}-metadata" in record and isinstance(v, dict) and "annotations" in v]


def read_ground_truth_manifest(path: Path | str, images_dir: Path | str, label_attribute: str | None = None) -> SourceDataset:
    """Read a Ground Truth bounding-box output manifest; raises DatasetError listing every problem."""
    path, images_dir = Path(path), Path(images_dir)
    name = path.name
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise DatasetError(f"Manifest {path} cannot be read: {e}") from None

    problems: list[Problem] = []
    warnings: list[Problem] = []
    records: list[tuple[str, dict]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(Problem(where, f"is not valid JSON ({e.msg})."))
            continue
        if not isinstance(record, dict):
            problems.append(Problem(where, "must be a JSON object."))
            continue
        records.append((where, record))

    if label_attribute is None:
        found = sorted({a for _, r in records for a in _label_attributes(r)})
        if len(found) != 1:
            raise DatasetError(
                f"Manifest {path}: cannot tell the label attribute ({'found ' + ', '.join(found) if found else 'no line has one'}); "
                "pass --label-attribute (the labeling job's LabelAttributeName)."
            )
        label_attribute = found[0]
        LOGGER.info("Label attribute: %s", label_attribute)

    categories: dict[int, str] = {}
    images: list[SourceImage] = []
    seen: dict[Path, str] = {}
    for line_location, record in records:
        reference = record.get("source-ref")
        where = f"{line_location} ({reference})" if reference else line_location
        metadata = record.get(f"{label_attribute}-metadata") or {}
        label = record.get(label_attribute)
        if label is None:
            if "failure-reason" in metadata:
                warnings.append(Problem(where, f"skipped: labeling failed ({metadata['failure-reason']})."))
            else:
                problems.append(Problem(where, f"has no '{label_attribute}' label."))
            continue
        if not isinstance(reference, str) or not reference:
            problems.append(Problem(where, "needs a 'source-ref'."))
            continue
        for key, value in (metadata.get("class-map") or {}).items():
            try:
                cid = int(key)
            except ValueError:
                problems.append(Problem(where, f"class-map key {key!r} is not an integer."))
                continue
            if categories.setdefault(cid, str(value)) != str(value):
                problems.append(Problem(where, f"class-map maps {cid} to '{value}' but an earlier line maps it to '{categories[cid]}'."))
        sizes = label.get("image_size") or [{}]
        width, height = sizes[0].get("width"), sizes[0].get("height")
        image = _locate_image(
            reference, where, width, height, images_dir, seen, problems,
            f"'image_size' {sizes} needs integer width and height > 0.",
        )
        if image is None:
            continue
        for j, annotation in enumerate(label.get("annotations") or []):
            box_where = f"{where} annotations[{j}]"
            if not isinstance(annotation, dict):
                problems.append(Problem(box_where, "must be an object with class_id, left, top, width, height."))
                continue
            class_id = annotation.get("class_id")
            if not isinstance(class_id, int) or isinstance(class_id, bool):
                problems.append(Problem(box_where, f"'class_id={class_id}' is an invalid value. Valid 'class_id' values are integers in the class-map."))
                continue
            values = _read_box(annotation, ("left", "top", "width", "height"), box_where, problems)
            if values:
                image.boxes.append(SourceBox(class_id, *values))
        images.append(image)

    known = ", ".join(f"{k} ({v})" for k, v in sorted(categories.items())) or "none"
    for image in images:
        for j, box in enumerate(image.boxes):
            if box.class_id not in categories:
                problems.append(Problem(f"{image.location} annotations[{j}]",
                                        f"'class_id={box.class_id}' is an invalid value. Valid 'class_id' values are the class-map ids {known}."))
    if problems:
        raise DatasetError(f"Manifest {path} cannot be converted: {len(problems)} problem(s).", problems)
    if not categories:
        raise DatasetError(f"Manifest {path} has no class-map in any '{label_attribute}-metadata'.")
    return SourceDataset(format="ground-truth-manifest", source=path, images=images, categories=categories, warnings=warnings)


def split_assignments(count: int, val_fraction: float, test_fraction: float, seed: int) -> list[str]:
    """Split names for `count` items (in sorted order): seeded shuffle, exact counts."""
    if val_fraction < 0 or test_fraction < 0 or val_fraction + test_fraction >= 1:
        raise PipelineError(
            f"'val-fraction={val_fraction}', 'test-fraction={test_fraction}' are invalid. Valid fractions are >= 0 with a sum below 1."
        )
    n_test = round(count * test_fraction)
    n_val = round(count * val_fraction)
    # Tiny datasets still get one image where a fraction was asked for, as long as train keeps one.
    if val_fraction > 0 and n_val == 0 and count - n_test >= 2:
        n_val = 1
    if test_fraction > 0 and n_test == 0 and count - n_val >= 2:
        n_test = 1
    order = list(range(count))
    random.Random(seed).shuffle(order)
    names = ["train"] * count
    for position, index in enumerate(order):
        if position < n_test:
            names[index] = "test"
        elif position < n_test + n_val:
            names[index] = "val"
    return names


def yolo_box(box: SourceBox, width: int, height: int) -> tuple[tuple[float, float, float, float], bool] | None:
    """((x_center, y_center, w, h) normalized, clipped?) for a pixel box, or None if nothing is inside the image."""
    x0, y0 = max(0.0, box.x), max(0.0, box.y)
    x1, y1 = min(float(width), box.x + box.width), min(float(height), box.y + box.height)
    if x1 <= x0 or y1 <= y0:
        return None
    clipped = (x0, y0, x1, y1) != (box.x, box.y, box.x + box.width, box.y + box.height)
    return ((x0 + x1) / 2 / width, (y0 + y1) / 2 / height, (x1 - x0) / width, (y1 - y0) / height), clipped


def _output_name(image: SourceImage, taken: set[str]) -> str:
    name = image.path.name
    if name in taken:  # drone cameras reuse names (DJI_0001.JPG) across flights
        digest = hashlib.sha1(image.reference.encode()).hexdigest()[:8]
        name = f"{image.path.stem}_{digest}{image.path.suffix}"
    taken.add(name)
    return name


def write_yolo_dataset(
    source: SourceDataset, output_dir: Path | str, val_fraction: float = 0.2, test_fraction: float = 0.1, seed: int = 0
) -> dict:
    """Write `source` as a YOLO dataset root; returns the conversion report (also saved as conversion_report.json)."""
    output_dir = Path(output_dir)
    if output_dir.exists() and any(output_dir.iterdir()):
        raise PipelineError(f"Output directory {output_dir} is not empty; choose a new folder (the converter never mixes datasets).")
    if not source.images:
        raise DatasetError(f"{source.source} has no usable images.")

    class_ids = sorted(source.categories)
    index_of = {cid: i for i, cid in enumerate(class_ids)}
    names = [source.categories[cid] for cid in class_ids]
    images = sorted(source.images, key=lambda im: im.reference)
    splits = split_assignments(len(images), val_fraction, test_fraction, seed)
    for required in dataset.REQUIRED_SPLITS:
        if required not in splits:
            raise PipelineError(
                f"With {len(images)} image(s), val-fraction={val_fraction:g} and test-fraction={test_fraction:g} the "
                f"'{required}' split would be empty; training needs images in both train and val."
            )

    problems: list[Problem] = []
    warnings = list(source.warnings)
    taken: set[str] = set()
    planned = []
    for image, split in zip(images, splits):
        lines = []
        for j, box in enumerate(image.boxes):
            converted = yolo_box(box, image.width, image.height)
            if converted is None:
                problems.append(Problem(f"{image.location} annotations[{j}]",
                                        f"box x={box.x:g} y={box.y:g} w={box.width:g} h={box.height:g} lies outside the {image.width}x{image.height} image."))
                continue
            (cx, cy, w, h), clipped = converted
            if clipped:
                warnings.append(Problem(f"{image.location} annotations[{j}]", "box reaches outside the image; clipped to it."))
            d = COORDINATE_DECIMALS
            lines.append(f"{index_of[box.class_id]} {cx:.{d}f} {cy:.{d}f} {w:.{d}f} {h:.{d}f}")
        planned.append((image, split, _output_name(image, taken), lines))
    if problems:
        raise DatasetError(f"{source.source} cannot be converted: {len(problems)} problem(s).", problems)

    for image, split, name, lines in planned:
        image_target = output_dir / "images" / split / name
        image_target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(image.path, image_target)
        label_target = dataset.label_path(image_target)
        label_target.parent.mkdir(parents=True, exist_ok=True)
        label_target.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    declared = [s for s in dataset.SPLITS if s in ("train", "val") or s in splits]
    dataset.write_data_yaml(output_dir, names, splits=declared)

    validation = dataset.validate_dataset(output_dir)
    for split in declared:
        stats = validation.splits.get(split)
        if stats and split != "train":
            for name, count in zip(names, stats.instances_per_class):
                if count == 0:
                    warnings.append(Problem(f"images/{split}", f"has no '{name}' boxes; its metrics for that class will be missing."))
    report = {
        "format": source.format,
        "source": str(source.source),
        "output": str(output_dir),
        "images": len(images),
        "boxes": sum(len(lines) for *_, lines in planned),
        "class_names": names,
        "class_id_map": {str(cid): index_of[cid] for cid in class_ids},
        "seed": seed,
        "val_fraction": val_fraction,
        "test_fraction": test_fraction,
        "splits": {name: {"images": s.images, "instances": s.instances} for name, s in validation.splits.items()},
        "warnings": [str(w) for w in warnings],
        "validation": validation.to_dict(),
    }
    (output_dir / CONVERSION_REPORT).write_text(json.dumps(report, indent=2), encoding="utf-8")
    validation.raise_for_errors()  # a converter bug, not a user error: fail loudly rather than ship it
    return report
