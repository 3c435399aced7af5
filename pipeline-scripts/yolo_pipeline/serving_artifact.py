"""The serving archive: one model.tar.gz with everything a SageMaker endpoint needs to serve the trained model.

The PyTorch inference container unpacks the model archive into /opt/ml/model, pip-installs
/opt/ml/model/code/requirements.txt and imports SAGEMAKER_PROGRAM (inference.py) from /opt/ml/model/code
(SAGEMAKER_SUBMIT_DIRECTORY). The training job's model.tar.gz has the weights but no code, so the evaluation
step writes this one next to its report:

    best.pt, data.yaml, training_summary.json, …   the trained model's files, unchanged, at the root
    code/inference.py                              the entry point
    code/yolo_pipeline/…                           exactly the modules of this bundle inference.py imports
                                                   (found by following its imports, so a new import ships
                                                   without being listed anywhere)
    code/requirements.txt                          the bundle's own pins of the packages the server needs

The registered model version's ModelDataUrl points at it, so an endpoint serves what was evaluated.
"""

from __future__ import annotations

import io
import logging
import modulefinder
import re
import tarfile
from pathlib import Path

from .cli import PipelineError

LOGGER = logging.getLogger(__name__)

SERVING_ARCHIVE = "model.tar.gz"
CODE_DIR = "code"
ENTRY_POINT = "inference.py"
REQUIREMENTS = "requirements.txt"
# What inference.py runs on beyond the inference image (torch, numpy, PyYAML, Pillow are the image's): Ultralytics
# and what it loads on every prediction. Not MLflow, which only training uses.
SERVING_PACKAGES = ("ultralytics-opencv-headless", "opencv-python-headless", "polars", "ultralytics-thop")

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==\S+$")


def code_files(scripts_dir: Path, entry_point: str = ENTRY_POINT) -> list[Path]:
    """The entry point and every module of `scripts_dir` it imports, directly or not, relative to `scripts_dir`."""
    scripts_dir = scripts_dir.resolve()
    # Searching only the bundle: third-party and standard-library imports are not found, so they are not followed.
    finder = modulefinder.ModuleFinder(path=[str(scripts_dir)])
    finder.run_script(str(scripts_dir / entry_point))
    files = {Path(module.__file__).resolve() for module in finder.modules.values() if module.__file__}
    return sorted(path.relative_to(scripts_dir) for path in files if path.is_relative_to(scripts_dir))


def serving_requirements(requirements: Path) -> str:
    """requirements.txt of the endpoint: the pinned lines of SERVING_PACKAGES from the bundle's requirements.txt."""
    pins = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[match.group(1).lower().replace("_", "-")] = line.strip()
    missing = [name for name in SERVING_PACKAGES if name not in pins]
    if missing:
        raise PipelineError(f"{requirements} pins no version of {', '.join(missing)} (expected lines such as "
                            f"'{missing[0]}==<version>'); the endpoint would install whatever is newest.")
    header = ("# pip-installed by the SageMaker inference container at start; the pins of the training bundle's "
              "requirements.txt, so the endpoint runs the library versions the model was evaluated with.\n")
    return header + "".join(f"{pins[name]}\n" for name in SERVING_PACKAGES)


def write_serving_archive(model_root: Path, scripts_dir: Path, archive: Path) -> Path:
    """`archive`: the unpacked trained model at `model_root` plus code/ from `scripts_dir`, written whole then renamed."""
    model_files = sorted(p for p in model_root.iterdir() if p.name != CODE_DIR)
    if (model_root / CODE_DIR).exists():
        LOGGER.warning("Replacing %s from the training output with the serving code.", model_root / CODE_DIR)
    code = code_files(scripts_dir)
    requirements = serving_requirements(scripts_dir / REQUIREMENTS).encode("utf-8")
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(f".{archive.name}.partial")
    with tarfile.open(partial, "w:gz") as tar:
        for path in model_files:
            tar.add(path, arcname=path.name)
        for relative in code:
            tar.add(scripts_dir / relative, arcname=f"{CODE_DIR}/{relative.as_posix()}")
        info = tarfile.TarInfo(f"{CODE_DIR}/{REQUIREMENTS}")
        info.size, info.mode = len(requirements), 0o644
        tar.addfile(info, io.BytesIO(requirements))
    partial.replace(archive)
    LOGGER.info("Wrote %s: %s and %s/ (%s, %s)", archive, ", ".join(p.name for p in model_files), CODE_DIR,
                ", ".join(p.as_posix() for p in code), REQUIREMENTS)
    return archive
