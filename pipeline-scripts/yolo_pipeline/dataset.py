"""The YOLO dataset layout the pipeline trains on, and its validation.

One dataset root (the training job's `dataset` channel, the evaluation job's data input):

    data.yaml                               names (list or {id: name}), optional nc, and the image folders
                                            train/val/test relative to the root (test is optional)
    images/{train,val,test}/<stem>.<suffix>
    labels/{train,val,test}/<stem>.txt      one line per box: `class x_center y_center width height`,
                                            coordinates normalized to 0..1; an empty file = no objects

Validation refuses what would make Ultralytics fail, silently drop data or train on wrong boxes, and
lists every problem with its file, line, value and what is allowed. Rules:

- errors: unreadable data.yaml or names; train/val folder missing or with fewer images than the minimum
  (default 1; a minimum for test makes test required too); unreadable or tiny images; label lines that
  are not 5 numbers; class ids outside names; coordinates outside 0..1, non-positive sizes, boxes reaching
  outside the image; label files without an image (their boxes would be lost); two images sharing one
  label file; the same image (by content) in two splits, which would leak training data into val/test.
- warnings: images without a label file (Ultralytics trains on them as background); duplicate label
  lines; the same image twice within one split; truncated JPEGs (Ultralytics rewrites them); a declared
  test folder that is missing or empty (evaluation falls back to val); files in image folders that are
  not images.

Every finding is a `Problem` with a `kind` (e.g. `label_out_of_range`), the names validation.json groups
findings by (pipeline-scripts/validation.schema.json lists them).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import yaml

from .cli import PipelineError
from .container import FAILURE_REASON_LIMIT

LOGGER = logging.getLogger(__name__)

DATA_YAML = "data.yaml"
SPLITS = ("train", "val", "test")
REQUIRED_SPLITS = ("train", "val")

# Equal to ultralytics.data.utils.IMG_FORMATS (a test keeps them in step); kept here so that
# validation runs without importing torch.
IMAGE_SUFFIXES = frozenset({"bmp", "dng", "jpeg", "jpg", "mpo", "png", "tif", "tiff", "webp", "pfm", "heic"})
MIN_IMAGE_SIDE = 10  # Ultralytics rejects images below 10 px a side.
# Rounding to 6 decimals in converters may push an edge box a hair past the border; more is a wrong box.
EXTENT_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Problem:
    """One finding, located as `path[:line]` relative to the dataset root (or a source file and record).

    `kind` groups findings in reports (validation.schema.json lists the kinds); it is not part of str().
    """

    location: str
    message: str
    kind: str = ""

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class DatasetError(PipelineError):
    """A dataset that must not be trained on; carries the full list of problems."""

    def __init__(self, summary: str, problems: Sequence[Problem] = ()):
        self.summary = summary
        self.problems = list(problems)
        super().__init__(self._short())

    def _short(self) -> str:
        # Fits SageMaker's 1024-character FailureReason: the summary, then as many problems as fit.
        text = self.summary
        budget = FAILURE_REASON_LIMIT - 40
        shown = 0
        for problem in self.problems:
            item = f" {problem};"
            if len(text) + len(item) > budget:
                break
            text += item
            shown += 1
        if shown < len(self.problems):
            text += f" (+{len(self.problems) - shown} more, see the log)"
        return text.rstrip(";")

    def details(self) -> str:
        return "\n".join([self.summary, *(f"  - {p}" for p in self.problems)])


@dataclass
class DatasetSpec:
    """A dataset root and what its data.yaml declares."""

    root: Path
    names: dict[int, str]
    splits: dict[str, Path]  # declared split → absolute image folder (may not exist for test)

    @property
    def class_names(self) -> list[str]:
        return [self.names[i] for i in range(len(self.names))]


@dataclass
class SplitStats:
    images: int = 0
    labelled_images: int = 0
    background_images: int = 0  # empty label file
    missing_labels: int = 0  # no label file
    instances: int = 0
    instances_per_class: list[int] = field(default_factory=list)


@dataclass
class ValidationReport:
    root: Path
    class_names: list[str]
    splits: dict[str, SplitStats]
    errors: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {
            "root": str(self.root),
            "ok": self.ok,
            "class_names": self.class_names,
            "splits": {name: asdict(stats) for name, stats in self.splits.items()},
            "errors": [str(p) for p in self.errors],
            "warnings": [str(p) for p in self.warnings],
        }

    def raise_for_errors(self) -> None:
        if self.errors:
            raise DatasetError(
                f"Dataset {self.root} is invalid: {len(self.errors)} problem(s).", self.errors
            )

    def log_summary(self, logger: logging.Logger = LOGGER) -> None:
        for name, stats in self.splits.items():
            logger.info(
                "Split %s: %d images (%d with boxes, %d background, %d without label file), %d boxes",
                name, stats.images, stats.labelled_images, stats.background_images, stats.missing_labels,
                stats.instances,
            )
        for warning in self.warnings:
            logger.warning("%s", warning)
        for error in self.errors:
            logger.error("%s", error)


def label_path(image: Path) -> Path:
    """The label file of an image, mapped like Ultralytics (last `/images/` → `/labels/`, suffix → .txt)."""
    text = str(image)
    marker = f"{os.sep}images{os.sep}"
    if marker in text:
        head, tail = text.rsplit(marker, 1)
        text = f"{head}{os.sep}labels{os.sep}{tail}"
    return Path(text).with_suffix(".txt")


def is_image(path: Path) -> bool:
    return path.suffix[1:].lower() in IMAGE_SUFFIXES


def list_images(folder: Path) -> list[Path]:
    """Image files below `folder`, sorted (Ultralytics also searches recursively)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and is_image(p))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _parse_names(raw: dict, problems: list[Problem]) -> dict[int, str]:
    names = raw.get("names")
    valid = "a list of class names or a mapping {0: name, 1: name, …} with ids 0..n-1"
    if isinstance(names, list):
        mapping = dict(enumerate(names))
    elif isinstance(names, dict):
        mapping = {}
        for key, value in names.items():
            try:
                mapping[int(key)] = value
            except (TypeError, ValueError):
                problems.append(Problem(DATA_YAML, f"'names' key {key!r} is not an integer. Valid 'names' are {valid}.", "inconsistent_classes"))
                return {}
    else:
        problems.append(Problem(DATA_YAML, f"'names={names}' is an invalid value. Valid 'names' are {valid}.", "inconsistent_classes"))
        return {}
    if not mapping:
        problems.append(Problem(DATA_YAML, f"'names' is empty. Valid 'names' are {valid}.", "inconsistent_classes"))
        return {}
    if sorted(mapping) != list(range(len(mapping))):
        problems.append(
            Problem(DATA_YAML, f"'names' ids {sorted(mapping)} are not contiguous from 0. Valid 'names' are {valid}.", "inconsistent_classes")
        )
        return {}
    for key, value in mapping.items():
        if not isinstance(value, (str, int)) or not str(value).strip():
            problems.append(Problem(DATA_YAML, f"class {key} has the invalid name {value!r}; names must be non-empty strings.", "inconsistent_classes"))
    clean = {k: str(v).strip() for k, v in mapping.items()}
    duplicates = sorted({n for n in clean.values() if list(clean.values()).count(n) > 1})
    if duplicates:
        problems.append(Problem(DATA_YAML, f"class names must be unique; repeated: {', '.join(duplicates)}.", "inconsistent_classes"))
    nc = raw.get("nc")
    if nc is not None and nc != len(clean):
        problems.append(Problem(DATA_YAML, f"'nc={nc}' does not match the {len(clean)} entries of 'names'.", "inconsistent_classes"))
    return clean


