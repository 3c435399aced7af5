"""MLflow experiment tracking for train.py, on when a tracking URI is given (else mlflow is never imported).

The logging itself is Ultralytics' MLflow integration (ultralytics/utils/callbacks/mlflow.py), switched on
through `offline.configure(mlflow=True)`: it logs every training argument as a param, per-epoch losses,
learning rates and val metrics (step = epoch index, from 0; after the last epoch the val metrics get one
more point at the same step, for best.pt), and at the end the weights (`weights/best.pt`, `last.pt`),
plots and results.csv. This module only adds what it lacks for a SageMaker job:

- the run: started here (Ultralytics logs into the active run) with the training job's name; its id is
  kept in the checkpoint dir, so a spot restart that resumes training continues the same run;
- the pipeline's own hyperparameter names (model_variant, batch_size, learning_rate, image_size, …) and the
  dataset (fingerprint, classes, split sizes) as params, and the job as tags;
- the exported model dir (what model.tar.gz holds) as the artifact folder `model/`, then the run's end,
  with status FAILED when training fails.

Configuration, the variables Ultralytics reads too:
    MLFLOW_TRACKING_URI     SageMaker tracking server ARN (the sagemaker-mlflow plugin signs the requests),
                            http(s):// URL or file: URI; train.py's --mlflow-tracking-uri overrides it
    MLFLOW_EXPERIMENT_NAME  experiment (the pipeline sets its own name; default yolo11-training)
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from . import cli

LOGGER = logging.getLogger(__name__)

DEFAULT_EXPERIMENT = "yolo11-training"
RUN_FILE = "mlflow_run.json"  # in the checkpoint dir: the run a restarted job continues
URI_PATTERN = re.compile(r"^(arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:mlflow-[a-z-]+/\S+|https?://\S+|file:\S+)$")
VALID_URIS = ("a SageMaker MLflow tracking server ARN (arn:aws:sagemaker:<region>:<account>:mlflow-tracking-server/"
              "<name>), an http(s):// URL, a file: URI, or empty (no tracking)")


def tracking_uri(value: object) -> str:
    """argparse `type` of --mlflow-tracking-uri."""
    text = str(value).strip()
    if text and not URI_PATTERN.match(text):
        raise cli.invalid_value("mlflow-tracking-uri", value, VALID_URIS)
    return text


def training_job_name(env: Mapping[str, str] | None = None) -> str | None:
    """The SageMaker training job's name (TRAINING_JOB_NAME, else the toolkit's SM_TRAINING_ENV), or None."""
    env = os.environ if env is None else env
    if env.get("TRAINING_JOB_NAME"):
        return env["TRAINING_JOB_NAME"]
    try:
        return json.loads(env.get("SM_TRAINING_ENV") or "{}").get("job_name") or None
    except (json.JSONDecodeError, AttributeError):
        return None


@dataclass
class Tracker:
    """One training job's MLflow run: `start()` before training, then `finish()` or `fail()`."""

    uri: str
    experiment_name: str
    run_name: str | None
    run_id: str | None = None
    experiment_id: str | None = None
    continued: bool = False  # whether start() continued the run of an earlier attempt of this job

    @classmethod
    def from_environment(cls, uri: str, env: Mapping[str, str] | None = None) -> "Tracker | None":
        """A tracker when `uri` is set, else None. Exports the variables Ultralytics' callbacks read."""
        if not uri:
            return None
        env = os.environ if env is None else env
        tracker = cls(uri=uri, experiment_name=env.get("MLFLOW_EXPERIMENT_NAME") or DEFAULT_EXPERIMENT,
                      run_name=training_job_name(env))
        os.environ["MLFLOW_TRACKING_URI"] = tracker.uri
        os.environ["MLFLOW_EXPERIMENT_NAME"] = tracker.experiment_name
        # The run stays open after training so that the exported model dir can still be added to it.
        os.environ["MLFLOW_KEEP_RUN_ACTIVE"] = "true"
        return tracker

    def start(self, checkpoint_dir: Path, continue_run: bool, params: dict[str, object], tags: dict[str, str]) -> None:
        """Start the run (or continue the checkpointed one when `continue_run`); Ultralytics logs into it."""
        try:
            import mlflow
            from ultralytics.utils.callbacks import mlflow as ultralytics_mlflow
        except ImportError as e:
            raise cli.PipelineError(f"MLflow tracking to {self.uri} needs the mlflow package ({e}); "
                                    "install requirements.txt.") from e
        if not ultralytics_mlflow.callbacks:
            raise cli.PipelineError("Ultralytics' MLflow integration is off; offline.configure(mlflow=True) must "
                                    "run before training when a tracking URI is set.")
        run_file = checkpoint_dir / RUN_FILE
        saved = self._saved_run(run_file)
        try:
            mlflow.set_tracking_uri(self.uri)
            self.experiment_id = mlflow.set_experiment(self.experiment_name).experiment_id
            run = None
            if saved and not continue_run:
                self._close_orphan(saved)
            elif saved:
                try:
                    run = mlflow.start_run(run_id=saved)
                    self.continued = True
                except mlflow.exceptions.MlflowException as e:
                    LOGGER.warning("Cannot continue MLflow run %s (%s); starting a new one.", saved, e)
            if run is None:
                run = mlflow.start_run(run_name=self.run_name, tags=tags)
                mlflow.log_params(params)
        except cli.PipelineError:
            raise
        except Exception as e:  # noqa: BLE001 - unreachable server, denied access, bad URI: all stop the job early
            raise cli.PipelineError(f"MLflow tracking at {self.uri} failed before training started: "
                                    f"{type(e).__name__}: {e}") from e
        self.run_id = run.info.run_id
        run_file.write_text(json.dumps({"tracking_uri": self.uri, "run_id": self.run_id}), encoding="utf-8")
        LOGGER.info("MLflow: %s run %s (%s) of experiment %r at %s", "continuing" if self.continued else "started",
                    self.run_id, run.info.run_name, self.experiment_name, self.uri)

    def attach(self, model) -> None:
        """Call with the YOLO model before training. On a continued run Ultralytics' start-of-training set-up is
        skipped: the run is set up already, and MLflow refuses to re-log the resumed arguments (model and resume
        now name last.pt), which Ultralytics reports as "Not tracking this run" although it goes on logging."""
        if self.continued:
            model.add_callback("on_pretrain_routine_start", _skip_ultralytics_run_setup)

    @staticmethod
    def _close_orphan(run_id: str) -> None:
        """Marks KILLED the run of an earlier attempt that left nothing to resume (e.g. killed in epoch 1)."""
        from mlflow.tracking import MlflowClient

        try:
            client = MlflowClient()
            if client.get_run(run_id).info.status == "RUNNING":
                client.set_terminated(run_id, status="KILLED")
                LOGGER.info("MLflow: marked run %s KILLED (an earlier attempt of this job left nothing to resume)", run_id)
        except Exception as e:  # noqa: BLE001 - cosmetic; never worth failing the job
            LOGGER.warning("MLflow: could not close the earlier run %s: %s", run_id, e)

    def _saved_run(self, run_file: Path) -> str | None:
        try:
            saved = json.loads(run_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        return saved.get("run_id") if isinstance(saved, dict) and saved.get("tracking_uri") == self.uri else None

    def summary(self) -> dict[str, object]:
        """What training_summary.json records about the run."""
        return {"tracking_uri": self.uri, "experiment_name": self.experiment_name, "experiment_id": self.experiment_id,
                "run_id": self.run_id, "run_name": self.run_name}

    def finish(self, model_dir: Path) -> None:
        """Add the exported model dir to the run as `model/` and end it. The model itself is already safe in
        the model dir, so an upload failure is logged and marks the run FAILED instead of failing the job."""
        import mlflow

        try:
            mlflow.log_artifacts(str(model_dir), artifact_path="model")
            mlflow.end_run()
        except Exception as e:  # noqa: BLE001
            LOGGER.error("MLflow: could not add %s to run %s (%s: %s); the model is still in model.tar.gz.",
                         model_dir, self.run_id, type(e).__name__, e)
            self.fail()
            return
        LOGGER.info("MLflow: run %s finished with the model in its artifacts (model/, weights/)", self.run_id)

    def fail(self, status: str = "FAILED") -> None:
        """End the run with `status` (FAILED, KILLED) if one is active."""
        import sys

        mlflow = sys.modules.get("mlflow")
        if mlflow is not None and mlflow.active_run() is not None:
            try:
                mlflow.end_run(status=status)
            except Exception as e:  # noqa: BLE001 - the job's own error matters more
                LOGGER.warning("MLflow: could not mark run %s %s: %s", self.run_id, status, e)


def _skip_ultralytics_run_setup(trainer) -> None:
    """Removes Ultralytics' MLflow on_pretrain_routine_end (run set-up, autolog, params) from this trainer."""
    from ultralytics.utils.callbacks import mlflow as ultralytics_mlflow

    hooks = trainer.callbacks["on_pretrain_routine_end"]
    hooks[:] = [hook for hook in hooks if hook is not ultralytics_mlflow.on_pretrain_routine_end]
