"""The SageMaker container contract: where inputs and outputs live, hyperparameters, the failure file.

SageMaker training jobs (script mode, aws/sagemaker-training-toolkit) expose their layout through
environment variables (SM_MODEL_DIR, SM_CHANNEL_<NAME>, SM_OUTPUT_DIR, SM_OUTPUT_DATA_DIR, SM_HPS …) over
the fixed /opt/ml tree; processing jobs only have the /opt/ml tree. Every path default here follows one
rule so the same scripts run in a container, in tests (env vars pointing into a temp dir) and on a laptop:

    environment variable, if set  →  the /opt/ml path, inside a container  →  a path relative to the cwd
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Mapping

LOGGER = logging.getLogger(__name__)

OPT_ML = Path("/opt/ml")

# SageMaker copies only the first 1024 characters of the failure file into FailureReason / ExitMessage.
FAILURE_REASON_LIMIT = 1024

# Training jobs read FailureReason from /opt/ml/output/failure; processing jobs read ExitMessage from
# /opt/ml/output/message (docs: "Save and Access Metadata Information About Your Processing Job").
TRAINING_FAILURE_FILE = "failure"
PROCESSING_FAILURE_FILE = "message"


def in_container() -> bool:
    """Whether the process runs inside a SageMaker container (which always has /opt/ml)."""
    return OPT_ML.is_dir()


def default_path(env_var: str | None, container_path: str, local_path: str, env: Mapping[str, str] | None = None) -> str:
    """A path default following the module's rule (env var → /opt/ml path in a container → local path)."""
    env = os.environ if env is None else env
    if env_var and env.get(env_var):
        return env[env_var]
    return container_path if in_container() else local_path


def hyperparameters(env: Mapping[str, str] | None = None) -> dict[str, object]:
    """The job's hyperparameters from SM_HPS, keyed like argparse destinations (`model-variant` → `model_variant`).

    The toolkit also passes them as `--key value` arguments; reading SM_HPS as well lets the script run
    correctly when it is started without those arguments (e.g. by a wrapper or a debugger).
    """
    env = os.environ if env is None else env
    raw = env.get("SM_HPS")
    if not raw:
        return {}
    try:
        values = json.loads(raw)
    except json.JSONDecodeError as e:
        LOGGER.warning("Ignoring SM_HPS: it is not valid JSON (%s)", e)
        return {}
    if not isinstance(values, dict):
        LOGGER.warning("Ignoring SM_HPS: expected a JSON object, got %s", type(values).__name__)
        return {}
    return {str(k).replace("-", "_"): v for k, v in values.items()}


def cpu_count(env: Mapping[str, str] | None = None) -> int:
    """CPUs available to the job (SM_NUM_CPUS in training jobs, else what the OS reports)."""
    env = os.environ if env is None else env
    try:
        return max(1, int(env.get("SM_NUM_CPUS", "")))
    except ValueError:
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def failure_file(name: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Where to write the failure reason, or None outside a container (a laptop run only logs it)."""
    env = os.environ if env is None else env
    if env.get("SM_OUTPUT_DIR"):
        return Path(env["SM_OUTPUT_DIR"]) / name
    return OPT_ML / "output" / name if in_container() else None


def write_failure(message: str, name: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Write a short failure reason where SageMaker shows it; returns the file written, if any."""
    path = failure_file(name, env)
    if path is None:
        return None
    text = message.strip()
    if len(text) > FAILURE_REASON_LIMIT:
        text = text[: FAILURE_REASON_LIMIT - 1] + "…"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as e:  # the reason is in the log either way
        LOGGER.warning("Could not write the failure reason to %s: %s", path, e)
        return None
    return path
