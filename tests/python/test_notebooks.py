"""The persona notebooks: committed without outputs, their shared helper, and a headless run of each.

Both notebooks are executed cell by cell (nbclient, a kernel of this venv) against the platform on a local
AWS API emulator with IAM enforced (tests/python/emulator.py): the stack's bucket holding a synthetic
YOLO dataset, the pipeline created from the stack's definition and the persona roles with the stack's
documents. The kernels reach AWS only through the standard boto3 chain (AWS_ENDPOINT_URL, a profile or
environment credentials, STACK_OUTPUTS for the stack's outputs), so the notebooks hold no emulator code;
the network guard of the script tests refuses and records any connection beyond 127.0.0.1.

Both run as their persona role with the stack's policies, the SageMaker statements widened to "*" because
moto checks SageMaker actions only (see emulator.widen_sagemaker_resources); the S3 statements are exact.
The emulator also holds the stack's model package group with one version an earlier run registered.

- The data scientist notebook runs the laptop way (AWS profile `ab` in a throwaway config file) with the
  credentials of the assumed data scientist role; its refusal cells must meet real AccessDenied answers, and
  nothing may have been written, started or approved.
- The ML engineer notebook runs the Studio way (role credentials in the environment, a Studio app variable,
  no profile file) as the ML engineer role. The emulator runs no jobs, so after the cell that starts the
  execution the test plays the pipeline's steps: it uploads the session's trained model (conftest) as the
  training step's model.tar.gz and the evaluation.json that the real evaluate.py writes for it, where the
  pipeline would, and registers the model with the stack's own RegisterYOLO11 arguments (moto evaluates no
  quality gate); the following cells read those. The approval cell runs as committed (it approves nothing)
  and then again with APPROVE_VERSION set, as a user does.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timezone
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from botocore.exceptions import BotoCoreError, ClientError
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

import emulator
from conftest import NETWORK_GUARD, REPO, describe, processing_job
from endpoint_fixtures import served_model_dir, val_images, worker  # noqa: F401 - fixtures

NOTEBOOKS = REPO / "notebooks"
DATA_SCIENTIST = NOTEBOOKS / "data_scientist_example.ipynb"
ML_ENGINEER = NOTEBOOKS / "ml_engineer_example.ipynb"
CELL_TIMEOUT = 180
KERNEL_NAME = "yolo-notebooks-venv"

sys.path.insert(0, str(NOTEBOOKS))
import notebook_support as support  # noqa: E402  (notebooks/ is not a package)


# --------------------------------------------------------------------------------- the committed notebooks


@pytest.mark.parametrize("path", [DATA_SCIENTIST, ML_ENGINEER], ids=lambda p: p.name)
def test_the_notebook_is_committed_without_outputs_or_execution_counts(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    carrying = [cell.get("id") for cell in notebook.cells if cell.cell_type == "code"
                and (cell.outputs or cell.execution_count is not None)]
    assert carrying == [], f"{path.name}: clear the outputs of cells {carrying} (Jupyter: Edit → Clear Outputs of All Cells)"
    timed = [cell.get("id") for cell in notebook.cells if "execution" in cell.metadata]
    assert timed == [], f"{path.name}: cells {timed} carry execution timings (cell metadata 'execution')"
    assert "widgets" not in notebook.metadata, "saved widget state (it holds outputs)"


@pytest.mark.parametrize("path", [DATA_SCIENTIST, ML_ENGINEER, NOTEBOOKS / "notebook_support.py"], ids=lambda p: p.name)
def test_the_notebooks_and_their_helper_carry_no_credentials(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", text), "an AWS access key id"
    assert not re.search(r"(?i)aws_secret_access_key\s*=|SecretAccessKey\"?\s*[:=]\s*\"[^\"]", text), "a secret key"
    assert not re.search(r"(?i)aws_session_token\s*=", text)


# ---------------------------------------------------------------------------- notebook_support, offline


def test_the_documented_defaults_are_the_dev_stacks_outputs(plan):
    outputs = plan["outputs"]
    assert {key: outputs[key] for key in support.DEFAULT_OUTPUTS} == support.DEFAULT_OUTPUTS
    assert {persona: arn.rsplit("/", 1)[-1] for persona, arn in outputs["roleArns"].items()} == support.DEFAULT_ROLE_NAMES


def test_stack_outputs_come_from_the_stack_outputs_file_then_pulumi_then_the_defaults(tmp_path):
    written = tmp_path / "stack-outputs.json"
    written.write_text(json.dumps({"bucketName": "other-bucket", "region": "eu-west-1"}))
    outputs, source = support.load_stack_outputs(env={"STACK_OUTPUTS": str(written)})
    assert (outputs["bucketName"], outputs["region"], outputs["pipelineName"]) == ("other-bucket", "eu-west-1", "drone-dev-yolo11-training")
    assert source == f"STACK_OUTPUTS ({written})"
    # Outputs without `stack` (deployed before it existed) must not pass for the dev stack's in printed commands.
    assert outputs["stack"] == support.UNKNOWN_STACK
    written.write_text(json.dumps({"stack": "prod", "bucketName": "other-bucket"}))
    assert support.load_stack_outputs(env={"STACK_OUTPUTS": str(written)})[0]["stack"] == "prod"

    with pytest.raises(support.SetupError, match="no such file"):
        support.load_stack_outputs(env={"STACK_OUTPUTS": str(tmp_path / "missing.json")})

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    fake.write_text('#!/bin/sh\n[ "$*" = "stack output --json" ] && echo \'{"bucketName": "from-pulumi"}\' && exit 0\nexit 3\n')
    fake.chmod(0o755)
    outputs, source = support.load_stack_outputs(env={"PATH": str(bin_dir)}, repo_root=tmp_path)
    assert outputs["bucketName"] == "from-pulumi" and source.startswith("pulumi stack output --json")
    assert outputs["stack"] == support.UNKNOWN_STACK

    fake.write_text("#!/bin/sh\necho 'error: no stack selected' >&2\nexit 255\n")
    outputs, source = support.load_stack_outputs(env={"PATH": str(bin_dir)})
    assert outputs == support.DEFAULT_OUTPUTS and "no stack selected" in source

    outputs, source = support.load_stack_outputs(env={"PATH": str(tmp_path / "empty")})
    assert outputs == support.DEFAULT_OUTPUTS and source.startswith("documented defaults (no STACK_OUTPUTS file and no pulumi CLI")


def test_credentials_are_profile_ab_on_a_laptop_and_the_default_chain_in_studio_or_with_aws_profile(tmp_path):
    nowhere = tmp_path / "no-metadata.json"
    assert support.credential_choice(env={}, metadata_file=nowhere)[0] == "ab"
    assert support.credential_choice(env={"AWS_PROFILE": "ab"}, metadata_file=nowhere)[0] is None
    assert support.credential_choice(env={"SAGEMAKER_APP_TYPE": "JupyterLab"}, metadata_file=nowhere)[0] is None
    assert support.credential_choice(env={"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"}, metadata_file=nowhere)[0] is None
    metadata = tmp_path / "resource-metadata.json"
    metadata.write_text("{}")
    profile, how = support.credential_choice(env={}, metadata_file=metadata)
    assert profile is None and "SageMaker Studio" in how

    config = tmp_path / "config"
    config.write_text("[profile other]\nregion = us-east-1\n")
    env = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        for name in ("AWS_PROFILE", *support.STUDIO_ENV_VARS, *support.CONTAINER_CREDENTIAL_VARS):
            patch.delenv(name, raising=False)
        with pytest.raises(support.SetupError, match=r"aws configure --profile ab"):
            support.aws_session("us-east-1", env={})


def test_aws_errors_are_classified_for_a_readable_explanation():
    from botocore.exceptions import ClientError, EndpointConnectionError

    def client_error(status, code, message):
        return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")

    assert support.error_details(client_error(403, "AccessDenied", "Access Denied"))["kind"] == "denied"
    assert support.error_details(client_error(400, "AccessDeniedException", "User x is not authorized"))["kind"] == "denied"
    xml = ('<?xml version="1.0"?><ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: a is not '
           'authorized to perform: sagemaker:StartPipelineExecution</Message></Error></Errors></ErrorResponse>')
    details = support.error_details(client_error(403, "403", xml))
    assert (details["kind"], details["code"], details["message"]) == (
        "denied", "AccessDenied", "User: a is not authorized to perform: sagemaker:StartPipelineExecution")
    page = "<!doctype html><title>500 Internal Server Error</title><h1>Internal Server Error</h1><p>The server failed.</p>"
    details = support.error_details(client_error(500, "500", page))
    assert details["kind"] == "unavailable" and details["message"] == "Internal Server Error The server failed."
    assert support.error_details(client_error(404, "NoSuchKey", "gone"))["kind"] == "missing"
    assert support.error_details(client_error(400, "ThrottlingException", "Rate exceeded"))["kind"] == "throttled"
    assert support.error_details(client_error(400, "ExpiredToken", "expired"))["kind"] == "credentials"
    assert support.error_details(EndpointConnectionError(endpoint_url="https://x"))["kind"] == "network"


def test_pipeline_helpers_read_the_stacks_definition(plan):
    import train
    from yolo_pipeline import cli

    definition = plan["pipelineDefinition"]
    arn = f"{plan['outputs']['pipelineArn']}/execution/abc123def456"
    assert support.evaluation_report_uri(definition, arn) == f"{plan['outputs']['bucketPrefixes']['evaluation']}abc123def456/evaluation.json"
    chosen = {"Epochs": 3, "ImageSize": 320, "ModelVariant": "yolo11s"}
    assert support.check_parameters(definition, chosen) == []
    arguments = support.training_arguments(definition, chosen)
    parsed = train.parse_args(arguments, env={})
    assert (parsed.epochs, parsed.image_size, parsed.model_variant, parsed.batch_size) == (3, 320, "yolo11s", 16)
    problems = support.check_parameters(definition, {"Epochs": "ten", "ModelVariant": "yolo12n", "Epoch": 1})
    assert [p.split(" ")[0] for p in problems] == ["Epochs='ten'", "ModelVariant='yolo12n'", "Epoch:"]
    with pytest.raises(cli.UsageError, match="'image-size=100' is an invalid value"):
        train.parse_args(support.training_arguments(definition, {"ImageSize": 100}), env={})


def register_step(plan: dict) -> dict:
    """The definition's RegisterModel step (inside the quality gate's Condition steps)."""
    def walk(steps):
        for step in steps:
            yield step
            for branch in ("IfSteps", "ElseSteps"):
                yield from walk(step.get("Arguments", {}).get(branch, []))
    (step,) = [step for step in walk(plan["pipelineDefinition"]["Steps"]) if step["Type"] == "RegisterModel"]
    return step


def json_get_paths(value) -> list[str]:
    if isinstance(value, dict):
        return ([value["Std:JsonGet"]["Path"]] if "Std:JsonGet" in value else []) + [p for v in value.values() for p in json_get_paths(v)]
    return [p for v in value for p in json_get_paths(v)] if isinstance(value, list) else []


def test_the_registry_helpers_read_what_the_stacks_register_step_records(plan):
    arguments = register_step(plan)["Arguments"]
    assert arguments["ModelPackageGroupName"] == plan["outputs"]["modelPackageGroupName"]
    metadata = arguments["CustomerMetadataProperties"]
    assert metadata[support.EXECUTION_METADATA] == {"Get": "Execution.PipelineExecutionArn"}
    assert {label: json_get_paths(metadata[label]) for label in support.METRIC_METADATA} == {
        label: [f"detection_metrics.{key}.value"] for label, key in support.METRIC_METADATA.items()}

    assert support.version_metrics({"mAP50-95": "0.5347", "mAP50": "", "precision": "n/a", "recall": "nan"}) == {
        "mAP50-95": 0.5347, "mAP50": None, "precision": None, "recall": None}
    assert support.version_metrics(None) == dict.fromkeys(support.METRIC_METADATA)
    assert support.approval_status({}) == "PendingManualApproval"  # as AWS shows a version registered without one
    assert support.approval_status({"ModelApprovalStatus": "Rejected"}) == "Rejected"
    both = {"CustomerMetadataProperties": {"pipeline-execution-arn": "arn:a"}, "MetadataProperties": {"GeneratedBy": "arn:b"}}
    assert support.producing_execution(both) == "arn:a"
    assert support.producing_execution({"MetadataProperties": {"GeneratedBy": "arn:b"}}) == "arn:b"
    assert support.producing_execution({}) is None
    metrics = {"mAP50-95": 0.53471, "mAP50": None, "precision": 0.7, "recall": 0.1}
    assert support.approval_description(metrics, f"{plan['outputs']['pipelineArn']}/execution/abc123", "here") == (
        "Approved in here on mAP50-95 0.5347, precision 0.7000, recall 0.1000 (pipeline execution abc123)")
    assert len(support.approval_description(metrics, None, "x" * 2000)) == support.MAX_APPROVAL_DESCRIPTION


def test_the_deployment_helpers_find_the_deployable_version_its_baseline_and_the_commands():
    versions = [{"ModelPackageVersion": 4, "ModelApprovalStatus": "PendingManualApproval"}, {"ModelPackageVersion": 3, "ModelApprovalStatus": "Approved"},
                {"ModelPackageVersion": 2}, {"ModelPackageVersion": 1, "ModelApprovalStatus": "Approved"}]
    assert [v["ModelPackageVersion"] for v in support.approved_versions(versions)] == [3, 1]
    prefix = "s3://bucket/monitoring/baseline/abc123/"
    quality = lambda statistics, constraints: {"ModelMetrics": {"ModelDataQuality": {  # noqa: E731
        "Statistics": {"ContentType": "application/json", "S3Uri": statistics},
        "Constraints": {"ContentType": "application/json", "S3Uri": constraints}}}}
    assert support.version_baseline(quality(f"{prefix}statistics.json", f"{prefix}constraints.json")) == prefix
    assert support.version_baseline(quality(f"{prefix}statistics.json", "s3://bucket/other/constraints.json")) is None
    assert support.version_baseline({"ModelMetrics": {"ModelQuality": {}}}) is None
    commands = support.deploy_commands("prod", 3)
    assert commands[0].startswith("npm run -s pipeline -- --stack prod deploy 3 --dry-run") and commands[-1].startswith("pulumi up --stack prod")
    assert support.image_content_type(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert support.image_content_type(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert support.image_content_type(b"GIF89a") is None
    response = {"detections": [{"class_name": "vehicle", "score": 0.91234, "box": {"xyxy": [1, 2.25, 30, 40]}},
                               {"class_name": "person", "score": 0.2, "box": {"xyxy": [5, 5, 6, 6]}}]}
    assert support.detection_rows(response, 0.25) == [("vehicle", "0.912", "1.0, 2.2, 30.0, 40.0")]


def test_invoking_refuses_what_the_endpoint_cannot_decode_before_any_call():
    class Unreachable:
        def invoke_endpoint(self, **_):
            raise AssertionError("nothing may be sent")

    schema = REPO / "pipeline-scripts" / "detections.schema.json"
    with pytest.raises(support.SetupError, match="neither JPEG nor PNG"):
        support.invoke_endpoint(Unreachable(), "e", b"GIF89a...", schema)
    with pytest.raises(support.SetupError, match="InvokeEndpoint takes at most 6291456"):
        support.invoke_endpoint(Unreachable(), "e", b"\xff\xd8\xff" + bytes(support.MAX_INVOKE_BYTES), schema)


# ---------------------------------------------------------------------------------- headless execution


@pytest.fixture(scope="module")
def evaluation_step(tmp_path_factory, bundle, yolo_config_dir, model_archive, dataset):
    """evaluation.json as the pipeline's EvaluateYOLO11 step writes it for the session's trained model.

    A future: evaluate.py runs in the background (a subprocess) while the notebooks execute, and the ML
    engineer run waits for it where the pipeline would deliver the report.
    """
    job = processing_job(tmp_path_factory.mktemp("evaluation-step"), bundle, yolo_config_dir)
    model_dir = job.root / "processing" / "model"
    model_dir.mkdir(parents=True)
    shutil.copy2(model_archive, model_dir / "model.tar.gz")
    output_dir = job.root / "processing" / "evaluation"

    def evaluate() -> Path:
        result = job.run("evaluate.py", "--model-dir", str(model_dir), "--data-dir", str(dataset.root), "--output-dir",
                         str(output_dir), "--image-size", "64", "--batch-size", "16", "--workers", "0")
        assert result.returncode == 0, describe(result)
        return output_dir / "evaluation.json"

    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(evaluate)


def kernel_manager(spec_dir: Path) -> AsyncKernelManager:
    """A kernel of this venv's Python, whatever kernelspecs the machine has."""
    spec = spec_dir / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (project venv)", "language": "python"}))
    specs = KernelSpecManager(kernel_dirs=[str(spec_dir)], ensure_native_kernel=False)
    return AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)


