"""Fixtures for the pipeline-scripts tests: synthetic data, the code bundle and fake SageMaker jobs.

The scripts run as SageMaker runs them: the bundle (pipeline-scripts/ tarred like sourcedir.tar.gz) is
unpacked into a fake /opt/ml tree in a temp dir, the script is started there as a subprocess with the
toolkit's arguments and environment variables (SM_MODEL_DIR, SM_CHANNEL_DATASET, SM_HPS, …) pointing
into that tree, and a network guard (network_guard/sitecustomize.py) refuses and records any internet
access. Training is expensive, so one interrupted-then-resumed training run per session produces the
model the evaluation tests use.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

import emulator
import synthdata

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "pipeline-scripts"
SCHEMA_PATH = SCRIPTS / "evaluation.schema.json"
NETWORK_GUARD = Path(__file__).resolve().parent / "network_guard"
sys.path.insert(0, str(SCRIPTS))  # in-process tests import the scripts' functions
sys.dont_write_bytecode = True  # no __pycache__ in pipeline-scripts/, which is shipped as the bundle

# Hyperparameters as the pipeline passes them (strings, like SageMaker), scaled down for a CPU.
TRAIN_HPS = {
    "model-variant": "yolo11n", "epochs": "2", "batch-size": "8", "learning-rate": "0.01", "image-size": "64",
    "patience": "20", "seed": "0", "workers": "0",
}
EPOCH_METRICS = ("epoch", "train_box_loss", "train_cls_loss", "train_dfl_loss",
                 "val_precision", "val_recall", "val_mAP50", "val_mAP50_95")
TIMEOUT = 300


def metric_values(stdout: str, name: str) -> list[float]:
    """Values of a metric line, matched like the pipeline's metric definitions (anchored per line)."""
    return [float(v) for v in re.findall(rf"^{re.escape(name)}=([-+0-9.eE]+)$", stdout, flags=re.MULTILINE)]


def toolkit_args(hps: dict[str, str]) -> list[str]:
    """Hyperparameters as the training toolkit passes them: `--key value`, keys sorted."""
    return [item for key in sorted(hps) for item in (f"--{key}", str(hps[key]))]


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SM_", "YOLO_"))}
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1", PYTHONPATH=str(NETWORK_GUARD))
    env.update(extra)
    return env