def read_data_yaml(root: Path | str) -> DatasetSpec:
    """Read and check `<root>/data.yaml`; raises DatasetError with every structural problem."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise DatasetError(f"Dataset directory {root} does not exist.")
    yaml_path = root / DATA_YAML
    if not yaml_path.is_file():
        present = ", ".join(sorted(p.name for p in root.iterdir())[:10]) or "nothing"
        raise DatasetError(
            f"Dataset {root} has no {DATA_YAML} (it contains: {present}). A dataset root holds data.yaml, "
            "images/{train,val,test} and labels/{train,val,test}."
        )
    try:
        raw = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise DatasetError(f"Dataset {root} is invalid.", [Problem(DATA_YAML, f"is not valid YAML: {e}", "invalid_data_yaml")]) from None
    if not isinstance(raw, dict):
        raise DatasetError(f"Dataset {root} is invalid.", [Problem(DATA_YAML, "must be a YAML mapping (names, train, val, test).", "invalid_data_yaml")])

    problems: list[Problem] = []
    names = _parse_names(raw, problems)
    splits: dict[str, Path] = {}
    for split in SPLITS:
        value = raw.get(split)
        valid = f"folders relative to the dataset root, e.g. images/{split}"
        if value in (None, ""):
            if split in REQUIRED_SPLITS:
                problems.append(Problem(DATA_YAML, f"'{split}' is missing. Valid '{split}' values are {valid}.", "invalid_data_yaml"))
            continue
        if not isinstance(value, str):
            problems.append(Problem(DATA_YAML, f"'{split}={value}' is an invalid value. Valid '{split}' values are {valid}.", "invalid_data_yaml"))
            continue
        folder = (root / value).resolve()
        if Path(value).is_absolute() or not folder.is_relative_to(root):
            problems.append(
                Problem(DATA_YAML, f"'{split}={value}' is an invalid value. Valid '{split}' values are {valid} (inside it).", "invalid_data_yaml")
            )
            continue
        splits[split] = folder
    if problems:
        raise DatasetError(f"Dataset {root} is invalid: {len(problems)} problem(s).", problems)
    return DatasetSpec(root=root, names=names, splits=splits)


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) as Ultralytics sees the image (EXIF orientation applied); raises on unreadable files."""
    from PIL import Image  # scoped: only needed when images are inspected

    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        width, height = im.size
        image_format = (im.format or "").lower()
        orientation = im.getexif().get(0x0112, 1)
    if image_format not in IMAGE_SUFFIXES:
        raise ValueError(f"format {image_format or 'unknown'} is not one Ultralytics reads")
    if orientation in (5, 6, 7, 8):  # rotated 90°/270°
        width, height = height, width
    return width, height


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes: identical images under different names have the same digest."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class _ImageCheck:
    error: Problem | None = None
    warning: Problem | None = None
    digest: str | None = None