def execute(path: Path, env: dict[str, str], workdir: Path, after_cell=None) -> nbformat.NotebookNode:
    """Run every code cell in order (nbclient raises CellExecutionError on the first error).

    `after_cell(cell)` is called after each code cell; when it returns True it has edited the cell, as a user
    would, and the cell runs once more.
    """
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, km=kernel_manager(workdir / "kernels"), timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        with client.setup_kernel(env=env):
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)
                    if after_cell is not None and after_cell(cell):
                        client.execute_cell(cell, index)
    finally:
        nbformat.write(notebook, workdir / path.name)  # the executed notebook, to open when a test fails
    return notebook


def cell(notebook, cell_id: str):
    (found,) = [c for c in notebook.cells if c.get("id") == cell_id]
    return found


def text(code_cell) -> str:
    """Everything a code cell showed as text: streams, plain text and Markdown."""
    parts = []
    for output in code_cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("display_data", "execute_result"):
            parts.append(output.data.get("text/markdown", output.data.get("text/plain", "")))
    return "".join(parts)


def images(code_cell) -> int:
    return sum("image/png" in output.get("data", {}) for output in code_cell.outputs)


def common_environment(aws, workdir: Path, outputs: dict | None = None) -> dict[str, str]:
    outputs_file = workdir / "stack-outputs.json"  # what `pulumi stack output --json > stack-outputs.json` writes
    outputs_file.write_text(json.dumps(aws.outputs if outputs is None else outputs, indent=2))
    (workdir / "tmp").mkdir(exist_ok=True)
    return {**emulator.kernel_environment(), "AWS_ENDPOINT_URL": aws.server.endpoint, "STACK_OUTPUTS": str(outputs_file),
            "TMPDIR": str(workdir / "tmp"), "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "no-credentials"),
            "PYTHONPATH": str(NETWORK_GUARD), "NETWORK_GUARD_LOG": str(workdir / "network-attempts.log")}


