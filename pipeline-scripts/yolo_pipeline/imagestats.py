"""Per-image measurements shared by the profiler, the inference endpoint and the monitoring baseline.

One definition, so that a brightness in profile.json, in an endpoint response and in the Model Monitor
baseline is the same number for the same image. Images are decoded the way Ultralytics decodes training
images (`cv2.imdecode` of the file bytes, EXIF orientation applied, BGR), so every measurement and every
box refers to the pixels the model was trained on and predicts on.
"""

from __future__ import annotations

import numpy as np

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HISTOGRAM_SIDE = 256  # colour diversity is measured on a copy whose long side is at most this


def sniff_format(data: bytes) -> str | None:
    """"JPEG" or "PNG" from the leading bytes, else None (content types are often wrong; magic bytes are not)."""
    head = bytes(data[:8])
    if head.startswith(JPEG_MAGIC):
        return "JPEG"
    if head.startswith(PNG_MAGIC):
        return "PNG"
    return None


def decode(data: bytes):
    """BGR uint8 pixels (EXIF orientation applied) as Ultralytics reads images, or None if undecodable."""
    import cv2  # scoped: importing cv2 is slow and only needed for pixels

    if not len(data):
        return None
    return cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)


def measure(pixels) -> dict:
    """Geometry and quality of decoded BGR pixels.

    width, height, aspect_ratio (width / height), megapixels; brightness (mean gray level, 0–255),
    contrast (standard deviation of gray), sharpness (variance of the Laplacian; low = blurred), colour
    diversity (entropy in bits of a 16-level-per-channel colour histogram: 0 = one colour, 12 = all).
    """
    import cv2

    height, width = pixels.shape[:2]
    gray = cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY)
    scale = HISTOGRAM_SIDE / max(height, width)
    small = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else pixels
    levels = (small >> 4).astype(np.int32)
    counts = np.bincount((levels[..., 0] * 256 + levels[..., 1] * 16 + levels[..., 2]).ravel(), minlength=4096)
    shares = counts[counts > 0] / counts.sum()
    return {
        "width": int(width),
        "height": int(height),
        "aspect_ratio": round(width / height, 4),
        "megapixels": round(width * height / 1e6, 3),
        "brightness": round(float(gray.mean()), 2),
        "contrast": round(float(gray.std()), 2),
        "sharpness": round(float(cv2.Laplacian(gray, cv2.CV_64F).var()), 2),
        # abs: a one-colour image gives -0.0, which would print as "-0.0".
        "color_diversity": abs(round(float(-(shares * np.log2(shares)).sum()), 3)),
    }
