"""Set-up shared by the persona notebooks: stack outputs, the AWS session, readable AWS errors, pipeline helpers.

The notebooks import this module (it sits beside them) together with the pipeline scripts' own helpers
(`pipeline-scripts/`, put on sys.path by the notebooks' first cell). It lives here rather than in
pipeline-scripts/ because that folder is shipped to the SageMaker jobs, which need none of this.

- `load_stack_outputs()`: the stack's outputs from $STACK_OUTPUTS (a file written by
  `pulumi stack output --json > stack-outputs.json`), else from `pulumi stack output --json` when the
  Pulumi CLI is on PATH, else the documented defaults of the dev stack (`DEFAULT_OUTPUTS`).
- `aws_session()`: profile `ab` on a laptop; the default credential chain when AWS_PROFILE is set or
  when running in SageMaker Studio (or any container that hands out role credentials), where there is
  no profile file and the user profile's execution role provides the credentials. Endpoints come from
  the standard boto3 chain (AWS_ENDPOINT_URL and the config file's endpoint settings are honoured).
- `explain()`: turns a botocore error into a few lines a newcomer can act on (refused, missing, not
  available yet, throttled, ...), used by the notebooks instead of letting tracebacks through.
- Pipeline-definition helpers for the ML engineer notebook: parameters, the training arguments a set of
  parameter values becomes, and where an execution's evaluation report is written.
- Model-registry helpers for both: the versions of the stack's model package group with the metrics and
  the execution the pipeline's RegisterYOLO11 step records on each, and the text an approval records.
- Deployment helpers for the ML engineer notebook: the approved versions and their Model Monitor baselines,
  the commands that deploy one, and calling the endpoint with an image (the answer checked against
  pipeline-scripts/detections.schema.json).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterable, Mapping

LAPTOP_PROFILE = "ab"
STUDIO_METADATA_FILE = Path("/opt/ml/metadata/resource-metadata.json")
# Set inside SageMaker Studio apps (JupyterLab, Code Editor, Studio Classic kernels).
STUDIO_ENV_VARS = ("SAGEMAKER_APP_TYPE", "SAGEMAKER_APP_TYPE_LOWERCASE", "SAGEMAKER_SPACE_NAME")
# Set where a container hands out role credentials over HTTP (Studio, ECS, CodeBuild, ...).
CONTAINER_CREDENTIAL_VARS = ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI")

_DEFAULT_BUCKET = "lucaskle-ab3-project-pv"
# The dev stack's outputs that do not depend on the AWS account (`npm run plan` prints them all;
# tests/python/test_notebooks.py keeps these in step with it).
DEFAULT_OUTPUTS: dict[str, Any] = {
    "stack": "dev",
    "region": "us-east-1",
    "bucketName": _DEFAULT_BUCKET,
    "bucketPrefixes": {
        prefix: f"s3://{_DEFAULT_BUCKET}/{prefix}/" for prefix in ("datasets", "models", "evaluation", "code", "checkpoints", "mlflow", "labeling", "monitoring")
    },
    "pipelineName": "drone-dev-yolo11-training",
    "defaultInputData": f"s3://{_DEFAULT_BUCKET}/datasets/drone-detection/",
    "userProfiles": {"data-scientist": "data-scientist", "ml-engineer": "ml-engineer"},
    "modelPackageGroupName": "drone-dev-yolo11-detector",
}
# Role names of the dev stack, used when the outputs carry no roleArns (they depend on the account).
DEFAULT_ROLE_NAMES = {"data-scientist": "drone-dev-data-scientist", "ml-engineer": "drone-dev-ml-engineer",
                      "pipeline": "drone-dev-pipeline"}


# Outputs of a stack deployed before the `stack` output existed name no stack; the dev default would then put
# `--stack dev` into commands meant for another stack, so they show this placeholder to fill in instead.
UNKNOWN_STACK = "<stack>"


def _merged(outputs: dict[str, Any], loaded: Mapping[str, Any]) -> dict[str, Any]:
    outputs.update(loaded)
    if "stack" not in loaded:
        outputs["stack"] = UNKNOWN_STACK
    return outputs


class SetupError(RuntimeError):
    """The notebook cannot continue until the user fixes its configuration; the message says how."""


# ----------------------------------------------------------------------------------------- configuration


def load_stack_outputs(env: Mapping[str, str] | None = None, repo_root: Path | str | None = None) -> tuple[dict[str, Any], str]:
    """(outputs, where they came from). Values the source lacks keep their documented defaults."""
    env = os.environ if env is None else env
    outputs = json.loads(json.dumps(DEFAULT_OUTPUTS))  # a deep copy
    path = env.get("STACK_OUTPUTS")
    if path:
        file = Path(path).expanduser()
        try:
            loaded = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SetupError(f"STACK_OUTPUTS={path}: no such file. Write it with `pulumi stack output --json > {path}`, "
                             "or unset STACK_OUTPUTS.") from None
        except (OSError, ValueError) as e:
            raise SetupError(f"STACK_OUTPUTS={path} is not a readable JSON file ({e}). "
                             "Write it with `pulumi stack output --json`.") from None
        if not isinstance(loaded, dict):
            raise SetupError(f"STACK_OUTPUTS={path} holds {type(loaded).__name__}, not the JSON object `pulumi stack output --json` prints.")
        return _merged(outputs, loaded), f"STACK_OUTPUTS ({file})"
    pulumi = shutil.which("pulumi", path=env.get("PATH"))
    if pulumi:
        try:
            result = subprocess.run([pulumi, "stack", "output", "--json"], cwd=str(repo_root) if repo_root else None,
                         capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            return outputs, f"documented defaults (`pulumi stack output --json` did not run: {e})"
        if result.returncode == 0:
            try:
                loaded = json.loads(result.stdout)
                if isinstance(loaded, dict):
                    return _merged(outputs, loaded), "pulumi stack output --json (the selected stack)"
                reason = f"it printed {type(loaded).__name__}, not an object"
            except ValueError:
                reason = "its output is not JSON"
        else:
            reason = (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1]
        return outputs, f"documented defaults (`pulumi stack output --json` failed: {reason})"
    return outputs, "documented defaults (no STACK_OUTPUTS file and no pulumi CLI on PATH)"


def detect_studio(env: Mapping[str, str] | None = None, metadata_file: Path = STUDIO_METADATA_FILE) -> str | None:
    """Why this looks like SageMaker Studio (or a container with role credentials), or None on a laptop."""
    env = os.environ if env is None else env
    for name in STUDIO_ENV_VARS:
        if env.get(name):
            return f"{name}={env[name]}"
    if metadata_file.is_file():
        return f"{metadata_file} exists"
    for name in CONTAINER_CREDENTIAL_VARS:
        if env.get(name):
            return f"{name} is set (container credentials)"
    return None


def credential_choice(
    laptop_profile: str = LAPTOP_PROFILE, env: Mapping[str, str] | None = None, metadata_file: Path = STUDIO_METADATA_FILE
) -> tuple[str | None, str]:
    """(profile to pass to boto3 or None for the default chain, the reason in words)."""
    env = os.environ if env is None else env
    if env.get("AWS_PROFILE"):
        note = "" if env["AWS_PROFILE"] == laptop_profile else f"; the platform is deployed with '{laptop_profile}', so make sure it reaches the same account"
        return None, f"default credential chain, AWS_PROFILE={env['AWS_PROFILE']}{note}"
    studio = detect_studio(env, metadata_file)
    if studio:
        return None, f"default credential chain: SageMaker Studio ({studio}), i.e. your user profile's execution role"
    return laptop_profile, f"AWS profile '{laptop_profile}' (a laptop: no AWS_PROFILE and no Studio environment)"


def aws_session(region: str, laptop_profile: str = LAPTOP_PROFILE, env: Mapping[str, str] | None = None):
    """(boto3.Session, how its credentials are chosen); SetupError with the fix when there are none."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    profile, how = credential_choice(laptop_profile, env)
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound as e:
        raise SetupError(
            f"{e}. On a laptop the notebooks use the AWS profile '{laptop_profile}': create it with "
            f"`aws configure --profile {laptop_profile}` (or `aws configure sso --profile {laptop_profile}`), "
            "or set AWS_PROFILE to a profile of the stack's account."
        ) from None
    if session.get_credentials() is None:
        raise SetupError(f"No AWS credentials were found ({how}). Configure the profile, or run the notebook in SageMaker Studio.")
    return session, how