def _check_image(path: Path, location: str) -> _ImageCheck:
    """Decode one image (size, format, truncation) and hash its bytes."""
    try:
        digest = file_digest(path)
        width, height = image_size(path)
    except Exception as e:  # noqa: BLE001 - PIL raises many types for damaged files
        return _ImageCheck(error=Problem(
            location, f"image cannot be read ({type(e).__name__}: {e}). Valid images are readable "
                      f"{', '.join(sorted(IMAGE_SUFFIXES))} files.", "unreadable_image"))
    if min(width, height) < MIN_IMAGE_SIDE:
        return _ImageCheck(error=Problem(
            location, f"image is {width}x{height} px; valid images are at least {MIN_IMAGE_SIDE} px a side.", "image_too_small"))
    check = _ImageCheck(digest=digest)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        with open(path, "rb") as f:
            f.seek(-2, os.SEEK_END)
            if f.read() != b"\xff\xd9":
                check.warning = Problem(location, "JPEG is truncated (no end-of-image marker); Ultralytics will rewrite it "
                                                  "when caching.", "truncated_jpeg")
    return check


def _to_float(token: str) -> float:
    try:
        return float(token)
    except ValueError:
        return math.nan


def parse_label_lines(text: str, nc: int, location: str) -> tuple[list[tuple[int, float, float, float, float]], list[Problem], list[Problem]]:
    """Parse a YOLO detection label file's text; returns (boxes, errors, warnings)."""
    boxes: list[tuple[int, float, float, float, float]] = []
    errors: list[Problem] = []
    warnings: list[Problem] = []
    seen: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = tuple(line.split())
        if not tokens:
            continue
        where = f"{location}:{number}"
        if len(tokens) != 5:
            errors.append(Problem(where, f"has {len(tokens)} values ('{line.strip()}'); valid lines have 5: "
                                         "class x_center y_center width height.", "malformed_label"))
            continue
        class_value, cx, cy, w, h = (_to_float(token) for token in tokens)
        line_errors: list[tuple[str, str]] = []  # (kind, message)
        if not (math.isfinite(class_value) and class_value.is_integer() and 0 <= class_value < nc):
            line_errors.append(("unknown_class_id", f"'class={tokens[0]}' is an invalid value. Valid 'class' values are integers 0 to {nc - 1} (the ids of data.yaml names)."))
        for name, token, value, axis in (("x_center", tokens[1], cx, "width"), ("y_center", tokens[2], cy, "height")):
            if not (math.isfinite(value) and 0 <= value <= 1):
                line_errors.append(("label_out_of_range", f"'{name}={token}' is an invalid value. Valid '{name}' values are numbers from 0 to 1 (normalized by the image {axis})."))
        for name, token, value in (("width", tokens[3], w), ("height", tokens[4], h)):
            if not (math.isfinite(value) and 0 < value <= 1):
                line_errors.append(("label_out_of_range", f"'{name}={token}' is an invalid value. Valid '{name}' values are numbers > 0 and <= 1 (normalized by the image {name})."))
        if not line_errors:
            for axis, center, size in (("x", cx, w), ("y", cy, h)):
                low, high = center - size / 2, center + size / 2
                if low < -EXTENT_TOLERANCE or high > 1 + EXTENT_TOLERANCE:
                    line_errors.append((
                        "label_out_of_range",
                        f"box reaches outside the image ({axis} from {low:.4g} to {high:.4g}); valid boxes lie within 0..1. "
                        "YOLO lines are class x_center y_center width height, not corner coordinates.",
                    ))
        if line_errors:
            errors.extend(Problem(where, message, kind) for kind, message in line_errors)
            continue
        if tokens in seen:
            warnings.append(Problem(where, f"duplicates line {seen[tokens]}; Ultralytics drops duplicate boxes.", "duplicate_label_line"))
            continue
        seen[tokens] = number
        boxes.append((int(class_value), cx, cy, w, h))
    return boxes, errors, warnings


