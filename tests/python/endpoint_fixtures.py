"""Fixtures for the endpoint tests: the session's trained model deployed as SageMaker deploys it, and real images.

Import the fixtures into a test module (`from endpoint_fixtures import ...  # noqa: F401`).
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import matplotlib
import pytest
from PIL import Image

import inference_toolkit

# Low enough for the session's 2-epoch model to produce boxes, so that the detection fields are exercised.
SERVING_ENV = {"INFERENCE_CONFIDENCE": "0.0001", "INFERENCE_MAX_DETECTIONS": "20"}
# A real photograph shipped inside matplotlib (an Ultralytics dependency): no download needed.
PHOTO = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"


def unpack_model(archive: Path, model_dir: Path) -> Path:
    """/opt/ml/model of an endpoint: SageMaker unpacks model.tar.gz there."""
    model_dir.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(model_dir, filter="data")
    return model_dir


def rotated_jpeg(source: Path, orientation: int = 6) -> bytes:
    """`source` as a JPEG whose EXIF orientation says: rotate by 90° to display (the way cameras store portraits)."""
    with Image.open(source) as im:
        exif = im.getexif()
        exif[0x0112] = orientation
        buffer = io.BytesIO()
        im.convert("RGB").save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def load_worker(model_dir: Path, env: dict[str, str] | None = None) -> inference_toolkit.Worker:
    """A model server worker started with `env` added to the endpoint's environment."""
    import inference

    with pytest.MonkeyPatch.context() as patch:
        for key, value in (env or {}).items():
            patch.setenv(key, value)
        return inference_toolkit.Worker(str(model_dir), inference)


@pytest.fixture(scope="module")
def served_model_dir(model_archive, tmp_path_factory) -> Path:
    return unpack_model(model_archive, tmp_path_factory.mktemp("endpoint") / "opt" / "ml" / "model")


@pytest.fixture(scope="module")
def worker(served_model_dir, offline_ultralytics) -> inference_toolkit.Worker:
    assert not any(key.startswith("INFERENCE_") for key in os.environ), "the tests set the INFERENCE_* settings themselves"
    return load_worker(served_model_dir, SERVING_ENV)


@pytest.fixture(scope="module")
def val_images(dataset) -> dict[str, Path]:
    """One JPEG and one PNG of the synthetic val split, by format."""
    folder = dataset.root / "images" / "val"
    jpeg = next(image for image in dataset.splits["val"] if image.name.endswith(".jpg"))
    png = next(image for image in dataset.splits["val"] if image.name.endswith(".png"))
    return {"JPEG": folder / jpeg.name, "PNG": folder / png.name}