# ------------------------------------------------------------------------------------------------ errors

ACCESS_DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess", "Forbidden",
    "AuthorizationError", "AllAccessDisabled",
})
NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchBucket", "NotFound", "404", "ResourceNotFound", "ResourceNotFoundException"})
THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException", "SlowDown", "RequestLimitExceeded"})
UNAVAILABLE_CODES = frozenset({
    "InternalFailure", "InternalError", "InternalServerError", "ServiceUnavailable", "NotImplemented",
    "UnknownOperationException", "InvalidAction", "UnsupportedOperation",
})
CREDENTIAL_CODES = frozenset({
    "ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId", "UnrecognizedClientException",
    "InvalidAccessKeyId", "InvalidToken", "SignatureDoesNotMatch",
})


def _readable(message: str) -> tuple[str | None, str]:
    """(code, text) from an error message; an XML error document or an HTML page is reduced to its text."""
    if "<" not in message:
        return None, message.strip()
    code = re.search(r"<Code>(.*?)</Code>", message, flags=re.S)
    text = re.search(r"<Message>(.*?)</Message>", message, flags=re.S)
    if code or text:
        return (html.unescape(code.group(1)).strip() if code else None,
                html.unescape(text.group(1)).strip() if text else "")
    body = re.sub(r"<title>.*?</title>|<[^>]+>", " ", message, flags=re.S | re.I)
    return None, " ".join(html.unescape(body).split())[:300]