def check_clean_run(notebook, workdir: Path) -> None:
    for code_cell in notebook.cells:
        if code_cell.cell_type == "code":
            assert not [o for o in code_cell.outputs if o.output_type == "error"], code_cell.id
            assert "Traceback" not in text(code_cell), f"{code_cell.id}:\n{text(code_cell)}"
            if "expect-image" in code_cell.metadata.get("tags", []):
                assert images(code_cell) >= 1, f"{code_cell.id} drew no image:\n{text(code_cell)}"
    log = workdir / "network-attempts.log"
    assert not log.is_file() or log.read_text() == "", f"the kernel tried to leave 127.0.0.1:\n{log.read_text()}"


METRICS = (("mAP50-95", "mAP50_95"), ("mAP50", "mAP50"), ("precision", "precision"), ("recall", "recall"))


def register_like_the_pipeline(aws, execution_arn: str, report: dict, model_uri: str, with_status: bool = True) -> str:
    """CreateModelPackage with the arguments of the stack's RegisterYOLO11 step, resolved for an execution.

    The step's references are filled in as SageMaker would: the execution ARN and parameters, the training
    step's model artifact, the evaluation step's outputs (report, serving archive) and values of its property file
    (`report`), the baseline step's output.
    Without `with_status` the status is left out, like a version registered by hand (moto then leaves it
    unset, where AWS would show PendingManualApproval).
    """
    sagemaker = aws.client("sagemaker")
    definition = aws.plan["pipelineDefinition"]
    parameters = {p["Name"]: p.get("DefaultValue") for p in definition["Parameters"]}
    parameters.update({p["Name"]: p["Value"] for p in sagemaker.list_pipeline_parameters_for_execution(
        PipelineExecutionArn=execution_arn).get("PipelineParameters", [])})  # moto omits an empty list
    report_uri = support.evaluation_report_uri(definition, execution_arn, parameters)
    references = {
        "Execution.PipelineExecutionArn": execution_arn,
        "Steps.TrainYOLO11.ModelArtifacts.S3ModelArtifacts": model_uri,
        "Steps.PrepareDataset.ProcessingOutputConfig.Outputs['dataset'].S3Output.S3Uri":
            f"{aws.outputs['bucketPrefixes']['datasets']}prepared/{execution_arn.rsplit('/', 1)[1]}/dataset/",
        "Steps.EvaluateYOLO11.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri": report_uri.rsplit("/", 1)[0],
        "Steps.EvaluateYOLO11.PropertyFiles.EvaluationReport": report,
        "Steps.EvaluateYOLO11.ProcessingOutputConfig.Outputs['serving'].S3Output.S3Uri":
            f"{aws.outputs['bucketPrefixes']['models']}serving/{execution_arn.rsplit('/', 1)[1]}",
        "Steps.BaselineStatistics.ProcessingOutputConfig.Outputs['monitoring_output'].S3Output.S3Uri":
            f"{aws.outputs['bucketPrefixes']['monitoring']}baseline/{execution_arn.rsplit('/', 1)[1]}",
        **{f"Parameters.{name}": value for name, value in parameters.items()},
    }

    def resolve(value):
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "Get" in value:
            return references[value["Get"]]  # a KeyError names a reference this test does not know yet
        if "Std:Join" in value:
            return value["Std:Join"].get("On", "").join(str(resolve(v)) for v in value["Std:Join"]["Values"])
        if "Std:JsonGet" in value:
            found = resolve(value["Std:JsonGet"]["PropertyFile"])
            for key in value["Std:JsonGet"]["Path"].split("."):
                found = found[key]
            return found
        return {key: resolve(v) for key, v in value.items()}

    arguments = resolve(register_step(aws.plan)["Arguments"])
    if not with_status:
        arguments.pop("ModelApprovalStatus")
    return sagemaker.create_model_package(**arguments)["ModelPackageArn"]