def validate_dataset(
    root: Path | str,
    splits: Iterable[str] | None = None,
    check_images: bool = True,
    workers: int | None = None,
    min_images: Mapping[str, int] | None = None,
) -> ValidationReport:
    """Check a dataset root against the layout and rules of this module.

    Args:
        root: the dataset root (holding data.yaml).
        splits: the splits to check (default: every split data.yaml declares).
        check_images: open every image (PIL verify, size) and compare contents across splits; False checks
            labels and layout only.
        workers: threads for image checks (default: up to 8).
        min_images: the fewest images a split may have, e.g. {"train": 50, "val": 10}. train and val need at
            least 1 whatever is given; a split named here is required (so {"test": 1} makes test required).
    """
    spec = read_data_yaml(root)
    minimum = {split: 1 for split in REQUIRED_SPLITS}
    for split, count in (min_images or {}).items():
        minimum[split] = max(int(count), minimum.get(split, 0))
    report = ValidationReport(root=spec.root, class_names=spec.class_names, splits={}, errors=[], warnings=[])
    wanted = list(spec.splits) if splits is None else [s for s in splits if s in spec.splits]
    digests: dict[str, list[tuple[str, Path]]] = {}
    for split in wanted:
        stats = _check_split(spec, split, report, check_images, workers or min(8, os.cpu_count() or 1),
                             minimum.get(split, 0), digests)
        if stats is not None:
            report.splits[split] = stats
    for split in SPLITS:
        if split in minimum and split not in spec.splits and (splits is None or split in splits):
            report.errors.append(Problem(
                DATA_YAML, f"declares no '{split}' folder; at least {minimum[split]} {split} image(s) are needed.", "too_few_images"))
    _check_duplicates(digests, spec.root, report)
    return report