def error_details(error: BaseException) -> dict[str, Any]:
    """{kind, code, status, message, operation} of a botocore/boto3 exception (or any exception)."""
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

    details: dict[str, Any] = {"kind": "other", "code": type(error).__name__, "status": None,
                               "message": str(error), "operation": getattr(error, "operation_name", None)}
    if isinstance(error, bx.ClientError):
        info = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = str(info.get("Code") or "")
        embedded_code, message = _readable(str(info.get("Message") or ""))
        if embedded_code and (not code or code.isdigit()):
            code = embedded_code  # the status line only, the code was inside the document
        details.update(code=code or str(status), status=status, message=message)
        if code in CREDENTIAL_CODES:
            details["kind"] = "credentials"
        elif code in ACCESS_DENIED_CODES or status == 403:
            details["kind"] = "denied"
        elif code in NOT_FOUND_CODES or code.endswith("NotFound") or status == 404:
            details["kind"] = "missing"
        elif code in THROTTLING_CODES or status == 429:
            details["kind"] = "throttled"
        elif code in UNAVAILABLE_CODES or (status or 0) >= 500:
            details["kind"] = "unavailable"
        elif code == "ValidationException":
            # SageMaker answers a missing pipeline / execution with a validation error in some regions.
            details["kind"] = "missing" if re.search(r"does not exist|not found|could not find", message, re.I) else "invalid"
    elif isinstance(error, ResponseParserError):  # an answer that is no AWS response at all
        details.update(kind="unavailable", code="UnreadableResponse", message=_readable(str(error))[1])
    elif isinstance(error, (bx.NoCredentialsError, bx.PartialCredentialsError, bx.TokenRetrievalError, bx.SSOError)):
        details["kind"] = "credentials"
    elif isinstance(error, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError)):
        details["kind"] = "network"
    return details


WHAT_IT_MEANS = {
    "denied": "Refused by IAM: the identity this notebook runs as (printed by the configuration cell) lacks this "
              "permission. This is a permission, not a bug.",
    "credentials": "The credentials are missing or expired: sign in again (e.g. `aws sso login --profile ab`) or restart the Studio app.",
    "missing": "Not found: the object or resource does not exist (yet), or the name is wrong.",
    "throttled": "AWS throttled the request: wait a little and run the cell again.",
    "unavailable": "The service could not answer this call right now (a server-side error or an operation it does not offer); "
                   "nothing is wrong with your input.",
    "network": "The AWS endpoint could not be reached: check the network (VPC endpoints or internet access of the Studio domain).",
    "invalid": "The request was rejected as invalid: check the values in the message.",
    "other": "Unexpected error.",
}


