"""Ultralytics at run time: offline set-up (`configure()`, before anything imports ultralytics) and device choice.

SageMaker jobs may run with network isolation or in a VPC without a NAT gateway, and the tests run
with no internet. Ultralytics reaches for the network in several places; each is closed here:

- `YOLO_OFFLINE=true` skips the online probe, update checks and telemetry decisions made at import.
- `YOLO_AUTOINSTALL=false` stops `check_requirements` from pip-installing missing packages.
- `YOLO_CONFIG_DIR` points at a writable directory of our own, so settings never touch the user's.
- `check_font` (called by every dataset check and plot) downloads Arial.ttf unless the file is in the
  Ultralytics config folder; matplotlib's bundled DejaVuSans.ttf is copied there under both names it
  asks for (Arial.ttf, Arial.Unicode.ttf), so no system font is needed.
- Settings: sync, hub and every experiment-tracker integration off (mlflow, wandb, …); the pipeline
  logs its own metrics. Only MLflow can be switched back on (`configure(mlflow=True)`), by train.py when
  a tracking server is configured (see yolo_pipeline/tracking.py).
- Downloads are refused outright: `safe_download` tries urllib (no timeout) *before* it consults
  YOLO_OFFLINE, so a missing weights file would stall for minutes in a VPC that drops packets. The AMP
  check on GPUs loads yolo11n.pt that way; with the refusal it logs "checks skipped" and keeps AMP on.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .cli import invalid_value

LOGGER = logging.getLogger(__name__)

FONT_NAMES = ("Arial.ttf", "Arial.Unicode.ttf")
# Integrations that would phone home or need credentials; the pipeline keeps them off.
DISABLED_SETTINGS = (
    "sync", "hub", "clearml", "comet", "dvc", "mlflow", "neptune", "raytune", "tensorboard", "wandb",
    "vscode_msg", "openvino_msg",
)
DEFAULT_CONFIG_DIR = Path(tempfile.gettempdir()) / "yolo-pipeline-config"

_configured_dir: Path | None = None


class DownloadRefused(ConnectionError):
    """Raised instead of any Ultralytics download (a ConnectionError, which Ultralytics already handles)."""


def _refuse_download(*args, **kwargs):
    target = kwargs.get("url") or kwargs.get("repo") or (args[0] if args else "a file")
    raise DownloadRefused(
        f"Download of {target} refused: Ultralytics runs offline in this pipeline. "
        "Provide the file locally (e.g. pretrained weights in the 'weights' channel)."
    )


def ultralytics_config_dir(config_dir: Path) -> Path:
    """The folder Ultralytics actually uses (`$YOLO_CONFIG_DIR/Ultralytics`); fonts and settings live there."""
    return config_dir / "Ultralytics"


def _install_fonts(folder: Path) -> None:
    import matplotlib  # always present: a dependency of ultralytics

    source = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    folder.mkdir(parents=True, exist_ok=True)
    for name in FONT_NAMES:
        target = folder / name
        if not target.is_file():
            shutil.copyfile(source, target)


def configure(config_dir: Path | str | None = None, weights_dir: Path | str | None = None, mlflow: bool = False) -> Path:
    """Set up Ultralytics to run offline; returns the YOLO_CONFIG_DIR used. Idempotent.

    Args:
        config_dir: YOLO_CONFIG_DIR to use (default: $YOLO_CONFIG_DIR, else a folder in the temp dir).
        weights_dir: Ultralytics' weights_dir setting, where `YOLO("<name>.pt")` also looks for a file
            (default: a folder inside the config dir).
        mlflow: turn Ultralytics' MLflow callbacks on (they log to $MLFLOW_TRACKING_URI). Off by default:
            with it off, mlflow is never imported.
    """
    global _configured_dir
    if _configured_dir is not None:
        return _configured_dir
    if "ultralytics" in sys.modules:
        raise RuntimeError("offline.configure() must run before ultralytics is imported")

    config_dir = Path(config_dir or os.environ.get("YOLO_CONFIG_DIR") or DEFAULT_CONFIG_DIR).resolve()
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)
    os.environ["YOLO_OFFLINE"] = "true"
    os.environ["YOLO_AUTOINSTALL"] = "false"
    folder = ultralytics_config_dir(config_dir)
    _install_fonts(folder)

    from ultralytics.utils import SETTINGS  # noqa: E402 - must follow the environment set-up above
    from ultralytics.utils import downloads

    updates = {key: False for key in DISABLED_SETTINGS if key in SETTINGS}
    updates["mlflow"] = bool(mlflow)
    updates.update(
        runs_dir=str(folder / "runs"),
        datasets_dir=str(folder / "datasets"),
        weights_dir=str(Path(weights_dir).resolve() if weights_dir else folder / "weights"),
    )
    SETTINGS.update(updates)
    downloads.safe_download = _refuse_download
    downloads.get_github_assets = _refuse_download
    import ultralytics.data.utils as data_utils  # holds its own reference to safe_download

    data_utils.safe_download = _refuse_download
    LOGGER.debug("Ultralytics configured offline in %s", config_dir)
    _configured_dir = config_dir
    return config_dir


def resolve_device(requested: str) -> str:
    """`auto` → "0" when a GPU is visible, else "cpu"; a GPU index is checked against the GPUs present."""
    import torch

    if requested == "auto":
        return "0" if torch.cuda.is_available() else "cpu"
    if requested != "cpu":
        count = torch.cuda.device_count()
        if int(requested) >= count:
            valid = f"auto, cpu or a GPU index below {count}" if count else "auto or cpu (no GPU is visible)"
            raise invalid_value("device", requested, valid)
    return requested