def _check_duplicates(digests: dict[str, list[tuple[str, Path]]], root: Path, report: ValidationReport) -> None:
    """The same content twice: an error across splits (the evaluation would see training images), a warning within one."""
    for digest, places in digests.items():
        first_split, first = places[0]
        for split, image in places[1:]:
            where = _relative(image, root)
            if image == first:
                report.errors.append(Problem(
                    where, f"is in both the {first_split} and the {split} split (data.yaml points them at overlapping "
                           f"folders); an image in two splits leaks {first_split} data into {split}.", "image_in_two_splits"))
            elif split != first_split:
                report.errors.append(Problem(
                    where, f"has the same content as {_relative(first, root)} (sha256 {digest[:12]}); an image in two splits "
                           f"leaks {first_split} data into {split}.", "image_in_two_splits"))
            else:
                report.warnings.append(Problem(
                    where, f"has the same content as {_relative(first, root)}; it is trained on twice.", "duplicate_image"))


def _check_split(spec: DatasetSpec, split: str, report: ValidationReport, check_images: bool, workers: int,
                 minimum: int, digests: dict[str, list[tuple[str, Path]]]) -> SplitStats | None:
    """Check one split's images and labels, adding problems to `report`; None when the folder is missing."""
    root, folder = spec.root, spec.splits[split]
    errors, warnings = report.errors, report.warnings
    required = split in REQUIRED_SPLITS or minimum > 0
    suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
    rel_folder = _relative(folder, root)
    if not folder.is_dir():
        if required:
            errors.append(Problem(rel_folder, f"the '{split}' image folder declared in data.yaml does not exist.", "missing_split"))
        else:
            warnings.append(Problem(rel_folder, f"the '{split}' image folder declared in data.yaml does not exist; "
                                                "evaluation falls back to val.", "test_split_missing"))
        return None
    stats = SplitStats(instances_per_class=[0] * len(spec.names))
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    images = [p for p in files if is_image(p)]
    for other in (p for p in files if not is_image(p)):
        warnings.append(Problem(_relative(other, root), f"is not an image Ultralytics reads (valid suffixes: {suffixes}); ignored.",
                                "not_an_image"))
    if not images:
        if required:
            errors.append(Problem(rel_folder, f"has no images (valid suffixes: {suffixes}).", "too_few_images"))
        else:
            warnings.append(Problem(rel_folder, f"has no images (valid suffixes: {suffixes}); evaluation falls back to val.",
                                    "test_split_missing"))
        return stats
    stats.images = len(images)
    if len(images) < minimum:
        errors.append(Problem(rel_folder, f"has {len(images)} image(s); at least {minimum} are needed.", "too_few_images"))

    labels_for: dict[Path, Path] = {}
    for image in images:
        label = label_path(image)
        if label in labels_for:
            errors.append(Problem(_relative(image, root), f"shares the label file {_relative(label, root)} with "
                                                          f"{_relative(labels_for[label], root)}; give images unique stems.",
                                  "shared_label_file"))
        labels_for.setdefault(label, image)

    if check_images:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            checks = list(pool.map(lambda image: _check_image(image, _relative(image, root)), images))
        for image, check in zip(images, checks):
            errors.extend([check.error] if check.error else [])
            warnings.extend([check.warning] if check.warning else [])
            if check.digest:
                digests.setdefault(check.digest, []).append((split, image))

    for image in images:
        label = label_path(image)
        rel_label = _relative(label, root)
        if not label.is_file():
            stats.missing_labels += 1
            warnings.append(Problem(_relative(image, root), f"has no label file {rel_label}; Ultralytics trains on it as a "
                                                            "background image.", "missing_label_file"))
            continue
        try:
            text = label.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            errors.append(Problem(rel_label, f"cannot be read as UTF-8 text ({e}).", "malformed_label"))
            continue
        boxes, label_errors, label_warnings = parse_label_lines(text, len(spec.names), rel_label)
        errors.extend(label_errors)
        warnings.extend(label_warnings)
        if boxes:
            stats.labelled_images += 1
        elif not label_errors:
            stats.background_images += 1
        stats.instances += len(boxes)
        for box in boxes:
            stats.instances_per_class[box[0]] += 1

    label_folder = label_path(folder / "x").parent
    if label_folder.is_dir():
        for label in sorted(label_folder.rglob("*.txt")):
            if label not in labels_for:
                errors.append(Problem(
                    _relative(label, root),
                    f"has no image in {rel_folder} (looked for {label.stem}.<{'|'.join(sorted(IMAGE_SUFFIXES))}>); its boxes would be lost.",
                    "missing_image",
                ))
    return stats


