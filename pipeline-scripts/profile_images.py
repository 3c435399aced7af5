"""Profile drone imagery: image quality, resolutions and, for a YOLO dataset, classes and box sizes.

Usage:
    python profile_images.py --data-dir ./dataset --output-dir ./profile [--image-size 640] [--sample-size 500]
    python profile_images.py --data-dir ./raw-images --output-dir ./profile    # a plain folder of images

From a notebook (the folder holding this file on sys.path):
    import profile_images
    report = profile_images.profile_dataset("dataset", image_size=640)
    report["recommendations"]                                # also: profile_images.recommendations(report)
    pngs = profile_images.plot_report(report, "profile")     # PNG paths; display with IPython.display.Image

Measures per image: resolution and aspect ratio, file size and format, brightness (mean gray level),
contrast (standard deviation of gray), sharpness (variance of the Laplacian; low = blurred), colour
diversity (entropy in bits of a 16-level-per-channel colour histogram; 0 = one colour, 12 = all). For
a dataset root with data.yaml it also reads every label: boxes per class and their sizes in pixels at the
training image size. Writes profile.json and PNG plots; the recommendations (image size for small
objects, class imbalance, blur, exposure, background images) follow the thresholds in THRESHOLDS.
File name note: not profile.py, which would shadow the standard library's profile module.
"""

from __future__ import annotations

import json
import logging
import math
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from yolo_pipeline import cli, container, dataset, imagestats

LOGGER = logging.getLogger(Path(__file__).stem)

REPORT_FILE = "profile.json"
THRESHOLDS = {
    "blur_laplacian_variance": 100.0,  # a common rule of thumb for 8-bit grayscale
    "dark_brightness": 50.0,  # mean gray level of 0..255
    "overexposed_brightness": 205.0,
    "low_contrast": 20.0,  # gray standard deviation
    "small_object_px": 10.0,  # shorter box side at training size; YOLO's finest head has stride 8
    "flagged_share": 0.10,  # a quality issue is raised when it affects more than this share of images
    "imbalance_ratio": 5.0,  # most / fewest boxes per class
    "few_instances": 100,  # boxes per class below which a class is unlikely to be learned well
    "max_image_size": 1280,  # beyond this, tiling beats a larger training size on memory
}
MAX_BOXES_IN_REPORT = 5000  # box sample kept for plots; statistics use every box


# ---------------------------------------------------------------------------------------------- measuring


def profile_image(path: Path | str) -> dict:
    """Measurements of one image; {"file", "error"} if it cannot be read."""
    from PIL import Image

    path = Path(path)
    try:
        dataset.image_size(path)  # refuses what Ultralytics would not read
        with Image.open(path) as im:
            image_format, mode = im.format, im.mode
        pixels = imagestats.decode(path.read_bytes())
        if pixels is None:
            raise ValueError("OpenCV cannot decode it")
    except Exception as e:  # noqa: BLE001 - PIL/OpenCV raise many types for damaged files
        return {"file": str(path), "error": f"{type(e).__name__}: {e}"}
    stats = imagestats.measure(pixels)
    return {
        "file": str(path),
        "format": image_format,
        "mode": mode,
        "width": stats["width"],
        "height": stats["height"],
        "aspect_ratio": stats["aspect_ratio"],
        "megapixels": stats["megapixels"],
        "file_size_bytes": path.stat().st_size,
        **{name: stats[name] for name in ("brightness", "contrast", "sharpness", "color_diversity")},
    }


def summarize(values: Iterable[float]) -> dict | None:
    """min / p10 / median / mean / p90 / max of the values, or None when there are none."""
    array = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if not array.size:
        return None
    p10, median, p90 = np.percentile(array, [10, 50, 90])
    return {
        "min": round(float(array.min()), 4), "p10": round(float(p10), 4), "median": round(float(median), 4),
        "mean": round(float(array.mean()), 4), "p90": round(float(p90), 4), "max": round(float(array.max()), 4),
        "count": int(array.size),
    }