def described(aws, arn: str) -> dict:
    answer = aws.client("sagemaker").describe_model_package(ModelPackageName=arn)
    answer.pop("ResponseMetadata")
    return answer


def version_row(version: dict, status: str, metrics: dict[str, float], execution: str) -> str:
    """A row of the notebooks' version table, built from what the test registered."""
    created = version["CreationTime"].astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")
    values = " | ".join(f"{metrics[label]:.4f}" for label, _ in METRICS)
    return f"| {version['ModelPackageVersion']} | {status} | {created} | {values} | {execution} |"


@pytest.fixture(scope="module")
def registry(aws):
    """The stack's model package group, holding a version an earlier execution registered (without a status)."""
    sagemaker = aws.client("sagemaker")
    group = aws.outputs["modelPackageGroupName"]
    try:
        sagemaker.describe_model_package_group(ModelPackageGroupName=group)
    except ClientError:  # the emulator's set-up does not create it (yet)
        sagemaker.create_model_package_group(ModelPackageGroupName=group,
                                             ModelPackageGroupDescription="YOLO11 drone object detector")
    earlier = sagemaker.start_pipeline_execution(PipelineName=aws.outputs["pipelineName"],
                                                 PipelineExecutionDisplayName="earlier-run")["PipelineExecutionArn"]
    metrics = {"mAP50-95": 0.48114, "mAP50": 0.77021, "precision": 0.74033, "recall": 0.66041}
    report = {"detection_metrics": {key: {"value": metrics[label]} for label, key in METRICS}}
    earlier_id = earlier.rsplit("/", 1)[-1]
    arn = register_like_the_pipeline(aws, earlier, report, with_status=False,
                                     model_uri=f"{aws.outputs['bucketPrefixes']['models']}pipelines-{earlier_id}-TrainYOLO11-a1b2c3d4e5/output/model.tar.gz")
    return SimpleNamespace(group=group, earlier=earlier, earlier_id=earlier_id, earlier_arn=arn, earlier_metrics=metrics,
                           earlier_version=described(aws, arn))


def group_versions(aws, group: str) -> dict[int, dict]:
    """Every version of the group as DescribeModelPackage answers (with the set-up credentials), by number."""
    listed = aws.client("sagemaker").list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
    return {summary["ModelPackageVersion"]: described(aws, summary["ModelPackageArn"]) for summary in listed}


@pytest.fixture(scope="module")
def data_scientist_run(aws, registry, tmp_path_factory, evaluation_step):
    """The data scientist notebook on a 'laptop': profile ab holding the assumed data scientist role's credentials.

    The role is the SageMaker-widened twin (S3 statements exact), which the stack outputs the kernel reads name
    as the data scientist role, so that the notebook's role checks treat it as such.
    (evaluation_step is only requested to start evaluate.py early, so that it runs alongside this notebook.)
    """
    workdir = tmp_path_factory.mktemp("data-scientist-notebook")
    role = aws.assumed[("data-scientist", emulator.WIDENED)]
    config = workdir / "aws-config"
    config.write_text(f"[profile ab]\nregion = {aws.region}\naws_access_key_id = {role.access_key}\n"
                      f"aws_secret_access_key = {role.secret_key}\naws_session_token = {role.session_token}\n")
    role_arns = dict(aws.outputs["roleArns"])
    role_arns["data-scientist"] = f"{role_arns['data-scientist'].rsplit('/', 1)[0]}/{aws.role_names[('data-scientist', emulator.WIDENED)]}"
    env = {**common_environment(aws, workdir, {**aws.outputs, "roleArns": role_arns}), "AWS_CONFIG_FILE": str(config)}
    versions_before = group_versions(aws, registry.group)
    notebook = execute(DATA_SCIENTIST, env, workdir)
    return SimpleNamespace(notebook=notebook, workdir=workdir, versions_before=versions_before,
                           versions_after=group_versions(aws, registry.group))


