"""The trained model as the training job leaves it: model.tar.gz, or the folder SageMaker unpacks it into.

train.py writes best.pt, data.yaml and training_summary.json (plus results.csv, args.yaml) to /opt/ml/model,
which SageMaker tars into model.tar.gz. Processing steps receive the archive; an endpoint receives it
unpacked in /opt/ml/model.
"""

from __future__ import annotations

import json
import logging
import tarfile
from pathlib import Path

from .cli import PipelineError

LOGGER = logging.getLogger(__name__)

MODEL_ARCHIVE = "model.tar.gz"
WEIGHTS_FILE = "best.pt"
SUMMARY_FILE = "training_summary.json"


def read_summary(root: Path) -> dict | None:
    """training_summary.json of an unpacked model, or None when absent or unreadable (it is informative only)."""
    path = root / SUMMARY_FILE
    if not path.is_file():
        return None
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        LOGGER.warning("Ignoring %s: not valid JSON", path)
        return None
    return summary if isinstance(summary, dict) else None


def locate_model(model_dir: Path, workdir: Path) -> tuple[Path, Path, dict | None]:
    """(best.pt, what it came from, training_summary.json or None), unpacking model.tar.gz into workdir if present."""
    archive = model_dir / MODEL_ARCHIVE
    if archive.is_file():
        target = workdir / "model"
        try:
            with tarfile.open(archive) as tar:
                tar.extractall(target, filter="data")  # "data" refuses absolute paths and links out of target
        except (tarfile.TarError, OSError) as e:
            raise PipelineError(f"{archive} cannot be unpacked: {e}") from e
        root, source = target, archive
    elif (model_dir / WEIGHTS_FILE).is_file():
        root, source = model_dir, model_dir / WEIGHTS_FILE
    else:
        found = ", ".join(sorted(p.name for p in model_dir.iterdir())[:10]) if model_dir.is_dir() else "the folder does not exist"
        raise PipelineError(
            f"No model in {model_dir}: expected {MODEL_ARCHIVE} from the training job or {WEIGHTS_FILE} (found: {found or 'nothing'})."
        )
    weights = root / WEIGHTS_FILE
    if not weights.is_file():
        found = ", ".join(sorted(p.name for p in root.iterdir())[:10]) or "nothing"
        raise PipelineError(f"{source} holds no {WEIGHTS_FILE} at its root (found: {found}).")
    return weights, source, read_summary(root)