def explain(error: BaseException, doing: str, hint: str = "") -> dict[str, Any]:
    """Print what went wrong while `doing` something and what it means; returns error_details(error)."""
    details = error_details(error)
    code, status = details["code"], details["status"]
    if status and code == str(status):
        print(f"✗ {doing}: HTTP {status}")  # the answer carried no AWS error code
    else:
        print(f"✗ {doing}: {code}" + (f", HTTP {status}" if status else ""))
    if details["message"]:
        print(f"  {details['message']}")
    print(f"  → {WHAT_IT_MEANS[details['kind']]}")
    if hint:
        print(f"  → {hint}")
    return details


def identity_summary(sts_client) -> dict[str, str]:
    """{account, arn, role (for an assumed role) or ''}; GetCallerIdentity needs no permission."""
    me = sts_client.get_caller_identity()
    match = re.match(r"arn:[^:]+:sts::\d+:assumed-role/([^/]+)/", me["Arn"])
    return {"account": me["Account"], "arn": me["Arn"], "role": match.group(1) if match else ""}


def role_name(role_arn: str | None) -> str:
    return role_arn.rsplit("/", 1)[-1] if role_arn else ""


def persona_role(outputs: Mapping[str, Any], persona: str) -> str:
    """The role name of a persona (data-scientist, ml-engineer, pipeline) from the stack outputs."""
    return role_name((outputs.get("roleArns") or {}).get(persona)) or DEFAULT_ROLE_NAMES[persona]


def split_s3_uri(uri: str) -> tuple[str, str]:
    """s3://bucket/key/prefix → (bucket, key/prefix)."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri}")
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key


def markdown_table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A Markdown table (IPython.display.Markdown renders it; its text form stays readable)."""
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")
    header = list(header)
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


# ----------------------------------------------------------------------------------- pipeline definition

TERMINAL_STATUSES = frozenset({"Succeeded", "Failed", "Stopped"})


def execution_id(execution_arn: str) -> str:
    """arn:…:pipeline/<name>/execution/<id> → <id> (what Execution.PipelineExecutionId resolves to)."""
    return execution_arn.rstrip("/").rsplit("/", 1)[-1]


def parameters_of(definition: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["Name"]: p for p in definition.get("Parameters", [])}


def check_parameters(definition: Mapping[str, Any], values: Mapping[str, object]) -> list[str]:
    """Problems of `values` against the definition's parameters (unknown name, type, allowed values)."""
    declared = parameters_of(definition)
    problems = []
    for name, value in values.items():
        spec = declared.get(name)
        if spec is None:
            problems.append(f"{name}: the pipeline has no such parameter; it has {', '.join(sorted(declared))}.")
            continue
        kind, text = spec.get("Type", "String"), str(value)
        try:
            if kind == "Integer" and (isinstance(value, bool) or int(text) != float(text)):
                raise ValueError
            if kind == "Float":
                float(text)
            if kind == "Boolean" and text.lower() not in ("true", "false"):
                raise ValueError
        except ValueError:
            problems.append(f"{name}={text!r} is not a valid {kind}.")
            continue
        allowed = spec.get("EnumValues")
        if allowed and text not in [str(a) for a in allowed]:
            problems.append(f"{name}={text!r} is not allowed; valid values are {', '.join(map(str, allowed))}.")
    return problems


def _parameter_reference(value: object) -> str | None:
    """The parameter a step argument takes its value from: {"Get": "Parameters.X"} or Std:Join of one."""
    if isinstance(value, dict):
        if isinstance(value.get("Get"), str) and value["Get"].startswith("Parameters."):
            return value["Get"][len("Parameters."):]
        join = value.get("Std:Join")
        if isinstance(join, dict) and len(join.get("Values", [])) == 1:
            return _parameter_reference(join["Values"][0])
    return None