def test_the_data_scientist_notebook_runs_every_cell_on_profile_ab_as_the_data_scientist_role(data_scientist_run, aws):
    notebook = data_scientist_run.notebook
    check_clean_run(notebook, data_scientist_run.workdir)
    shown = text(cell(notebook, "config"))
    assert "credentials   : AWS profile 'ab'" in shown
    assert "stack outputs : STACK_OUTPUTS" in shown
    assert f"AWS sees you as arn:aws:sts::123456789012:assumed-role/{aws.role_names[('data-scientist', emulator.WIDENED)]}/" in shown
    assert "Note: this notebook is written for" not in shown
    assert f"model group   : {aws.outputs['modelPackageGroupName']}" in shown


def test_the_data_scientist_notebook_explores_the_dataset_with_the_projects_helpers(data_scientist_run, dataset):
    notebook = data_scientist_run.notebook
    listed = text(cell(notebook, "list-bucket"))
    assert "top-level prefixes: datasets/" in listed and "datasets: drone-detection" in listed
    counts = {split: len(images) for split, images in dataset.splits.items()}
    for split, count in counts.items():
        assert f"| {split} | {count} |" in listed
    downloaded = text(cell(notebook, "download-sample"))
    for split, count in counts.items():
        assert f"{split}: {count} of {count} images" in downloaded  # the synthetic dataset is smaller than the sample
    assert "validation: OK" in text(cell(notebook, "validate-sample"))
    assert images(cell(notebook, "draw-boxes")) == 1 and images(cell(notebook, "distribution")) == 1
    boxes = [sum(1 for images in dataset.splits.values() for image in images for box in image.boxes if box[0] == c) for c in range(3)]
    assert f"boxes per class: vehicle={boxes[0]}, person={boxes[1]}, building={boxes[2]}" in text(cell(notebook, "distribution"))
    profile = text(cell(notebook, "profile"))
    assert f"{sum(counts.values())} images profiled" in profile and "**Recommendations**" in profile
    assert "few_instances" in profile  # the synthetic classes have far fewer than 100 boxes each
    assert images(cell(notebook, "profile-plots")) == 5


def test_the_data_scientist_notebook_meets_real_refusals_for_a_write_and_a_pipeline_start(data_scientist_run, aws):
    refused = text(cell(data_scientist_run.notebook, "refused-write"))
    assert "✗ writing to the models/ prefix: AccessDenied, HTTP 403" in refused
    assert "✗ starting the training pipeline: AccessDenied, HTTP 403" in refused
    assert "is not authorized to perform: sagemaker:StartPipelineExecution" in refused
    assert "has no s3:PutObject" in refused and "ALLOWED" not in refused
    # Refused for real: nothing was written or started (checked with the set-up credentials).
    s3 = aws.client("s3")
    assert s3.list_objects_v2(Bucket=aws.bucket, Prefix="models/access-check/")["KeyCount"] == 0
    executions = aws.client("sagemaker").list_pipeline_executions(PipelineName=aws.outputs["pipelineName"])
    assert not [e for e in executions["PipelineExecutionSummaries"]
                if e.get("PipelineExecutionDisplayName") == "permission-check-data-scientist"]


def test_the_data_scientist_notebook_lists_the_registered_model_versions(data_scientist_run, registry):
    listed = text(cell(data_scientist_run.notebook, "model-versions"))
    assert f"**{registry.group}**, newest first" in listed
    # Registered without a status: shown as AWS shows it.
    assert version_row(registry.earlier_version, "PendingManualApproval", registry.earlier_metrics, registry.earlier_id) in listed
    waiting = re.search(r"waiting for an ML engineer's decision: (.*)", listed)
    assert waiting and str(registry.earlier_version["ModelPackageVersion"]) in waiting.group(1).split(", ")


def test_the_data_scientist_notebook_shows_the_labeling_flow_of_its_stack(data_scientist_run):
    # The dev stack has labeling off (moto implements no labeling API; the CLI's tests check the request
    # against botocore's model): the cell says so, how to turn it on, and the commands of the flow.
    shown = text(cell(data_scientist_run.notebook, "labeling"))
    assert "Labeling is off in this stack (labeling: false)" in shown and "labelingWorkteamArn" in shown
    assert "label start --manifest s3://" in shown and "label status" in shown