@dataclass
class Job:
    """A fake SageMaker job: an /opt/ml tree in a temp dir, the unpacked bundle, the environment."""

    root: Path  # stands for /opt/ml
    code: Path  # the unpacked bundle, the working directory
    env: dict[str, str] = field(default_factory=dict)

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def output_data_dir(self) -> Path:
        return self.root / "output" / "data"

    @property
    def checkpoint_dir(self) -> Path:
        return self.root / "checkpoints"

    @property
    def guard_log(self) -> Path:
        return self.root / "network-attempts.log"

    def command(self, script: str, *args: str) -> list[str]:
        return [sys.executable, script, *args]

    def run(self, script: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Run a script of the bundle; `env` overrides some of the job's variables."""
        return subprocess.run(self.command(script, *args), cwd=self.code, env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=TIMEOUT)

    def start(self, script: str, *args: str, stderr_path: Path) -> subprocess.Popen:
        return subprocess.Popen(self.command(script, *args), cwd=self.code, env=self.env, stdout=subprocess.PIPE,
                                stderr=open(stderr_path, "w"), text=True, bufsize=1)

    def failure(self, name: str = "failure") -> str | None:
        path = self.output_dir / name
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def network_attempts(self) -> list[str]:
        return self.guard_log.read_text().splitlines() if self.guard_log.is_file() else []


def unpack_bundle(bundle: Path, code: Path) -> Path:
    code.mkdir(parents=True, exist_ok=True)
    with tarfile.open(bundle) as tar:
        tar.extractall(code, filter="data")
    return code


def training_job(base: Path, bundle: Path, dataset: Path, config_dir: Path, hps: dict[str, str] | None = None,
                 weights: Path | None = None) -> Job:
    """An /opt/ml tree for a training job; hps also go into SM_HPS and SM_HP_<KEY> like the toolkit does."""
    root = base / "opt" / "ml"
    job = Job(root=root, code=unpack_bundle(bundle, root / "code"))
    hps = TRAIN_HPS if hps is None else hps
    env = base_env(
        SM_MODEL_DIR=str(job.model_dir), SM_OUTPUT_DIR=str(job.output_dir), SM_OUTPUT_DATA_DIR=str(job.output_data_dir),
        SM_CHECKPOINT_DIR=str(job.checkpoint_dir), SM_CHANNEL_DATASET=str(dataset), SM_NUM_CPUS="2",
        SM_HPS=json.dumps(hps), YOLO_CONFIG_DIR=str(config_dir), NETWORK_GUARD_LOG=str(job.guard_log),
        **{f"SM_HP_{key.upper()}": str(value) for key, value in hps.items()},
    )
    if weights is not None:
        env["SM_CHANNEL_WEIGHTS"] = str(weights)
    job.env = env
    return job


def processing_job(base: Path, bundle: Path, config_dir: Path) -> Job:
    """An /opt/ml/processing tree; the failure message goes to <root>/output/message."""
    root = base / "opt" / "ml"
    job = Job(root=root, code=unpack_bundle(bundle, root / "processing" / "input" / "code"))
    # Processing jobs have no SM_ variables; SM_OUTPUT_DIR only redirects /opt/ml/output into the temp dir.
    job.env = base_env(SM_OUTPUT_DIR=str(job.output_dir), YOLO_CONFIG_DIR=str(config_dir),
                       NETWORK_GUARD_LOG=str(job.guard_log))
    return job


def tar_model_dir(model_dir: Path, archive: Path) -> Path:
    """model.tar.gz as SageMaker makes it from /opt/ml/model (files at the archive root)."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(model_dir.rglob("*")):
            tar.add(path, arcname=path.relative_to(model_dir).as_posix(), recursive=False)
    return archive


def describe(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n--- stderr (tail) ---\n{result.stderr[-3000:]}\n--- stdout (tail) ---\n{result.stdout[-2000:]}"


# --------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def yolo_config_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("yolo-config")


@pytest.fixture(scope="session")
def offline_ultralytics(yolo_config_dir) -> Path:
    """Ultralytics configured offline in this process (for in-process tests that load checkpoints)."""
    from yolo_pipeline import offline

    return offline.configure(yolo_config_dir)


@dataclass
class SyntheticDataset:
    root: Path
    splits: dict[str, list[synthdata.SyntheticImage]]

    def copy(self, target: Path) -> Path:
        shutil.copytree(self.root, target, ignore=shutil.ignore_patterns("*.cache"))
        return target


@pytest.fixture(scope="session")
def dataset(tmp_path_factory) -> SyntheticDataset:
    root = tmp_path_factory.mktemp("dataset")
    return SyntheticDataset(root=root, splits=synthdata.write_yolo_dataset(root))


@pytest.fixture(scope="session")
def bundle(tmp_path_factory) -> Path:
    """pipeline-scripts/ as the pipeline ships it: sourcedir.tar.gz."""
    archive = tmp_path_factory.mktemp("bundle") / "sourcedir.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(SCRIPTS.rglob("*")):
            if "__pycache__" in path.parts or path.is_dir():
                continue
            tar.add(path, arcname=path.relative_to(SCRIPTS).as_posix())
    return archive


@dataclass
class TrainedModel:
    job: Job
    interrupted_stdout: str
    interrupted_returncode: int
    checkpoint_at_interrupt: dict  # epoch / optimizer presence of last.pt when the first run was killed
    resumed: subprocess.CompletedProcess


def train_interrupted_then_resumed(job: Job, hps: dict[str, str] | None = None,
                                   also_wait_for: Callable[[], bool] | None = None) -> TrainedModel:
    """Run train.py in `job`, SIGKILL it after epoch 1 (a spot interruption), then run it again to the end.

    The kill comes right after epoch 1's metric lines, once `also_wait_for()` is true as well (polled for up
    to 60 s; e.g. until other epoch-end callbacks have written what a test needs).
    """
    from ultralytics.utils.patches import torch_load

    args = toolkit_args(TRAIN_HPS if hps is None else hps)
    first = job.start("train.py", *args, stderr_path=job.root / "interrupted.stderr")
    watchdog = threading.Timer(TIMEOUT, first.kill)
    watchdog.start()
    lines = []
    seen_epoch_1 = False
    for line in first.stdout:
        lines.append(line)
        seen_epoch_1 |= line.strip() == "epoch=1"
        if seen_epoch_1 and line.startswith("val_mAP50_95="):
            deadline = time.monotonic() + 60
            while also_wait_for is not None and not also_wait_for() and time.monotonic() < deadline:
                time.sleep(0.05)
            first.kill()  # SIGKILL: no cleanup, like an instance taken away
            break
    first.wait()
    watchdog.cancel()
    stdout = "".join(lines)
    assert seen_epoch_1, f"the first run never finished epoch 1:\n{(job.root / 'interrupted.stderr').read_text()[-3000:]}"
    last = job.checkpoint_dir / "train" / "weights" / "last.pt"
    ckpt = torch_load(last, map_location="cpu")
    at_interrupt = {"epoch": ckpt.get("epoch"), "has_optimizer": ckpt.get("optimizer") is not None}
    resumed = job.run("train.py", *args)
    return TrainedModel(job, stdout, first.returncode, at_interrupt, resumed)


@pytest.fixture(scope="session")
def trained(tmp_path_factory, bundle, dataset, yolo_config_dir, offline_ultralytics) -> TrainedModel:
    """Train yolo11n from yaml for 2 epochs, killed after epoch 1 (a spot interruption), then restarted."""
    return train_interrupted_then_resumed(training_job(tmp_path_factory.mktemp("training"), bundle, dataset.root,
                                                       yolo_config_dir))


@pytest.fixture(scope="session")
def model_archive(trained, tmp_path_factory) -> Path:
    """The training job's model dir tarred as SageMaker uploads it (model.tar.gz)."""
    assert trained.resumed.returncode == 0, describe(trained.resumed)
    return tar_model_dir(trained.job.model_dir, tmp_path_factory.mktemp("model-artifact") / "model.tar.gz")


@pytest.fixture(scope="session")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@pytest.fixture(scope="module")
def plan() -> dict:
    """The dev stack's `npm run plan -- --json` document (cached per process by emulator.stack_plan)."""
    return emulator.stack_plan()


@pytest.fixture(scope="module")
def aws(plan, dataset, tmp_path_factory):
    """A fresh moto emulator per test module, set up with the stack's bucket, pipeline and roles."""
    with emulator.EmulatedPlatform(plan, dataset.root, tmp_path_factory.mktemp("emulator")) as platform:
        yield platform