def missing_class_warnings(report: ValidationReport) -> list[Problem]:
    """Warnings for classes without boxes: one for a class no split has a box of (the model gets the class and never
    learns it), otherwise one per split with images but no box of it (a class train lacks is never learned)."""
    totals = [sum(stats.instances_per_class[i] for stats in report.splits.values()) for i in range(len(report.class_names))]
    warnings = []
    if any(stats.images for stats in report.splits.values()):
        warnings += [Problem(DATA_YAML, f"class {i} '{name}' has no box in any split; the model will have the class but never learn it.",
                             "class_without_boxes")
                     for i, (name, total) in enumerate(zip(report.class_names, totals)) if total == 0]
    for split, stats in report.splits.items():
        if not stats.images:
            continue
        for name, count, total in zip(report.class_names, stats.instances_per_class, totals):
            if count == 0 and total > 0:
                consequence = ("the model will not learn that class from it" if split == "train"
                               else "its metrics for that class will be missing")
                warnings.append(Problem(f"images/{split}", f"has no '{name}' boxes; {consequence}.", "class_missing_from_split"))
    return warnings


def require_valid_dataset(root: Path | str, splits: Iterable[str] | None = None, logger: logging.Logger = LOGGER) -> ValidationReport:
    """validate_dataset, logging the summary and raising DatasetError when there are errors."""
    report = validate_dataset(root, splits=splits)
    report.log_summary(logger)
    report.raise_for_errors()
    return report


def has_images(spec: DatasetSpec, split: str) -> bool:
    folder = spec.splits.get(split)
    return bool(folder and folder.is_dir() and any(is_image(p) for p in folder.rglob("*") if p.is_file()))


def write_data_yaml(root: Path, names: Sequence[str], splits: Iterable[str] = SPLITS) -> Path:
    """Write a portable data.yaml (no `path`: Ultralytics then resolves folders next to the file)."""
    content = {split: f"images/{split}" for split in splits}
    content["nc"] = len(names)
    content["names"] = dict(enumerate(names))
    path = Path(root) / DATA_YAML
    path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def write_local_data_yaml(spec: DatasetSpec, destination: Path, splits: Iterable[str] | None = None) -> Path:
    """Write a data.yaml for Ultralytics with `path` set to the local root and only usable splits.

    Ultralytics resolves a relative `path` against its datasets_dir setting rather than the yaml's
    folder, and would try to download a dataset whose folders are missing; an absolute path and no
    `download` key avoid both.
    """
    wanted = list(spec.splits) if splits is None else list(splits)
    content: dict[str, object] = {"path": str(spec.root)}
    for split in wanted:
        if split in spec.splits:
            content[split] = _relative(spec.splits[split], spec.root)
    content["nc"] = len(spec.names)
    content["names"] = dict(spec.names)
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return destination


def fingerprint(spec: DatasetSpec) -> str:
    """A hash that changes when names, image files (path, size) or label contents change.

    Used to tell whether a checkpoint belongs to this dataset. Ultralytics' own `*.cache` files are
    ignored: the first run writes them, and a restart must still recognise its dataset.
    """
    digest = hashlib.sha256()
    digest.update(repr(sorted(spec.names.items())).encode())
    for split in SPLITS:
        folder = spec.splits.get(split)
        if not folder or not folder.is_dir():
            continue
        digest.update(f"split:{split}".encode())
        for image in list_images(folder):
            digest.update(f"{_relative(image, spec.root)}:{image.stat().st_size}".encode())
            label = label_path(image)
            if label.is_file():
                digest.update(hashlib.sha256(label.read_bytes()).digest())
    return digest.hexdigest()