def all_steps(definition: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every step of a definition, the branches of Condition steps at any depth included (training sits behind CheckDataset)."""
    found: list[Mapping[str, Any]] = []

    def walk(steps) -> None:
        for step in steps:
            found.append(step)
            for branch in ("IfSteps", "ElseSteps"):
                walk(step.get("Arguments", {}).get(branch, []))

    walk(definition.get("Steps", []))
    return found


# The evaluation step's property file (EVALUATION_REPORT in components/pipelineDefinition.ts).
EVALUATION_PROPERTY_FILE = "EvaluationReport"


def training_arguments(definition: Mapping[str, Any], values: Mapping[str, object]) -> list[str]:
    """The `--key value` arguments train.py receives for these parameter values (defaults for the rest).

    Read from the training step's HyperParameters, so a renamed parameter or hyperparameter follows the
    deployed definition. SageMaker-internal hyperparameters (sagemaker_*) are left out.
    """
    declared = parameters_of(definition)
    arguments: list[str] = []
    for step in all_steps(definition):
        if step.get("Type") != "Training":
            continue
        for key, value in sorted(step["Arguments"].get("HyperParameters", {}).items()):
            if key.startswith("sagemaker_"):
                continue
            parameter = _parameter_reference(value)
            if parameter is not None:
                chosen = values.get(parameter, declared.get(parameter, {}).get("DefaultValue"))
                arguments += [f"--{key}", str(chosen)]
            elif isinstance(value, str):
                arguments += [f"--{key}", value]
    return arguments


def resolve(value: object, execution: str, parameters: Mapping[str, object]) -> object:
    """Resolve Get Parameters.X / Execution.PipelineExecutionId and Std:Join; None when not resolvable here."""
    if isinstance(value, dict):
        if "Get" in value:
            target = value["Get"]
            if target == "Execution.PipelineExecutionId":
                return execution
            if isinstance(target, str) and target.startswith("Parameters."):
                return parameters.get(target[len("Parameters."):])
            return None
        if "Std:Join" in value:
            parts = [resolve(v, execution, parameters) for v in value["Std:Join"].get("Values", [])]
            return None if any(p is None for p in parts) else value["Std:Join"].get("On", "").join(map(str, parts))
        return None
    return value


def evaluation_report_uri(definition: Mapping[str, Any], execution_arn: str, parameters: Mapping[str, object] | None = None) -> str | None:
    """s3:// URI of the evaluation report an execution writes: the property file's processing output + FilePath."""
    values = {name: spec.get("DefaultValue") for name, spec in parameters_of(definition).items()}
    values.update(parameters or {})
    for step in all_steps(definition):
        for property_file in step.get("PropertyFiles", []):
            if property_file.get("PropertyFileName") != EVALUATION_PROPERTY_FILE:
                continue
            outputs = step.get("Arguments", {}).get("ProcessingOutputConfig", {}).get("Outputs", [])
            for output in outputs:
                if output.get("OutputName") != property_file.get("OutputName"):
                    continue
                base = resolve(output.get("S3Output", {}).get("S3Uri"), execution_id(execution_arn), values)
                if isinstance(base, str):
                    return f"{base.rstrip('/')}/{property_file['FilePath']}"
    return None


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


# ---------------------------------------------------------------------------------------- model registry

# CustomerMetadataProperties the pipeline's RegisterYOLO11 step writes on a version (QUALITY_METRICS and
# MODEL_METADATA in components/pipelineDefinition.ts; tests/python/test_notebooks.py holds them to the plan).
# The metrics are strings there, label → the evaluation.json metric they come from.
METRIC_METADATA = {"mAP50-95": "mAP50_95", "mAP50": "mAP50", "precision": "precision", "recall": "recall"}
EXECUTION_METADATA = "pipeline-execution-arn"
APPROVAL_STATUSES = ("PendingManualApproval", "Approved", "Rejected")
# AWS gives every version a status (PendingManualApproval unless its registration said otherwise); an
# emulator may leave it unset, which is shown as what AWS would show.
DEFAULT_APPROVAL_STATUS = "PendingManualApproval"
MAX_APPROVAL_DESCRIPTION = 1024  # UpdateModelPackage's limit on ApprovalDescription
VERSION_TABLE_HEADER = ("version", "status", "created (UTC)", *METRIC_METADATA, "execution id")


def approval_status(model_package: Mapping[str, Any]) -> str:
    return model_package.get("ModelApprovalStatus") or DEFAULT_APPROVAL_STATUS


def version_metrics(properties: Mapping[str, str] | None) -> dict[str, float | None]:
    """The four quality metrics a version's CustomerMetadataProperties carry, by label; None when absent or not a number."""
    metrics: dict[str, float | None] = {}
    for label in METRIC_METADATA:
        try:
            value = float(str((properties or {}).get(label, "")).strip())
        except ValueError:
            value = float("nan")
        metrics[label] = value if value == value and abs(value) != float("inf") else None
    return metrics


def producing_execution(model_package: Mapping[str, Any]) -> str | None:
    """The pipeline execution that registered a version: the RegisterYOLO11 metadata, else SageMaker's GeneratedBy."""
    return ((model_package.get("CustomerMetadataProperties") or {}).get(EXECUTION_METADATA)
            or (model_package.get("MetadataProperties") or {}).get("GeneratedBy") or None)


def metrics_summary(metrics: Mapping[str, float | None], digits: int = 4) -> str:
    """`mAP50-95 0.5347, mAP50 0.8123, precision 0.7781, recall 0.7012` (metrics a version lacks are left out)."""
    return ", ".join(f"{label} {value:.{digits}f}" for label, value in metrics.items() if value is not None)


def list_model_versions(sagemaker_client, group: str, limit: int = 10) -> list[dict[str, Any]]:
    """The newest `limit` versions of a model package group, newest first, as DescribeModelPackage answers.

    The group is described first, so that a missing group (a wrong name, or a stack deployed with
    modelRegistry off) raises its own error instead of looking like a group without versions. The
    listing's summaries carry no metadata, hence one DescribeModelPackage per version.
    """
    sagemaker_client.describe_model_package_group(ModelPackageGroupName=group)
    summaries: list[dict[str, Any]] = []
    pages = sagemaker_client.get_paginator("list_model_packages").paginate(
        ModelPackageGroupName=group, ModelPackageType="Versioned", SortBy="CreationTime", SortOrder="Descending",
        PaginationConfig={"MaxItems": limit})
    for page in pages:
        summaries += page["ModelPackageSummaryList"]
    # Sorted again because an emulator may not sort; on AWS a no-op.
    summaries = sorted(summaries, key=lambda s: s.get("ModelPackageVersion") or 0, reverse=True)[:limit]
    return [sagemaker_client.describe_model_package(ModelPackageName=s["ModelPackageArn"]) for s in summaries]


def version_rows(versions: Iterable[Mapping[str, Any]], this_execution: str | None = None) -> list[tuple]:
    """Rows for markdown_table(VERSION_TABLE_HEADER, ...); the version `this_execution` registered is marked."""
    from datetime import timezone

    rows = []
    for version in versions:
        metrics = version_metrics(version.get("CustomerMetadataProperties"))
        execution = producing_execution(version)
        created = version.get("CreationTime")
        rows.append((
            version.get("ModelPackageVersion", "?"), approval_status(version),
            created.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M") if created else "—",
            *(f"{value:.4f}" if value is not None else "—" for value in metrics.values()),
            (execution_id(execution) if execution else "—")
            + (" ← this run" if this_execution and execution == this_execution else ""),
        ))
    return rows


def approval_description(metrics: Mapping[str, float | None], execution_arn: str | None, where: str) -> str:
    """The ApprovalDescription an approval records: the metrics it was decided on and the run that produced the model."""
    summary = metrics_summary(metrics) or "no metrics recorded on the version"
    text = f"Approved in {where} on {summary}"
    if execution_arn:
        text += f" (pipeline execution {execution_id(execution_arn)})"
    return text[:MAX_APPROVAL_DESCRIPTION]


# ------------------------------------------------------------------------------------------- deployment
# The stack serves one approved version on its endpoint. `yolo-pipeline deploy <version>` writes it into
# Pulumi.<stack>.yaml (deployModelVersion and the version's Model Monitor baseline) and `pulumi up` deploys it,
# so the stack stays the one place that decides what runs (cli/README.md, `deploy`).

# InvokeEndpoint's largest request body (botocore's sagemaker-runtime model: BodyBlob max 6291456 bytes).
MAX_INVOKE_BYTES = 6 * 1024 * 1024
IMAGE_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}  # what inference.py decodes
DETECTION_TABLE_HEADER = ("class", "score", "box x1, y1, x2, y2 (px)")