def _collect_images(root: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """[(split or "", image)], class names; a dataset root by its data.yaml, else a plain image folder."""
    if (root / dataset.DATA_YAML).is_file():
        spec = dataset.read_data_yaml(root)
        images = [(split, image) for split, folder in spec.splits.items() if folder.is_dir() for image in dataset.list_images(folder)]
        return images, spec.class_names
    if not root.is_dir():
        raise cli.PipelineError(f"{root} is neither a dataset root (with data.yaml) nor a folder of images.")
    return [("", image) for image in dataset.list_images(root)], []


def profile_dataset(
    data_dir: Path | str, image_size: int = 640, sample_size: int | None = None, seed: int = 0, workers: int | None = None
) -> dict:
    """Profile a YOLO dataset root or a folder of images; returns the report (see the module docstring).

    Args:
        data_dir: dataset root (data.yaml, images/, labels/) or any folder of images.
        image_size: the training image size the box sizes are scaled to.
        sample_size: measure pixels of at most this many images (seeded sample); labels and image sizes
            are always read for every image.
        seed: seed of the sample.
        workers: threads for reading images (default: up to 8).
    """
    root = Path(data_dir).resolve()
    images, names = _collect_images(root)
    if not images:
        raise cli.PipelineError(f"No images under {root} (valid suffixes: {', '.join(sorted(dataset.IMAGE_SUFFIXES))}).")
    chosen = sorted(images, key=lambda item: str(item[1]))
    if sample_size and sample_size < len(chosen):
        chosen = sorted(random.Random(seed).sample(chosen, sample_size), key=lambda item: str(item[1]))
    with ThreadPoolExecutor(max_workers=workers or min(8, container.cpu_count())) as pool:
        profiles = list(pool.map(profile_image, [path for _, path in chosen]))
    for (split, _), profile in zip(chosen, profiles):
        profile["split"] = split
        profile["file"] = Path(profile["file"]).relative_to(root).as_posix()
    readable = [p for p in profiles if "error" not in p]

    report: dict = {
        "data_dir": str(root),
        "kind": "yolo-dataset" if names else "image-folder",
        "image_size": image_size,
        "thresholds": THRESHOLDS,
        "images": {
            "total": len(images),
            "profiled": len(profiles),
            "unreadable": [{"file": p["file"], "error": p["error"]} for p in profiles if "error" in p],
            "per_split": {s: sum(1 for split, _ in images if split == s) for s in sorted({s for s, _ in images}) if s},
        },
        "resolution": {
            "width": summarize(p["width"] for p in readable),
            "height": summarize(p["height"] for p in readable),
            "megapixels": summarize(p["megapixels"] for p in readable),
            "aspect_ratio": summarize(p["aspect_ratio"] for p in readable),
            "most_common": _most_common_sizes(readable),
        },
        "file": {
            "size_bytes": summarize(p["file_size_bytes"] for p in readable),
            "formats": {f: sum(1 for p in readable if p["format"] == f) for f in sorted({p["format"] for p in readable})},
        },
        "quality": {
            name: summarize(p[name] for p in readable) for name in ("brightness", "contrast", "sharpness", "color_diversity")
        },
        "per_image": profiles,
    }
    t = THRESHOLDS
    report["quality"].update({
        "blurry_images": sum(p["sharpness"] < t["blur_laplacian_variance"] for p in readable),
        "dark_images": sum(p["brightness"] < t["dark_brightness"] for p in readable),
        "overexposed_images": sum(p["brightness"] > t["overexposed_brightness"] for p in readable),
        "low_contrast_images": sum(p["contrast"] < t["low_contrast"] for p in readable),
    })
    if names:
        report.update(_profile_labels(root, images, names, image_size, seed))
    report["recommendations"] = recommendations(report)
    return report


def _most_common_sizes(profiles: list[dict], top: int = 5) -> list[dict]:
    counts: dict[tuple[int, int], int] = {}
    for p in profiles:
        counts[(p["width"], p["height"])] = counts.get((p["width"], p["height"]), 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [{"width": w, "height": h, "count": n} for (w, h), n in ranked]


def _profile_labels(root: Path, images: list[tuple[str, Path]], names: list[str], image_size: int, seed: int) -> dict:
    """Per-class counts and box sizes (native pixels and at the training size) from every label file."""
    boxes: list[tuple[int, float, float, float, float, float, float]] = []  # class, w, h px native, w, h px at size, cx, cy
    images_with_class = [0] * len(names)
    boxes_per_image: list[int] = []
    background = missing = label_errors = 0
    for _, image in images:
        label = dataset.label_path(image)
        if not label.is_file():
            missing += 1
            continue
        parsed, errors, _ = dataset.parse_label_lines(label.read_text(encoding="utf-8"), len(names), str(label))
        label_errors += len(errors)
        boxes_per_image.append(len(parsed))
        if not parsed:
            background += 1 if not errors else 0
            continue
        try:
            width, height = dataset.image_size(image)
        except Exception:  # noqa: BLE001 - reported under images.unreadable when sampled
            continue
        scale = image_size / max(width, height)  # Ultralytics letterboxes the long side to image_size
        for class_id in {b[0] for b in parsed}:
            images_with_class[class_id] += 1
        for class_id, cx, cy, w, h in parsed:
            # Rounded so that a box of exactly 10 px does not become 9.999999 px through the normalized coordinates.
            boxes.append((class_id, round(w * width, 3), round(h * height, 3), round(w * width * scale, 3),
                          round(h * height * scale, 3), cx, cy))

    small_px = THRESHOLDS["small_object_px"]
    classes = []
    for class_id, name in enumerate(names):
        mine = [b for b in boxes if b[0] == class_id]
        classes.append({
            "class_id": class_id,
            "name": name,
            "instances": len(mine),
            "images": images_with_class[class_id],
            "box_width_px": summarize(b[1] for b in mine),
            "box_height_px": summarize(b[2] for b in mine),
            "shorter_side_px_at_image_size": summarize(min(b[3], b[4]) for b in mine),
            "small_at_image_size": sum(min(b[3], b[4]) < small_px for b in mine),
        })
    sample = boxes if len(boxes) <= MAX_BOXES_IN_REPORT else random.Random(seed).sample(boxes, MAX_BOXES_IN_REPORT)
    return {
        "classes": classes,
        "boxes": {
            "total": len(boxes),
            "per_image": summarize(boxes_per_image),
            "shorter_side_px_at_image_size": summarize(min(b[3], b[4]) for b in boxes),
            "small_at_image_size": sum(min(b[3], b[4]) < small_px for b in boxes),
            "background_images": background,
            "images_without_label_file": missing,
            "label_errors": label_errors,
            # [class_id, width_px, height_px (at image_size), x_center, y_center (0..1)] for plots
            "sample": [[b[0], round(b[3], 2), round(b[4], 2), round(b[5], 4), round(b[6], 4)] for b in sample],
        },
    }


# ----------------------------------------------------------------------------------------- recommending


def _round_up_32(value: float) -> int:
    return int(math.ceil(value / 32) * 32)


def recommendations(report: dict) -> list[dict]:
    """Advice derived from a profile report: [{"topic", "severity": info|warning|error, "message"}]."""
    t = THRESHOLDS
    advice: list[dict] = []

    def add(topic: str, severity: str, message: str) -> None:
        advice.append({"topic": topic, "severity": severity, "message": message})

    profiled = report["images"]["profiled"] - len(report["images"]["unreadable"])
    if report["images"]["unreadable"]:
        add("unreadable_images", "error", f"{len(report['images']['unreadable'])} image(s) cannot be read; fix or remove them "
                                          f"(first: {report['images']['unreadable'][0]['file']}).")
    image_size = report["image_size"]
    long_sides = report["resolution"]["width"], report["resolution"]["height"]
    native_long = max(s["median"] for s in long_sides) if all(long_sides) else None

    boxes = report.get("boxes")
    if boxes and boxes["shorter_side_px_at_image_size"]:
        p10 = boxes["shorter_side_px_at_image_size"]["p10"]
        if p10 < t["small_object_px"]:
            needed = _round_up_32(image_size * t["small_object_px"] / max(p10, 1e-6))
            prefix = (f"10% of boxes are under {p10:.1f} px on their shorter side at image size {image_size} "
                      f"(YOLO detects poorly below ~{t['small_object_px']:.0f} px).")
            if needed <= t["max_image_size"] and (native_long is None or needed <= _round_up_32(native_long)):
                add("small_objects", "warning", f"{prefix} Train at --image-size {needed}.")
            elif native_long is not None and native_long > t["max_image_size"]:
                add("small_objects", "warning", f"{prefix} Even {t['max_image_size']} px is not enough: tile the images "
                                                f"(e.g. {image_size} px crops with 20% overlap) before training.")
            else:
                add("small_objects", "warning", f"{prefix} The images are only ~{native_long:.0f} px: train at --image-size "
                                                f"{_round_up_32(native_long or image_size)} and capture objects larger "
                                                "(lower altitude or higher resolution).")
    if native_long is not None and report["resolution"]["width"]["p90"] < image_size and report["resolution"]["height"]["p90"] < image_size:
        longest = max(report["resolution"]["width"]["p90"], report["resolution"]["height"]["p90"])
        add("upscaling", "info", f"90% of images have a long side of at most {longest:.0f} px, below --image-size {image_size}: "
                                 f"training at {_round_up_32(longest)} costs less and loses no detail.")

    for cls in report.get("classes", []):
        if cls["instances"] == 0:
            add("empty_class", "warning", f"Class '{cls['name']}' has no boxes: label it or remove it from data.yaml names.")
        elif cls["instances"] < t["few_instances"]:
            add("few_instances", "info", f"Class '{cls['name']}' has only {cls['instances']} boxes; detectors usually need "
                                         "hundreds to thousands per class.")
    counted = [c for c in report.get("classes", []) if c["instances"] > 0]
    if len(counted) >= 2:
        most = max(counted, key=lambda c: c["instances"])
        fewest = min(counted, key=lambda c: c["instances"])
        ratio = most["instances"] / fewest["instances"]
        if ratio > t["imbalance_ratio"]:
            add("class_imbalance", "warning", f"Class imbalance {ratio:.0f}:1 — '{most['name']}' has {most['instances']} boxes, "
                                              f"'{fewest['name']}' {fewest['instances']}. Label more '{fewest['name']}' examples "
                                              "(or oversample the images that contain it).")
    if boxes:
        labelled_images = report["images"]["total"] - boxes["images_without_label_file"]
        share = boxes["background_images"] / labelled_images if labelled_images else 0
        if boxes["background_images"] == 0:
            add("background_images", "info", "No background images (without objects): adding 0–10% of them reduces false positives.")
        elif share > 0.5:
            add("background_images", "warning", f"{share:.0%} of images have no objects; more than half dilutes training.")
        if boxes["label_errors"]:
            add("label_errors", "error", f"{boxes['label_errors']} label line(s) are invalid; run prepare.py validate for the list.")

    quality = report["quality"]
    if profiled:
        for key, topic, text in (
            ("blurry_images", "blur", f"look blurred (Laplacian variance < {t['blur_laplacian_variance']:.0f}): check shutter "
                                      "speed / motion blur and consider dropping the worst"),
            ("dark_images", "dark_images", f"are dark (mean brightness < {t['dark_brightness']:.0f}/255): keep Ultralytics' "
                                           "brightness augmentation (hsv_v) on and check exposure"),
            ("overexposed_images", "overexposed_images", f"are overexposed (mean brightness > {t['overexposed_brightness']:.0f}/255)"),
            ("low_contrast_images", "low_contrast", f"have low contrast (gray std < {t['low_contrast']:.0f}): haze or flat light"),
        ):
            share = quality[key] / profiled
            if share > t["flagged_share"]:
                add(topic, "warning", f"{share:.0%} of profiled images {text}.")
        ratios = report["resolution"]["aspect_ratio"]
        if ratios and ratios["max"] / ratios["min"] > 1.2:
            add("mixed_aspect_ratios", "info", f"Aspect ratios range from {ratios['min']:.2f} to {ratios['max']:.2f}; images are "
                                               "letterboxed to squares, so mixed cameras are fine but waste some padding.")
    return advice


# ---------------------------------------------------------------------------------------------- plotting


def _figure(rows: int, cols: int, width: float, height: float):
    # Figure objects render to PNG without pyplot, so a notebook's own backend is left alone.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(rows, cols, squeeze=False)
    return figure, axes


LINE_COLORS = ("#C44E52", "#8172B2")


def _plain_log_axis(axis) -> None:
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    axis.set_major_formatter(ScalarFormatter())
    axis.set_minor_formatter(NullFormatter())


def _histogram(ax, values: list[float], title: str, xlabel: str, lines: Sequence[tuple[float, str]] = (), log: bool = False) -> None:
    from matplotlib.ticker import MaxNLocator

    values = [v for v in values if v is not None and (not log or v > 0)]
    if values:
        bins = np.logspace(np.log10(min(values)), np.log10(max(values) * 1.01), 30) if log and min(values) > 0 else 30
        ax.hist(values, bins=bins, color="#4C72B0", edgecolor="white")
    if log:
        ax.set_xscale("log")
        _plain_log_axis(ax.xaxis)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    for (value, label), color in zip(lines, LINE_COLORS):
        ax.axvline(value, color=color, linestyle="--", linewidth=1.5, label=label)
    if lines:
        ax.legend(fontsize=8)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("images")


def plot_report(report: dict, output_dir: Path | str) -> list[Path]:
    """Write the report's PNG plots to output_dir; returns their paths."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    t = THRESHOLDS
    readable = [p for p in report["per_image"] if "error" not in p]
    written = []

    def save(figure, name: str) -> None:
        path = output_dir / name
        figure.savefig(path, dpi=110)
        written.append(path)

    quality = report["quality"]
    figure, axes = _figure(2, 2, 11, 8)
    figure.suptitle(f"Image quality ({len(readable)} images)", fontsize=14)
    _histogram(axes[0, 0], [p["brightness"] for p in readable], f"Brightness — {quality['dark_images']} dark, "
               f"{quality['overexposed_images']} overexposed", "mean gray level (0–255)",
               [(t["dark_brightness"], "dark"), (t["overexposed_brightness"], "overexposed")])
    _histogram(axes[0, 1], [p["contrast"] for p in readable], f"Contrast — {quality['low_contrast_images']} low",
               "gray standard deviation", [(t["low_contrast"], "low contrast")])
    _histogram(axes[1, 0], [p["sharpness"] for p in readable], f"Sharpness — {quality['blurry_images']} blurred",
               "Laplacian variance (log scale)", [(t["blur_laplacian_variance"], "blur threshold")], log=True)
    _histogram(axes[1, 1], [p["color_diversity"] for p in readable], "Colour diversity", "colour entropy (bits, max 12)")
    save(figure, "image_quality.png")

    figure, axes = _figure(1, 2, 11, 4.5)
    sizes = report["resolution"]["most_common"]
    counts: dict[tuple[int, int], int] = {}
    for p in readable:
        counts[(p["width"], p["height"])] = counts.get((p["width"], p["height"]), 0) + 1
    ax = axes[0, 0]
    if counts:
        ax.scatter([w for w, _ in counts], [h for _, h in counts], s=[20 + 200 * n / max(counts.values()) for n in counts.values()],
                   color="#4C72B0", alpha=0.7)
        top = max(max(w for w, _ in counts), max(h for _, h in counts)) * 1.1
        ax.plot([0, top], [0, top], color="gray", linestyle=":", label="square")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.legend(fontsize=8)
    ax.set_title("Resolutions (marker size = number of images)" + (f"\nmost common {sizes[0]['width']}×{sizes[0]['height']}" if sizes else ""))
    ax.set_xlabel("width (px)")
    ax.set_ylabel("height (px)")
    _histogram(axes[0, 1], [p["file_size_bytes"] / 1024 for p in readable], "File sizes — "
               + ", ".join(f"{k} {v}" for k, v in report["file"]["formats"].items()), "KiB")
    save(figure, "resolution.png")

    classes = report.get("classes")
    if classes:
        figure, axes = _figure(1, 1, 9, 1.2 + 0.5 * len(classes))
        ax = axes[0, 0]
        positions = np.arange(len(classes))
        ax.barh(positions + 0.2, [c["instances"] for c in classes], height=0.4, color="#4C72B0", label="boxes")
        ax.barh(positions - 0.2, [c["images"] for c in classes], height=0.4, color="#DD8452", label="images containing it")
        for y, c in zip(positions, classes):
            ax.text(c["instances"], y + 0.2, f" {c['instances']}", va="center", fontsize=8)
        ax.set_yticks(positions, [c["name"] for c in classes])
        ax.invert_yaxis()
        ax.set_xlabel("count")
        ax.set_title("Class balance")
        ax.margins(x=0.12)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
        save(figure, "class_balance.png")

        sample = report["boxes"]["sample"]
        figure, axes = _figure(1, 2, 12, 5)
        ax = axes[0, 0]
        for c in classes:
            mine = [b for b in sample if b[0] == c["class_id"]]
            if mine:
                ax.scatter([b[1] for b in mine], [b[2] for b in mine], s=10, alpha=0.6, label=c["name"])
        ax.axvspan(0.1, t["small_object_px"], color="#C44E52", alpha=0.1)
        ax.axhspan(0.1, t["small_object_px"], color="#C44E52", alpha=0.1, label=f"< {t['small_object_px']:.0f} px (hard)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        _plain_log_axis(ax.xaxis)
        _plain_log_axis(ax.yaxis)
        ax.set_xlim(left=1)
        ax.set_ylim(bottom=1)
        ax.set_xlabel(f"box width (px at image size {report['image_size']})")
        ax.set_ylabel("box height (px)")
        ax.set_title("Box sizes at the training image size")
        ax.legend(fontsize=8)
        _histogram(axes[0, 1], [min(b[1], b[2]) for b in sample],
                   f"Shorter box side — {report['boxes']['small_at_image_size']} of {report['boxes']['total']} small",
                   f"px at image size {report['image_size']} (log scale)", [(t["small_object_px"], "small-object limit")], log=True)
        axes[0, 1].set_ylabel("boxes")
        save(figure, "box_sizes.png")

        figure, axes = _figure(1, 1, 6, 5.5)
        ax = axes[0, 0]
        if sample:
            histogram = ax.hist2d([b[3] for b in sample], [b[4] for b in sample], bins=20, range=[[0, 1], [0, 1]], cmap="viridis")
            figure.colorbar(histogram[3], ax=ax, label="boxes")
        ax.set_xlim(0, 1)
        ax.set_ylim(1, 0)  # image coordinates: y grows downwards
        ax.set_xlabel("x center (fraction of width)")
        ax.set_ylabel("y center (fraction of height)")
        ax.set_title("Where objects appear")
        save(figure, "box_centers.png")
    return written


def write_report(report: dict, output_dir: Path | str) -> Path:
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / REPORT_FILE
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None = None, env: dict[str, str] | None = None):
    parser = cli.ArgumentParser(prog="profile_images.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path,
                        default=container.default_path("SM_CHANNEL_DATASET", "/opt/ml/processing/input/data", "dataset", env),
                        help="dataset root (data.yaml, images/, labels/) or a folder of images")
    parser.add_argument("--output-dir", type=Path,
                        default=container.default_path(None, "/opt/ml/processing/profile", "profile", env),
                        help=f"where {REPORT_FILE} and the PNG plots are written")
    parser.add_argument("--image-size", type=cli.image_size(), default=640, help="training image size the box sizes are scaled to")
    parser.add_argument("--sample-size", type=cli.integer("sample-size", 1), default=None,
                        help="measure pixels of at most this many images (default: all)")
    parser.add_argument("--seed", type=cli.integer("seed", 0), default=0, help="seed of the sample")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    report = profile_dataset(args.data_dir, image_size=args.image_size, sample_size=args.sample_size, seed=args.seed)
    path = write_report(report, args.output_dir)
    plots = plot_report(report, args.output_dir)
    LOGGER.info("Profiled %d of %d images in %s; wrote %s and %d plots.", report["images"]["profiled"],
                report["images"]["total"], args.data_dir, path, len(plots))
    for item in report["recommendations"]:
        log = LOGGER.warning if item["severity"] in ("warning", "error") else LOGGER.info
        log("[%s] %s", item["topic"], item["message"])
    return 0


if __name__ == "__main__":
    cli.run(main, container.PROCESSING_FAILURE_FILE)