def run_cell_as(code_cell, namespace: dict) -> str:
    """What a committed code cell prints when run with `namespace` as the kernel's globals (the cells before it)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code_cell.source, f"<cell {code_cell.get('id')}>", "exec"), dict(namespace))
    return printed.getvalue()


def setup_user_arn(aws) -> str:
    return aws.client("sts").get_caller_identity()["Arn"]


def test_the_data_scientist_notebook_shows_a_labeling_stacks_work_team_role_and_classes(aws):
    # The labeling-on branch of the cell, with the outputs of the `full` stack (labeling on, the same bucket): it
    # only reads the label categories object (S3 GetObject, which moto implements), as the full stack's data
    # scientist role with its exact S3 statements; and the dev stack's role (labeling off) is refused the read.
    full = emulator.stack_plan("full")
    assert full["outputs"]["bucketName"] == aws.bucket
    labeling = full["outputs"]["labeling"]
    (categories,) = [r for r in emulator.resources(full, "aws:s3/bucketObjectv2:BucketObjectv2") if r["name"] == "labeling-label-categories"]
    bucket, key = support.split_s3_uri(labeling["labelCategoryConfigUri"])
    assert (bucket, key) == (aws.bucket, categories["inputs"]["key"])
    documents = emulator.role_documents(full, "data-scientist")
    iam = aws.client("iam")
    role_name = f"{documents.name}-labeling-check"
    # The stack's trust policy names SageMaker, which this test cannot be, and moto checks trust once IAM is
    # enforced: this copy trusts the set-up user; its permissions are the stack's, exactly.
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": setup_user_arn(aws)}, "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    for policy_name, text_ in documents.policies.items():
        iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=text_)
    assumed = aws.client("sts").assume_role(RoleArn=arn, RoleSessionName="labeling-check")["Credentials"]
    as_full_data_scientist = aws.client("s3", emulator.Credentials(assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"]))
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=categories["inputs"]["content"].encode())
    try:
        notebook = nbformat.read(DATA_SCIENTIST, as_version=4)
        globals_ = {"outputs": full["outputs"], "support": support, "BUCKET": aws.bucket, "ClientError": ClientError, "BotoCoreError": BotoCoreError}
        shown = run_cell_as(cell(notebook, "labeling"), {**globals_, "s3": as_full_data_scientist})
        assert f"work team        : {labeling['workteamArn']}" in shown
        assert f"labeling role    : {labeling['roleArn']}" in shown
        assert f"outputs go to    : s3://{aws.bucket}/labeling/" in shown
        assert "classes (ids 0…) : vehicle, person, building" in shown
        assert "✗" not in shown and "Labeling is off" not in shown
        refused = run_cell_as(cell(notebook, "labeling"), {**globals_, "s3": aws.client("s3", aws.assumed[("data-scientist", emulator.EXACT)])})
        assert f"✗ reading the label categories {labeling['labelCategoryConfigUri']}: AccessDenied" in refused
    finally:
        aws.client("s3").delete_object(Bucket=bucket, Key=key)


def test_the_data_scientist_notebook_is_refused_approving_a_model_and_the_version_is_unchanged(data_scientist_run, registry):
    refused = text(cell(data_scientist_run.notebook, "refused-approval"))
    before, after = data_scientist_run.versions_before, data_scientist_run.versions_after
    newest = max(before)  # the version the notebook tries
    assert f"version {newest} ({support.approval_status(before[newest])}): {before[newest]['ModelPackageArn']}" in refused
    assert f"✗ approving version {newest} of {registry.group}: AccessDenied, HTTP 403" in refused
    assert "is not authorized to perform: sagemaker:UpdateModelPackage" in refused
    assert "has no sagemaker:UpdateModelPackage" in refused and "ALLOWED" not in refused and "Skipped" not in refused
    # Refused for real: no version changed (an UpdateModelPackage would set the status, the description and the
    # modification time, and moto's also drops the metadata).
    assert after == before
    assert "ApprovalDescription" not in after[newest] and "LastModifiedTime" not in after[newest]


@pytest.fixture(scope="module")
def ml_engineer_run(aws, registry, evaluation_step, model_archive, tmp_path_factory):
    """The ML engineer notebook in 'Studio': role credentials in the environment, no AWS profile file."""
    workdir = tmp_path_factory.mktemp("ml-engineer-notebook")
    role = aws.assumed[("ml-engineer", emulator.WIDENED)]
    (workdir / "empty-config").write_text("")
    env = {**common_environment(aws, workdir), "AWS_CONFIG_FILE": str(workdir / "empty-config"),
           "AWS_ACCESS_KEY_ID": role.access_key, "AWS_SECRET_ACCESS_KEY": role.secret_key,
           "AWS_SESSION_TOKEN": role.session_token, "AWS_REGION": aws.region, "SAGEMAKER_APP_TYPE": "JupyterLab"}
    sagemaker, s3 = aws.client("sagemaker"), aws.client("s3")
    pipeline = aws.outputs["pipelineName"]

    def executions() -> set[str]:
        return {e["PipelineExecutionArn"] for e in sagemaker.list_pipeline_executions(PipelineName=pipeline)["PipelineExecutionSummaries"]}

    earlier = registry.earlier
    before = executions()
    played = {}

    def play_the_pipeline_steps(code_cell) -> bool:
        """After the start cell: what TrainYOLO11, EvaluateYOLO11 and RegisterYOLO11 would produce for the new
        execution. After the approval cell as committed: note what it did, then set APPROVE_VERSION and run it again."""
        tags = code_cell.metadata.get("tags", [])
        if "approve-model" in tags and "declined" not in played:
            played.update(declined=text(code_cell), while_declined=described(aws, played["version_arn"]))
            assert code_cell.source.count("\nAPPROVE_VERSION = None\n") == 1, "the committed cell must approve nothing"
            code_cell.source = code_cell.source.replace("\nAPPROVE_VERSION = None\n", f"\nAPPROVE_VERSION = {played['version']}\n")
            return True
        if "start-execution" not in tags:
            return False
        (arn,) = executions() - before
        evaluation_report = evaluation_step.result(timeout=300)
        execution_id = arn.rsplit("/", 1)[-1]
        output_path = next(p["DefaultValue"] for p in aws.plan["pipelineDefinition"]["Parameters"] if p["Name"] == "OutputPath")
        bucket, prefix = support.split_s3_uri(output_path)
        model_key = f"{prefix}pipelines-{execution_id}-TrainYOLO11-x1y2z3w4v5/output/model.tar.gz"
        s3.upload_file(str(model_archive), bucket, model_key)
        _, evaluation_prefix = support.split_s3_uri(aws.outputs["bucketPrefixes"]["evaluation"])
        s3.upload_file(str(evaluation_report), aws.bucket, f"{evaluation_prefix}{execution_id}/evaluation.json")
        model_uri = f"s3://{bucket}/{model_key}"
        version_arn = register_like_the_pipeline(aws, arn, json.loads(evaluation_report.read_text()), model_uri)
        played.update(arn=arn, execution_id=execution_id, model_uri=model_uri, version_arn=version_arn,
                      version=described(aws, version_arn)["ModelPackageVersion"], registered=described(aws, version_arn))
        return False

    notebook = execute(ML_ENGINEER, env, workdir, after_cell=play_the_pipeline_steps)
    assert played, "the notebook never started an execution"
    report = json.loads(evaluation_step.result().read_text())
    return SimpleNamespace(notebook=notebook, workdir=workdir, earlier=earlier, report=report, **played)


def test_the_ml_engineer_notebook_runs_every_cell_in_studio_mode_as_the_ml_engineer_role(ml_engineer_run, aws):
    """Runs as the ML engineer role with SageMaker statements widened to "*" (moto checks SageMaker actions
    only; ARN scoping is covered by tests/stack/iamDocuments.spec.ts); S3 statements exact."""
    notebook = ml_engineer_run.notebook
    check_clean_run(notebook, ml_engineer_run.workdir)
    shown = text(cell(notebook, "config"))
    assert "credentials   : default credential chain: SageMaker Studio (SAGEMAKER_APP_TYPE=JupyterLab)" in shown
    assert f"assumed-role/{aws.role_names[('ml-engineer', emulator.WIDENED)]}/" in shown
    described = text(cell(notebook, "describe-pipeline"))
    assert "steps PrepareDataset (Processing) → CheckDataset (Condition) → TrainYOLO11 (Training) → EvaluateYOLO11 (Processing)" in described and "| Epochs | Integer | 50 |" in described
    assert "✓ the values are valid for the deployed pipeline and for train.py" in text(cell(notebook, "hyperparameters"))
    assert f"model group   : {aws.outputs['modelPackageGroupName']}" in shown
    started = text(cell(notebook, "start-execution"))
    assert f"started {ml_engineer_run.arn}" in started


def test_the_ml_engineer_notebook_follows_the_execution_and_explains_a_step_list_the_service_cannot_give(ml_engineer_run):
    followed = text(cell(ml_engineer_run.notebook, "follow"))
    assert "✗ reading the execution's step list" in followed  # moto has no ListPipelineExecutionSteps
    assert "Following the execution's overall status instead" in followed
    assert "execution: Succeeded" in followed and f"{ml_engineer_run.execution_id}: Succeeded" in followed


def test_the_ml_engineer_notebook_shows_the_metrics_evaluate_py_wrote_as_a_table_and_a_plot(ml_engineer_run):
    notebook, report = ml_engineer_run.notebook, ml_engineer_run.report
    shown = text(cell(notebook, "evaluation"))
    assert f"evaluation/{ml_engineer_run.execution_id}/evaluation.json" in shown and "schema: valid" in shown
    for label, key in (("mAP50", "mAP50"), ("mAP50-95", "mAP50_95"), ("precision", "precision"), ("recall", "recall")):
        assert f"| {label} | {report['detection_metrics'][key]['value']:.4f} |" in shown
    for entry in report["per_class"]:
        assert f"| {entry['class_name']} | {entry['instances']} | {entry['mAP50']:.4f} |" in shown
    assert images(cell(notebook, "evaluation-plot")) == 1


def test_the_ml_engineer_notebook_lists_recent_executions_and_finds_the_model_artifact(ml_engineer_run):
    notebook, run = ml_engineer_run.notebook, ml_engineer_run
    listed = text(cell(notebook, "executions"))
    assert f"| {run.execution_id} ← this run | notebook-" in listed
    assert f"{run.report['detection_metrics']['mAP50_95']['value']:.4f} |" in listed
    assert f"| {run.earlier.rsplit('/', 1)[-1]} | earlier-run | Succeeded |" in listed and "| — |" in listed
    assert listed.index(run.execution_id) < listed.index(run.earlier.rsplit("/", 1)[-1])  # newest first
    assert f"model artifact: {run.model_uri}" in text(cell(notebook, "model-artifact"))
    inside = text(cell(notebook, "model-inside"))
    assert "best.pt" in inside and "training_summary.json" in inside and "yolo11n: 2 of 2 epochs" in inside
    assert images(cell(notebook, "model-inside")) == 1


def test_the_ml_engineer_notebook_lists_the_model_versions_and_finds_the_one_this_run_registered(ml_engineer_run, registry):
    run = ml_engineer_run
    listed = text(cell(run.notebook, "model-versions"))
    metrics = {label: run.report["detection_metrics"][key]["value"] for label, key in METRICS}
    this_run = version_row(run.registered, "PendingManualApproval", metrics, f"{run.execution_id} ← this run")
    earlier = version_row(registry.earlier_version, "PendingManualApproval", registry.earlier_metrics, registry.earlier_id)
    assert f"**{registry.group}**, newest first" in listed
    assert this_run in listed and earlier in listed
    assert listed.index(this_run) < listed.index(earlier)  # newest first
    assert f"this run registered version {run.version} (PendingManualApproval): {run.version_arn}" in listed


def test_the_ml_engineer_notebook_approves_the_runs_version_only_once_the_user_sets_approve_version(ml_engineer_run, registry, aws):
    run = ml_engineer_run
    # As committed, the cell approves nothing.
    assert f"Not approved. To approve version {run.version} of {registry.group}, set APPROVE_VERSION = {run.version}" in run.declined
    assert support.approval_status(run.while_declined) == "PendingManualApproval" and "ApprovalDescription" not in run.while_declined
    # With APPROVE_VERSION set: exactly that version is approved, with the metrics it was decided on.
    shown = text(cell(run.notebook, "approve"))
    assert "Not approved" not in shown  # the cell's output is that of the second run
    assert f"version {run.version} of {registry.group}: PendingManualApproval → Approved" in shown
    version = described(aws, run.version_arn)
    assert version["ModelApprovalStatus"] == "Approved"  # (moto's UpdateModelPackage drops the metadata: not checked)
    description = version["ApprovalDescription"]
    for label, key in METRICS:
        assert f"{label} {run.report['detection_metrics'][key]['value']:.4f}" in description
    assert run.execution_id in description and description.startswith("Approved in notebooks/ml_engineer_example.ipynb on ")
    assert f"description: {description}" in shown
    assert described(aws, registry.earlier_arn) == registry.earlier_version  # the earlier version is untouched



def test_the_ml_engineer_notebook_shows_how_to_deploy_the_approved_version_and_that_its_stack_has_no_endpoint(ml_engineer_run, registry, aws):
    run = ml_engineer_run
    shown = text(cell(run.notebook, "deploy-version"))
    # The run's version was approved in section 10, so it is the newest approved one.
    assert f"newest approved version: {run.version} of {registry.group}" in shown
    for command in support.deploy_commands("dev", run.version):
        assert command in shown
    baseline = support.version_baseline(described(aws, run.version_arn))
    assert (f"Model Monitor baseline: {baseline}" if baseline else "Model Monitor baseline: none registered") in shown
    # The dev stack has deployment off: its outputs have no `deployment`, and nothing is called.
    assert "deployment" not in aws.outputs
    assert "Deployment is off in this stack (deployment: false" in text(cell(run.notebook, "endpoint-status"))
    assert text(cell(run.notebook, "invoke-endpoint")) == "No endpoint to call (see the cell above).\n"


@pytest.fixture(scope="module")
def endpoint_run(worker, val_images, tmp_path_factory):
    """The ML engineer notebook's set-up, deployment and endpoint cells on the full stack, which serves a model.

    The committed notebook's cells run unchanged but for the two settings a user sets (IMAGE_FILE, MIN_CONFIDENCE),
    after its helpers and configuration cells, with the full stack's own outputs (`npm run plan -- --stack full`:
    the endpoint is named under `deployment`, the stack under `stack`). The emulator holds what that stack
    deploys as `pulumi up` would leave it: the Approved version 1 its config serves, a model built from it, the
    endpoint config and the endpoint under the names the outputs give. Its InvokeEndpoint answer, queued through
    moto's endpoint-results API, is what the real inference.py answers for that image with the session's trained
    model. It is moto's server with binary InvokeEndpoint bodies (moto_server_binary.py) and without IAM
    enforcement: the endpoint's grants are tested in test_role_separation.py, this test is about what the cells
    read and show.
    """
    import boto3

    outputs = emulator.stack_plan("full")["outputs"]
    deployment = outputs["deployment"]
    workdir = tmp_path_factory.mktemp("endpoint-notebook")
    server = emulator.MotoServer(workdir / "moto_server.log", binary_invocations=True)
    try:
        region = outputs["region"]
        keys = {"aws_access_key_id": "AKIAEMULATORNOTEBOOK", "aws_secret_access_key": "emulator-notebook-secret"}
        sagemaker = boto3.client("sagemaker", endpoint_url=server.endpoint, region_name=region, **keys)
        endpoint, model = deployment["endpointName"], f"{deployment['endpointName']}-v{deployment['modelVersion']}"
        sagemaker.create_model_package_group(ModelPackageGroupName=outputs["modelPackageGroupName"])
        model_package = sagemaker.create_model_package(
            ModelPackageGroupName=outputs["modelPackageGroupName"], ModelApprovalStatus="Approved",
            InferenceSpecification={"Containers": [{"Image": outputs["trainingImageUri"],
                                                    "ModelDataUrl": f"{outputs['bucketPrefixes']['models']}serving/run1/model.tar.gz"}],
                                    "SupportedContentTypes": ["image/jpeg"], "SupportedResponseMIMETypes": ["application/json"]},
        )["ModelPackageArn"]
        assert model_package == deployment["modelPackageArn"], "the version the full stack serves is the group's first"
        sagemaker.create_model(ModelName=model, ExecutionRoleArn=deployment["roleArn"], PrimaryContainer={"ModelPackageName": model_package})
        sagemaker.create_endpoint_config(EndpointConfigName=deployment["endpointConfigName"], ProductionVariants=[{
            "VariantName": "AllTraffic", "ModelName": model, "InstanceType": deployment["instanceType"],
            "InitialInstanceCount": deployment["minInstances"]}])
        sagemaker.create_endpoint(EndpointName=endpoint, EndpointConfigName=deployment["endpointConfigName"])
        image = val_images["JPEG"]
        answer = worker.invoke(image.read_bytes(), "image/jpeg", accept="application/json")
        assert answer.status == 200, answer.body
        request = urllib.request.Request(f"{server.endpoint}/moto-api/static/sagemaker/endpoint-results", method="POST",
                                         headers={"Content-Type": "application/json"}, data=json.dumps({"region": region, "results": [
                                             {"Body": answer.body, "ContentType": "application/json", "InvokedProductionVariant": "AllTraffic"}]}).encode())
        urllib.request.urlopen(request, timeout=10).close()

        outputs_file = workdir / "stack-outputs.json"
        outputs_file.write_text(json.dumps(outputs))
        (workdir / "tmp").mkdir()
        (workdir / "empty-config").write_text("")
        env = {**emulator.kernel_environment(), "AWS_ENDPOINT_URL": server.endpoint, "STACK_OUTPUTS": str(outputs_file),
               "TMPDIR": str(workdir / "tmp"), "AWS_CONFIG_FILE": str(workdir / "empty-config"),
               "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "no-credentials"), "AWS_ACCESS_KEY_ID": keys["aws_access_key_id"],
               "AWS_SECRET_ACCESS_KEY": keys["aws_secret_access_key"], "AWS_REGION": region, "SAGEMAKER_APP_TYPE": "JupyterLab",
               "YOLO_PLATFORM_REPO": str(REPO),  # the composed notebook is not inside the repository
               "PYTHONPATH": str(NETWORK_GUARD), "NETWORK_GUARD_LOG": str(workdir / "network-attempts.log")}

        committed = nbformat.read(ML_ENGINEER, as_version=4)
        notebook = nbformat.v4.new_notebook(metadata=committed.metadata)
        notebook.cells = [c for c in committed.cells if c.get("id") in ("helpers", "config", "deploy-version", "endpoint-status", "invoke-endpoint")]
        invoke = cell(notebook, "invoke-endpoint")
        for setting, value in (("IMAGE_FILE = None", f"IMAGE_FILE = {str(image)!r}"), ("MIN_CONFIDENCE = 0.25", "MIN_CONFIDENCE = 0.0")):
            assert invoke.source.count(f"\n{setting} ") == 1, setting
            invoke.source = invoke.source.replace(f"\n{setting} ", f"\n{value} ")
        path = workdir / "ml_engineer_endpoint.ipynb"
        nbformat.write(notebook, path)
        executed = execute(path, env, workdir)
        yield SimpleNamespace(notebook=executed, workdir=workdir, endpoint=endpoint, outputs=outputs, answer=json.loads(answer.body))
    finally:
        server.stop()


def test_the_ml_engineer_notebook_calls_the_endpoint_and_shows_the_detections_inference_py_answered(endpoint_run):
    notebook, answer = endpoint_run.notebook, endpoint_run.answer
    check_clean_run(notebook, endpoint_run.workdir)
    # The commands name the stack the outputs belong to, not the dev stack.
    shown = text(cell(notebook, "deploy-version"))
    assert f"newest approved version: 1 of {endpoint_run.outputs['modelPackageGroupName']}" in shown
    assert endpoint_run.outputs["stack"] == "full"
    for command in support.deploy_commands("full", 1):
        assert command in shown
    assert f"endpoint {endpoint_run.endpoint}: InService, 1 instance(s)" in text(cell(notebook, "endpoint-status"))
    shown = text(cell(notebook, "invoke-endpoint"))
    assert answer["detections"], "the session's model should find boxes at the test's low confidence threshold"
    assert f"**{len(answer['detections'])}** of {len(answer['detections'])} detections with score ≥ 0.0" in shown
    for row in support.detection_rows(answer):
        assert f"| {' | '.join(row)} |" in shown
    image = answer["image"]
    assert f"image: {image['format']} {image['width']}x{image['height']}, brightness {image['brightness']:.1f}" in shown
    assert images(cell(notebook, "invoke-endpoint")) == 1