def approved_versions(versions: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The versions that may be deployed (Approved), in the order given (list_model_versions: newest first)."""
    return [version for version in versions if approval_status(version) == "Approved"]


def version_baseline(model_package: Mapping[str, Any]) -> str | None:
    """The S3 prefix of a version's Model Monitor baseline (ModelMetrics.ModelDataQuality), None without a usable one.

    Like `yolo-pipeline deploy`: statistics.json and constraints.json must sit side by side, since the monitoring
    schedule is given the prefix only.
    """
    quality = (model_package.get("ModelMetrics") or {}).get("ModelDataQuality") or {}
    statistics = (quality.get("Statistics") or {}).get("S3Uri", "")
    constraints = (quality.get("Constraints") or {}).get("S3Uri", "")
    prefix = statistics[: statistics.rfind("/") + 1]
    if statistics.endswith("/statistics.json") and constraints == f"{prefix}constraints.json":
        return prefix
    return None


def deploy_commands(stack: str, version: int) -> list[str]:
    """What serves `version`: write it into the stack's configuration, then let the stack deploy it."""
    return [f"npm run -s pipeline -- --stack {stack} deploy {version} --dry-run   # shows the change to Pulumi.{stack}.yaml",
            f"npm run -s pipeline -- --stack {stack} deploy {version}             # writes it (asks first)",
            f"pulumi up --stack {stack}                                      # the preview and the policy pack check it, then it deploys"]


def image_content_type(data: bytes) -> str | None:
    """The Content-Type of JPEG or PNG data by its leading bytes (as inference.py judges it), else None."""
    return next((content_type for signature, content_type in IMAGE_SIGNATURES.items() if data.startswith(signature)), None)


def invoke_endpoint(runtime_client, endpoint: str, data: bytes, schema_path: Path | str) -> dict[str, Any]:
    """One image to the endpoint (InvokeEndpoint); the answer, checked against detections.schema.json."""
    import jsonschema

    content_type = image_content_type(data)
    if content_type is None:
        raise SetupError("The image is neither JPEG nor PNG data (by its leading bytes); the endpoint decodes only those.")
    if len(data) > MAX_INVOKE_BYTES:
        raise SetupError(f"The image is {len(data)} bytes; InvokeEndpoint takes at most {MAX_INVOKE_BYTES} (6 MB).")
    answer = runtime_client.invoke_endpoint(EndpointName=endpoint, ContentType=content_type, Accept="application/json", Body=data)
    text = answer["Body"].read().decode("utf-8")
    try:
        response = json.loads(text)
    except ValueError:
        raise SetupError(f"{endpoint} answered something that is not JSON: {text[:80]!r}") from None
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(response), key=lambda e: list(e.path))
    if errors:
        problems = "; ".join(f"{'/'.join(map(str, e.path)) or '(the answer)'}: {e.message}" for e in errors[:5])
        raise SetupError(f"{endpoint} answered JSON that does not follow detections.schema.json: {problems}")
    return response


def detection_rows(response: Mapping[str, Any], min_confidence: float = 0.0) -> list[tuple]:
    """Rows for markdown_table(DETECTION_TABLE_HEADER, ...): the detections at or above `min_confidence`."""
    return [(d["class_name"], f"{d['score']:.3f}", ", ".join(f"{v:.1f}" for v in d["box"]["xyxy"]))
            for d in response["detections"] if d["score"] >= min_confidence]
