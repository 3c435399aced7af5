"""Convert annotations to the pipeline's YOLO dataset layout (see dataset.py).

Two sources are read into one in-memory form (`SourceDataset`: images with pixel boxes, top-left origin)
and written by one writer:

- the design's annotation JSON: `{"images": [{"file_path", "width", "height", "annotations":
  [{"bbox": [x, y, w, h], "class_id", "class_name"}]}], "categories": [{"id", "name"}]}`;
- a SageMaker Ground Truth bounding-box output manifest (JSON Lines): `source-ref`, a label attribute
  `{"image_size": [{"width", "height", "depth"}], "annotations": [{"class_id", "left", "top", "width",
  "height"}]}` and `<label attribute>-metadata` with the `class-map` (Ground Truth lists there the
  classes of that line's boxes; the class list is the union over all lines).

Image references (`file_path`, `source-ref`, often s3:// URIs) are looked up under a local images folder:
first by the S3 key or relative path, then by file name. Given a class list (the stack's `labelClasses`,
`use_class_list`), YOLO ids follow that list by class name, so that an id means the same class in every
dataset of the stack whichever classes a source happens to use; a source class outside the list is a
problem. Without one, class ids are mapped to 0..n-1 in the order of the source ids.

The readers collect every problem of the source with its kind (`SourceDataset.problems`: unknown classes,
sizes that disagree with the file, missing or unreadable images, malformed records …) and keep only what
is usable; `raise_for_problems()` turns them into one DatasetError for callers that must stop. Only a
source file that cannot be read at all raises at once. Writing never fails on the data: boxes that stick
out of the image are clipped and boxes without area inside it are dropped (both counted as warnings).

The split is seeded and exact: the images are sorted by reference, images with identical content are
grouped (so a copy cannot land in another split and leak into val/test), the groups are shuffled with
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
from typing import Mapping, Sequence
from urllib.parse import urlparse

from . import dataset
from .cli import PipelineError
from .dataset import DatasetError, Problem
from .s3fetch import FetchedImages

LOGGER = logging.getLogger(__name__)

CONVERSION_REPORT = "conversion_report.json"
COORDINATE_DECIMALS = 6

ANNOTATIONS_JSON = "annotations-json"
GROUND_TRUTH = "groundtruth"
YOLO = "yolo"
FORMATS = (ANNOTATIONS_JSON, GROUND_TRUTH, YOLO)
GROUND_TRUTH_OUTPUT_MANIFEST = ("manifests", "output", "output.manifest")  # where a labeling job writes it


@dataclass
class SourceBox:
    class_id: int  # the source's id (mapped to 0..n-1 when written)
    x: float  # pixels, top-left origin
    y: float
    width: float
    height: float
    index: int | None = None  # position in the record's annotations, for messages

    def where(self, image: "SourceImage", position: int) -> str:
        return f"{image.location} annotations[{position if self.index is None else self.index}]"


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
    images: list[SourceImage]  # the usable ones
    categories: dict[int, str]  # source class id → name
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    records: int = 0  # image records in the source, usable or not
    boxes: int = 0  # boxes in those records
    skipped: int = 0  # records left out on purpose (Ground Truth lines whose labeling failed)
    label_attribute: str | None = None
    class_names: list[str] | None = None  # the list YOLO ids follow by name (use_class_list); None: the source's ids in order

    def raise_for_problems(self) -> None:
        if self.problems:
            noun = "Annotations" if self.format == ANNOTATIONS_JSON else "Manifest"
            raise DatasetError(f"{noun} {self.source} cannot be converted: {len(self.problems)} problem(s).", self.problems)


def resolve_image(reference: str, images_dir: Path | Sequence[Path]) -> Path | None:
    """The local file for an image reference, or None; several folders are searched in order."""
    if not isinstance(images_dir, Path):
        return next((found for folder in images_dir if (found := resolve_image(reference, folder)) is not None), None)
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


def _check_size(image: SourceImage, problems: list[Problem]) -> bool:
    """Whether the file decodes and has the declared size; notes the problem otherwise."""
    try:
        actual = dataset.image_size(image.path)
    except Exception as e:  # noqa: BLE001 - PIL raises many types for damaged files
        problems.append(Problem(image.location, f"image {image.path} cannot be read ({type(e).__name__}: {e}).", "unreadable_image"))
        return False
    if actual != (image.width, image.height):
        problems.append(Problem(
            image.location,
            f"declares {image.width}x{image.height} px but {image.path.name} is {actual[0]}x{actual[1]} px; "
            "boxes would be normalized wrongly.",
            "image_size_mismatch",
        ))
        return False
    return True


def _locate_image(
    reference: str,
    where: str,
    width: object,
    height: object,
    images_dir: Path | Sequence[Path],
    seen: dict[Path, str],
    problems: list[Problem],
    size_hint: str,
    unavailable: Mapping[str, tuple[str, str]] | None = None,
) -> SourceImage | None:
    """The local image a record refers to, checked (sizes declared and real, found once), or None with the problem noted."""
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (width, height)):
        problems.append(Problem(where, size_hint, "invalid_record"))
        return None
    local = resolve_image(reference, images_dir)
    if local is None and unavailable and reference in unavailable:
        kind, message = unavailable[reference]
        problems.append(Problem(where, f"image {message}", kind))
        return None
    if local is None:
        problems.append(Problem(where, f"image not found under {images_dir} (looked for the S3 key / path and the file name).",
                                "missing_image"))
        return None
    if local in seen:
        problems.append(Problem(where, f"refers to the same file as {seen[local]}.", "duplicate_reference"))
        return None
    seen[local] = where
    image = SourceImage(reference=reference, location=where, path=local, width=width, height=height)  # type: ignore[arg-type]
    return image if _check_size(image, problems) else None


def _read_box(raw: dict, keys: tuple[str, str, str, str], location: str, problems: list[Problem]) -> tuple[float, ...] | None:
    values = [_number(raw.get(k)) for k in keys]
    if any(v is None for v in values):
        problems.append(Problem(location, f"box {raw} needs numbers for {', '.join(keys)}.", "invalid_box"))
        return None
    if values[2] <= 0 or values[3] <= 0:
        problems.append(Problem(location, f"'{keys[2]}={values[2]:g}', '{keys[3]}={values[3]:g}': box sizes must be > 0 pixels.",
                                "invalid_box"))
        return None
    return tuple(values)


def _without_boxes(where: str, what: str) -> Problem:
    return Problem(where, f"has no boxes ({what}); kept as a background image.", "images_without_boxes")


def read_annotation_json(path: Path | str, images_dir: Path | str) -> SourceDataset:
    """Read the design's annotation JSON, collecting every problem; raises DatasetError only for an unreadable file."""
    path, images_dir = Path(path), Path(images_dir)
    name = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DatasetError(f"Annotations {path} cannot be read: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("images"), list) or not isinstance(data.get("categories"), list):
        raise DatasetError(f"Annotations {path} are invalid: expected an object with 'images' and 'categories' lists.")

    result = SourceDataset(format=ANNOTATIONS_JSON, source=path, images=[], categories={})
    problems, categories = result.problems, result.categories
    for i, category in enumerate(data["categories"]):
        where = f"{name}: categories[{i}]"
        cid, cname = (category.get("id"), category.get("name")) if isinstance(category, dict) else (None, None)
        if not isinstance(cid, int) or isinstance(cid, bool) or cid < 0 or not isinstance(cname, str) or not cname.strip():
            problems.append(Problem(where, f"{category} needs an integer 'id' >= 0 and a non-empty 'name'.", "inconsistent_classes"))
        elif cid in categories:
            problems.append(Problem(where, f"id {cid} is used twice ('{categories[cid]}' and '{cname}').", "inconsistent_classes"))
        elif cname.strip() in categories.values():
            problems.append(Problem(where, f"name '{cname.strip()}' is used by two ids; class names must be unique.",
                                    "inconsistent_classes"))
        else:
            categories[cid] = cname.strip()
    if not categories and not problems:
        problems.append(Problem(f"{name}: categories", "is empty; at least one category is needed.", "inconsistent_classes"))

    seen: dict[Path, str] = {}
    valid_ids = ", ".join(f"{k} ({v})" for k, v in sorted(categories.items()))
    for i, entry in enumerate(data["images"]):
        result.records += 1
        if not isinstance(entry, dict):
            problems.append(Problem(f"{name}: images[{i}]", "must be an object with file_path, width, height, annotations.",
                                    "invalid_record"))
            continue
        reference = entry.get("file_path")
        where = f"{name}: images[{i}]" + (f" ({reference})" if isinstance(reference, str) and reference else "")
        annotations = entry.get("annotations") or []
        if not isinstance(annotations, list):
            problems.append(Problem(where, f"'annotations' must be a list, not {type(annotations).__name__}.", "invalid_record"))
            continue
        result.boxes += len(annotations)
        width, height = entry.get("width"), entry.get("height")
        if not isinstance(reference, str) or not reference:
            problems.append(Problem(where, "needs a 'file_path'.", "invalid_record"))
            continue
        image = _locate_image(
            reference, where, width, height, images_dir, seen, problems,
            f"'width={width}', 'height={height}': image sizes must be integers > 0.",
        )
        if image is None:
            continue
        for j, annotation in enumerate(annotations):
            box_where = f"{where} annotations[{j}]"
            if not isinstance(annotation, dict):
                problems.append(Problem(box_where, "must be an object with bbox, class_id, class_name.", "invalid_box"))
                continue
            class_id = annotation.get("class_id")
            if class_id not in categories or isinstance(class_id, bool):
                problems.append(Problem(box_where, f"'class_id={class_id}' is an invalid value. Valid 'class_id' values are the category ids {valid_ids}.",
                                        "unknown_class_id"))
                continue
            class_name = annotation.get("class_name")
            if class_name is not None and class_name != categories[class_id]:
                problems.append(Problem(box_where, f"'class_name={class_name}' does not match category {class_id} ('{categories[class_id]}').",
                                        "inconsistent_classes"))
                continue
            bbox = annotation.get("bbox")
            if not isinstance(bbox, list) or len(bbox) != 4:
                problems.append(Problem(box_where, f"'bbox={bbox}' is an invalid value. Valid 'bbox' values are [x, y, width, height] in pixels.",
                                        "invalid_box"))
                continue
            values = _read_box(dict(zip(("x", "y", "width", "height"), bbox)), ("x", "y", "width", "height"), box_where, problems)
            if values:
                image.boxes.append(SourceBox(class_id, *values, index=j))
        if not annotations:
            result.warnings.append(_without_boxes(where, "'annotations' is empty"))
        result.images.append(image)
    return result


def _label_attributes(record: dict) -> list[str]:
    return [k for k, v in record.items() if f"{k}-metadata" in record and isinstance(v, dict) and "annotations" in v]


def read_ground_truth_manifest(path: Path | str, images_dir: Path | str, label_attribute: str | None = None,
                               fetched: FetchedImages | None = None) -> SourceDataset:
    """Read a Ground Truth bounding-box output manifest, collecting every problem.

    `fetched` adds the images s3fetch downloaded (searched after `images_dir`) and says why the others are
    unavailable, so that each gets its own problem kind instead of `missing_image`.

    Raises DatasetError only when the file cannot be read, or the label attribute cannot be told or is in no line.
    """
    path, images_dir = Path(path), Path(images_dir)
    search = [images_dir, fetched.folder] if fetched else images_dir
    name = path.name
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise DatasetError(f"Manifest {path} cannot be read: {e}") from None

    problems: list[Problem] = []
    records: list[tuple[str, dict]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(Problem(where, f"is not valid JSON ({e.msg}).", "invalid_record"))
            continue
        if not isinstance(record, dict):
            problems.append(Problem(where, "must be a JSON object.", "invalid_record"))
            continue
        records.append((where, record))

    found = sorted({a for _, r in records for a in _label_attributes(r)})
    if label_attribute is None:
        if len(found) != 1:
            # The file's name, not its path: this message is quoted in the Fail step's, where the advice must fit.
            raise DatasetError(
                f"Manifest {name}: no line has a bounding-box label attribute (a label with 'annotations' and its '-metadata')."
                if not found else
                f"Manifest {name}: cannot tell which label attribute to read; set the pipeline parameter LabelAttribute "
                f"(prepare.py --label-attribute) to one of {', '.join(found)}."
            )
        label_attribute = found[0]
        LOGGER.info("Label attribute: %s", label_attribute)
    elif records and not any(label_attribute in r or f"{label_attribute}-metadata" in r for _, r in records):
        # One named problem rather than one 'has no label' per line: the name is wrong, not every line.
        raise DatasetError(
            f"Manifest {name}: no line has the label attribute '{label_attribute}'; "
            f"{'its bounding-box label attributes are ' + ', '.join(found) if found else 'no line has a bounding-box label attribute'}."
        )

    result = SourceDataset(format=GROUND_TRUTH, source=path, images=[], categories={}, problems=problems,
                           label_attribute=label_attribute)
    categories, warnings = result.categories, result.warnings
    seen: dict[Path, str] = {}
    for line_location, record in records:
        reference = record.get("source-ref")
        where = f"{line_location} ({reference})" if isinstance(reference, str) and reference else line_location
        metadata = record.get(f"{label_attribute}-metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        label = record.get(label_attribute)
        if label is None:
            if "failure-reason" in metadata:
                result.skipped += 1
                warnings.append(Problem(where, f"skipped: labeling failed ({metadata['failure-reason']}).", "labeling_failed"))
            else:
                result.records += 1
                problems.append(Problem(where, f"has no '{label_attribute}' label.", "invalid_record"))
            continue
        result.records += 1
        annotations = label.get("annotations") if isinstance(label, dict) else None
        if not isinstance(annotations, list):
            problems.append(Problem(where, f"'{label_attribute}' is not a bounding-box label (an object with 'image_size' and an "
                                           "'annotations' list).", "invalid_record"))
            continue
        result.boxes += len(annotations)
        if not isinstance(reference, str) or not reference:
            problems.append(Problem(where, "needs a 'source-ref'.", "invalid_record"))
            continue
        class_map = metadata.get("class-map") or {}
        if not isinstance(class_map, dict):
            problems.append(Problem(where, f"'class-map' must be an object {{\"0\": \"name\", …}}, not {class_map!r}.", "inconsistent_classes"))
            class_map = {}
        for key, value in class_map.items():
            try:
                cid = int(key)
            except ValueError:
                problems.append(Problem(where, f"class-map key {key!r} is not an integer.", "inconsistent_classes"))
                continue
            if categories.setdefault(cid, str(value)) != str(value):
                problems.append(Problem(where, f"class-map maps {cid} to '{value}' but an earlier line maps it to '{categories[cid]}'.",
                                        "inconsistent_classes"))
        sizes = label.get("image_size")
        size = sizes[0] if isinstance(sizes, list) and sizes and isinstance(sizes[0], dict) else {}
        image = _locate_image(
            reference, where, size.get("width"), size.get("height"), search, seen, problems,
            f"'image_size' {sizes} needs integer width and height > 0.",
            fetched.unavailable if fetched else None,
        )
        if image is None:
            continue
        for j, annotation in enumerate(annotations):
            box_where = f"{where} annotations[{j}]"
            if not isinstance(annotation, dict):
                problems.append(Problem(box_where, "must be an object with class_id, left, top, width, height.", "invalid_box"))
                continue
            class_id = annotation.get("class_id")
            if not isinstance(class_id, int) or isinstance(class_id, bool):
                problems.append(Problem(box_where, f"'class_id={class_id}' is an invalid value. Valid 'class_id' values are integers in the class-map.",
                                        "unknown_class_id"))
                continue
            values = _read_box(annotation, ("left", "top", "width", "height"), box_where, problems)
            if values:
                image.boxes.append(SourceBox(class_id, *values, index=j))
        if not annotations:
            warnings.append(_without_boxes(where, "the worker drew none"))
        result.images.append(image)

    known = ", ".join(f"{k} ({v})" for k, v in sorted(categories.items())) or "none"
    for image in result.images:
        kept = []
        for j, box in enumerate(image.boxes):
            if box.class_id in categories:
                kept.append(box)
            else:
                problems.append(Problem(box.where(image, j),
                                        f"'class_id={box.class_id}' is an invalid value. Valid 'class_id' values are the class-map ids {known}.",
                                        "unknown_class_id"))
        image.boxes = kept
    if not categories and result.images:
        problems.append(Problem(name, f"has no class-map in any '{label_attribute}-metadata'; the class names are unknown.",
                                "inconsistent_classes"))
    return result


def use_class_list(source: SourceDataset, class_names: Sequence[str]) -> None:
    """Make the YOLO ids of `source` follow `class_names` (the stack's labelClasses) by name.

    Ids are then the same in every dataset of the stack, whichever of the classes a source uses: a Ground
    Truth class-map lists only the classes drawn, and a missing one would otherwise shift every later id. A
    source class whose name is not in the list is one `class_list_mismatch` problem (with its box count);
    its boxes are left out of what is written, since no id of the list means that class.
    """
    names = list(class_names)
    if not names or len(set(names)) != len(names):
        raise PipelineError(f"'class-name={names}' is an invalid value. Valid class lists are one or more distinct names.")
    source.class_names = names
    outside = {cid: name for cid, name in source.categories.items() if name not in names}
    if not outside:
        return
    boxes = {cid: 0 for cid in outside}
    for image in source.images:
        for box in image.boxes:
            if box.class_id in outside:
                boxes[box.class_id] += 1
        image.boxes = [box for box in image.boxes if box.class_id not in outside]
    listed = ", ".join(names)
    what = "category id" if source.format == ANNOTATIONS_JSON else "class-map id"
    for cid, name in sorted(outside.items()):
        near = next((n for n in names if n.lower() == name.lower()), None)
        hint = f" (the list has '{near}'; names are compared exactly)" if near else ""
        source.problems.append(Problem(
            f"{source.source.name}: {what} {cid}",
            f"class '{name}' ({boxes[cid]} box(es) on usable images) is not one of the stack's classes {listed} (labelClasses){hint}; "
            "rename it in the source or add it to labelClasses.",
            "class_list_mismatch"))
        del source.categories[cid]


@dataclass(frozen=True)
class DetectedSource:
    """What an input folder holds: a format and its file, or the problem that no single source was found."""

    format: str | None
    path: Path | None
    problem: Problem | None = None


def _visible_files(folder: Path, pattern: str) -> list[Path]:
    return sorted(p for p in folder.rglob(pattern)
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _looks_like_annotations(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and isinstance(data.get("images"), list) and isinstance(data.get("categories"), list)


def _one_of(candidates: list[Path], folder: Path, what: str, kind_format: str) -> DetectedSource:
    if len(candidates) == 1:
        return DetectedSource(kind_format, candidates[0])
    listed = ", ".join(p.relative_to(folder).as_posix() for p in candidates[:5]) + (", …" if len(candidates) > 5 else "")
    return DetectedSource(kind_format, None, Problem(
        folder.name or str(folder), f"holds {len(candidates)} {what} ({listed}); keep exactly one in the input prefix.",
        "ambiguous_source"))


def detect_source(folder: Path | str, input_format: str = "auto") -> DetectedSource:
    """Find the source in an input folder: data.yaml at the top (a prepared YOLO dataset), else a Ground Truth
    `*.manifest` (its manifests/output/output.manifest preferred), else an annotation `*.json` (an object with
    'images' and 'categories' lists). `input_format` (auto or one of FORMATS) restricts the search."""
    folder = Path(folder)
    wanted = FORMATS if input_format == "auto" else (input_format,)
    if YOLO in wanted and (folder / dataset.DATA_YAML).is_file():
        return DetectedSource(YOLO, folder / dataset.DATA_YAML)
    if GROUND_TRUTH in wanted:
        manifests = _visible_files(folder, "*.manifest")
        outputs = [p for p in manifests if p.parts[-3:] == GROUND_TRUTH_OUTPUT_MANIFEST]
        if manifests:
            return _one_of(outputs if len(outputs) == 1 else manifests, folder, "Ground Truth manifests (*.manifest)", GROUND_TRUTH)
    if ANNOTATIONS_JSON in wanted:
        files = _visible_files(folder, "*.json")
        annotations = [p for p in files if _looks_like_annotations(p)]
        if annotations:
            return _one_of(annotations, folder, "annotation JSON files", ANNOTATIONS_JSON)
        if len(files) == 1:  # not in the expected shape: the reader says exactly what is wrong with it
            return DetectedSource(ANNOTATIONS_JSON, files[0])
    expected = {YOLO: f"{dataset.DATA_YAML} at the top (a prepared YOLO dataset)",
                GROUND_TRUTH: "*.manifest (a Ground Truth output manifest)",
                ANNOTATIONS_JSON: "annotation *.json (an object with 'images' and 'categories' lists)"}
    looked_for = [expected[f] for f in (YOLO, GROUND_TRUTH, ANNOTATIONS_JSON) if f in wanted]
    missing = looked_for[0] if len(looked_for) == 1 else ", no ".join(looked_for[:-1]) + " and no " + looked_for[-1]
    everything = _visible_files(folder, "*")
    suffixes: dict[str, int] = {}
    for p in everything:
        suffixes[p.suffix.lower() or "(no suffix)"] = suffixes.get(p.suffix.lower() or "(no suffix)", 0) + 1
    holds = ", ".join(f"{n} {suffix}" for suffix, n in sorted(suffixes.items(), key=lambda item: (-item[1], item[0]))) or "nothing"
    return DetectedSource(None, None, Problem(
        folder.name or str(folder),
        f"has no {missing}; it holds {len(everything)} file(s): {holds}.",
        "source_not_found"))


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


@dataclass
class PlannedImage:
    image: SourceImage
    split: str
    name: str  # file name in images/<split>/
    lines: list[str]  # YOLO label lines


@dataclass
class Conversion:
    """A source laid out as a YOLO dataset, before anything is written: splits, names, label lines, warnings."""

    source: SourceDataset
    class_names: list[str]
    class_id_map: dict[int, int]  # source id → YOLO index
    planned: list[PlannedImage]
    declared_splits: list[str]
    warnings: list[Problem]

    def split_counts(self) -> dict[str, int]:
        return {split: sum(1 for p in self.planned if p.split == split) for split in self.declared_splits}

    @property
    def boxes(self) -> int:
        return sum(len(p.lines) for p in self.planned)


def _digest(path: Path) -> str | None:
    try:
        return dataset.file_digest(path)
    except OSError:  # the readers checked the file; an unreadable one is simply not grouped
        return None


def plan_conversion(source: SourceDataset, val_fraction: float = 0.2, test_fraction: float = 0.1, seed: int = 0) -> Conversion:
    """Split the usable images of `source` and convert their boxes; never fails on the data.

    The test split is declared whenever test_fraction > 0 (even if too few images leave it empty, which
    dataset validation then reports). Copies of one image are kept together in one split; validation of the
    written dataset reports them (duplicate_image).
    """
    if source.class_names is not None:
        names = list(source.class_names)
        index_of = {cid: names.index(name) for cid, name in source.categories.items()}
    else:
        class_ids = sorted(source.categories)
        index_of = {cid: i for i, cid in enumerate(class_ids)}
        names = [source.categories[cid] for cid in class_ids]
    images = sorted(source.images, key=lambda im: im.reference)
    warnings = list(source.warnings)

    groups: dict[str, list[SourceImage]] = {}
    for image in images:
        groups.setdefault(_digest(image.path) or f"unique:{image.reference}", []).append(image)
    group_splits = split_assignments(len(groups), val_fraction, test_fraction, seed)
    split_of = {member.reference: split for members, split in zip(groups.values(), group_splits) for member in members}

    taken: set[str] = set()
    planned = []
    d = COORDINATE_DECIMALS
    for image in images:
        lines = []
        for j, box in enumerate(image.boxes):
            converted = yolo_box(box, image.width, image.height)
            where = box.where(image, j)
            if converted is None:
                warnings.append(Problem(where, f"box x={box.x:g} y={box.y:g} w={box.width:g} h={box.height:g} lies outside the "
                                               f"{image.width}x{image.height} image; dropped.", "box_outside_image"))
                continue
            (cx, cy, w, h), clipped = converted
            if clipped:
                warnings.append(Problem(where, "box reaches outside the image; clipped to it.", "box_clipped"))
            lines.append(f"{index_of[box.class_id]} {cx:.{d}f} {cy:.{d}f} {w:.{d}f} {h:.{d}f}")
        planned.append(PlannedImage(image, split_of[image.reference], _output_name(image, taken), lines))

    declared = [s for s in dataset.SPLITS if s in dataset.REQUIRED_SPLITS or (s == "test" and test_fraction > 0)]
    return Conversion(source=source, class_names=names, class_id_map=index_of, planned=planned, declared_splits=declared,
                      warnings=warnings)


def require_empty(output_dir: Path) -> None:
    if output_dir.exists() and any(output_dir.iterdir()):
        raise PipelineError(f"Output directory {output_dir} is not empty; choose a new folder (the converter never mixes datasets).")


def write_conversion(conversion: Conversion, output_dir: Path | str) -> None:
    """Write a planned conversion as a YOLO dataset root (images, labels, a portable data.yaml)."""
    output_dir = Path(output_dir)
    require_empty(output_dir)
    for split in conversion.declared_splits:
        for kind in ("images", "labels"):
            (output_dir / kind / split).mkdir(parents=True, exist_ok=True)
    for p in conversion.planned:
        image_target = output_dir / "images" / p.split / p.name
        shutil.copy2(p.image.path, image_target)
        dataset.label_path(image_target).write_text("".join(f"{line}\n" for line in p.lines), encoding="utf-8")
    dataset.write_data_yaml(output_dir, conversion.class_names, splits=conversion.declared_splits)


def write_yolo_dataset(
    source: SourceDataset, output_dir: Path | str, val_fraction: float = 0.2, test_fraction: float = 0.1, seed: int = 0
) -> dict:
    """Write `source` as a YOLO dataset root, or raise: the strict path of `prepare.py convert-*`.

    Nothing is written when the source has problems. Returns the conversion report (also saved as
    conversion_report.json); the written dataset is validated before returning.
    """
    output_dir = Path(output_dir)
    source.raise_for_problems()
    require_empty(output_dir)
    if not source.images:
        raise DatasetError(f"{source.source} has no usable images.")
    conversion = plan_conversion(source, val_fraction, test_fraction, seed)
    counts = conversion.split_counts()
    for required in dataset.REQUIRED_SPLITS:
        if not counts[required]:
            raise PipelineError(
                f"With {len(source.images)} image(s), val-fraction={val_fraction:g} and test-fraction={test_fraction:g} the "
                f"'{required}' split would be empty; training needs images in both train and val."
            )
    write_conversion(conversion, output_dir)
    validation = dataset.validate_dataset(output_dir)
    report = {
        "format": source.format,
        "source": str(source.source),
        "output": str(output_dir),
        "images": len(conversion.planned),
        "boxes": conversion.boxes,
        "class_names": conversion.class_names,
        "class_id_map": {str(cid): index for cid, index in conversion.class_id_map.items()},
        "seed": seed,
        "val_fraction": val_fraction,
        "test_fraction": test_fraction,
        "splits": {name: {"images": s.images, "instances": s.instances} for name, s in validation.splits.items()},
        "warnings": [str(w) for w in conversion.warnings + dataset.missing_class_warnings(validation)],
        "validation": validation.to_dict(),
    }
    (output_dir / CONVERSION_REPORT).write_text(json.dumps(report, indent=2), encoding="utf-8")
    validation.raise_for_errors()  # a converter bug, not a user error: fail loudly rather than ship it
    return report
