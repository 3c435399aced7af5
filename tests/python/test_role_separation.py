"""Role separation of the persona roles, checked by an AWS API emulator that enforces IAM.

The dev stack's roles; and, for the endpoint (last section), the full stack's, which serves a version.

Every check signs real requests with the assumed-role credentials of a persona role created from the stack's
own documents (`npm run plan -- --json`) in moto with IAM enforcement on (tests/python/emulator.py), so the
policies are evaluated, not string-matched. Each refusal must be an AccessDenied (HTTP 403), and the same
call must succeed with the set-up credentials, so that a refusal is never an emulator failure.

- S3 checks use the exact documents: moto authorizes S3 against the real bucket and key ARNs.
- SageMaker checks use the documents with their SageMaker statements widened to Resource "*"
  (`emulator.widen_sagemaker_resources`, applied identically to every role): moto authorizes SageMaker actions
  against "*" only, so an ARN-scoped Allow never matches there. These checks therefore test whether the ACTION
  is granted; the ARN scoping is covered by tests/stack/iamDocuments.spec.ts. The test ids say so.
"""

from __future__ import annotations

import json
import uuid

import pytest

import emulator
from emulator import EXACT, WIDENED

ARN_SCOPING = "moto checks SageMaker actions only, ARN scoping is covered by tests/stack/iamDocuments.spec.ts"


def attempt(call) -> tuple[bool, int | None, str, str]:
    """(succeeded, HTTP status, error code, message) of one AWS call."""
    from botocore.exceptions import ClientError

    try:
        call()
        return True, None, "", ""
    except ClientError as error:
        return (False, *emulator.error_code(error))


def assert_refused(outcome, action: str | None = None) -> None:
    succeeded, status, code, message = outcome
    assert not succeeded, "the call was allowed"
    assert (status, code) == (403, "AccessDenied"), f"refused for another reason: {status} {code} {message}"
    if action:
        assert f"not authorized to perform: {action}" in message, message


def assert_allowed(outcome) -> None:
    succeeded, status, code, message = outcome
    assert succeeded, f"refused: {status} {code} {message}"


def credentials(aws, who: str, variant: str = EXACT):
    return None if who == "setup" else aws.assumed[(who, variant)]


def put(aws, who: str, prefix: str):
    key = f"{prefix}role-separation/{who}-{uuid.uuid4().hex[:8]}.txt"
    return attempt(lambda: aws.client("s3", credentials(aws, who)).put_object(Bucket=aws.bucket, Key=key, Body=b"x"))


def get(aws, who: str, key: str):
    return attempt(lambda: aws.client("s3", credentials(aws, who)).get_object(Bucket=aws.bucket, Key=key)["Body"].read())


# ------------------------------------------------------------------------------------------ S3, exact


@pytest.mark.parametrize("prefix", ["models/", "datasets/", "evaluation/", "code/", "checkpoints/"])
def test_the_data_scientist_role_is_refused_s3_writes(aws, prefix):
    assert_refused(put(aws, "data-scientist", prefix))
    assert_allowed(put(aws, "setup", prefix))


def test_the_data_scientist_role_may_list_the_bucket_and_read_datasets_models_and_evaluations(aws):
    s3 = aws.client("s3", credentials(aws, "data-scientist"))
    listed = s3.list_objects_v2(Bucket=aws.bucket, Prefix=aws.dataset_prefix)
    assert any(o["Key"].endswith("/data.yaml") for o in listed["Contents"])
    assert_allowed(get(aws, "data-scientist", f"{aws.dataset_prefix}data.yaml"))
    setup = aws.client("s3")
    for prefix in ("models/", "evaluation/", "code/", "checkpoints/"):
        setup.put_object(Bucket=aws.bucket, Key=f"{prefix}readable-check.txt", Body=b"x")
    # code/ too: the Studio lifecycle script installs the project's code bundle under the user's role.
    for prefix in ("models/", "evaluation/", "code/"):
        assert_allowed(get(aws, "data-scientist", f"{prefix}readable-check.txt"))
    for prefix in ("checkpoints/",):  # not in the data scientist's read list
        assert_refused(get(aws, "data-scientist", f"{prefix}readable-check.txt"))
        assert_allowed(get(aws, "setup", f"{prefix}readable-check.txt"))


@pytest.mark.parametrize("prefix", ["models/", "evaluation/", "code/", "checkpoints/"])
def test_the_ml_engineer_role_may_write_artifact_prefixes(aws, prefix):
    assert_allowed(put(aws, "ml-engineer", prefix))


def test_the_ml_engineer_role_is_refused_writes_to_datasets_and_may_read_them(aws):
    assert_refused(put(aws, "ml-engineer", "datasets/"))
    assert_allowed(put(aws, "setup", "datasets/"))
    assert_allowed(get(aws, "ml-engineer", f"{aws.dataset_prefix}data.yaml"))


@pytest.mark.parametrize("prefix, allowed", [
    pytest.param(prefix, allowed, id=f"{'may' if allowed else 'may not'} write {prefix}")
    for prefix, allowed in [("models/", True), ("evaluation/", True), ("checkpoints/", True), ("datasets/", False), ("code/", False)]])
def test_the_pipeline_role_writes_only_what_its_jobs_produce(aws, prefix, allowed):
    outcome = put(aws, "pipeline", prefix)
    if allowed:
        assert_allowed(outcome)
    else:
        assert_refused(outcome)
        assert_allowed(put(aws, "setup", prefix))


# ------------------------------------------------------------------------- SageMaker, actions only


def start(aws, who: str):
    client = aws.client("sagemaker", credentials(aws, who, WIDENED))
    return attempt(lambda: client.start_pipeline_execution(PipelineName=aws.outputs["pipelineName"],
                                                           PipelineExecutionDisplayName=f"role-check-{who}"))


def test_the_widening_changes_only_the_resources_of_sagemaker_statements(plan):
    for persona in emulator.PERSONAS:
        for text in emulator.role_documents(plan, persona).policies.values():
            exact = json.loads(text)
            widened = emulator.widen_sagemaker_resources(exact)
            for before, after in zip(exact["Statement"], widened["Statement"]):
                actions = [before["Action"]] if isinstance(before["Action"], str) else before["Action"]
                if all(a.startswith("sagemaker:") for a in actions):
                    assert after == {**before, "Resource": "*"}
                else:
                    assert after == before


@pytest.mark.parametrize("who", [pytest.param("data-scientist", id=f"data scientist may not start the pipeline ({ARN_SCOPING})")])
def test_sagemaker_pipeline_start_is_refused(aws, who):
    assert_refused(start(aws, who), "sagemaker:StartPipelineExecution")
    assert_allowed(start(aws, "setup"))


@pytest.mark.parametrize("who", [pytest.param("ml-engineer", id=f"ML engineer may start the pipeline ({ARN_SCOPING})")])
def test_sagemaker_pipeline_start_is_allowed(aws, who):
    assert_allowed(start(aws, who))


@pytest.mark.parametrize("who, action, call, allowed", [
    pytest.param(who, action, call, allowed, id=f"{who} {'may' if allowed else 'may not'} {action} ({ARN_SCOPING})")
    for who, action, call, allowed in [
        ("data-scientist", "DescribePipeline", "describe", True),
        ("data-scientist", "ListPipelineExecutions", "list_executions", True),
        ("data-scientist", "UpdatePipeline", "update", False),
        ("data-scientist", "DeletePipeline", "delete", False),
        ("ml-engineer", "DescribePipeline", "describe", True),
        ("ml-engineer", "UpdatePipeline", "update", True),
        ("ml-engineer", "DeletePipeline", "delete", False),
        ("ml-engineer", "CreateTrainingJob", "training_job", False),
    ]])
def test_sagemaker_actions_of_the_personas(aws, who, action, call, allowed):
    name = aws.outputs["pipelineName"]
    definition = json.dumps(aws.plan["pipelineDefinition"])
    disposable = f"{name}-disposable-{uuid.uuid4().hex[:8]}"  # what the delete checks try to delete
    if call == "delete":
        aws.client("sagemaker").create_pipeline(PipelineName=disposable, PipelineDefinition=definition,
                                                RoleArn=aws.outputs["roleArns"]["pipeline"])
    calls = {
        "describe": lambda c: c.describe_pipeline(PipelineName=name),
        "list_executions": lambda c: c.list_pipeline_executions(PipelineName=name),
        "update": lambda c: c.update_pipeline(PipelineName=name, PipelineDefinition=definition),
        "delete": lambda c: c.delete_pipeline(PipelineName=disposable, ClientRequestToken=uuid.uuid4().hex),
        "training_job": lambda c: c.create_training_job(
            TrainingJobName=f"direct-{uuid.uuid4().hex[:8]}", RoleArn=aws.outputs["roleArns"]["pipeline"],
            AlgorithmSpecification={"TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.8.0",
                                    "TrainingInputMode": "File"},
            OutputDataConfig={"S3OutputPath": aws.outputs["bucketPrefixes"]["models"]},
            ResourceConfig={"InstanceType": "ml.g4dn.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 50},
            StoppingCondition={"MaxRuntimeInSeconds": 3600}),
    }
    outcome = attempt(lambda: calls[call](aws.client("sagemaker", credentials(aws, who, WIDENED))))
    if allowed:
        assert_allowed(outcome)
    else:
        assert_refused(outcome, f"sagemaker:{action}")
        assert_allowed(attempt(lambda: calls[call](aws.client("sagemaker"))))


def test_moto_ignores_arn_scoped_sagemaker_allows_which_is_why_sagemaker_checks_use_widened_documents(aws):
    """With the exact document the ML engineer's ARN-scoped StartPipelineExecution Allow does not match in moto.
    If this starts failing, moto evaluates SageMaker resource ARNs and the widening can go."""
    client = aws.client("sagemaker", aws.assumed[("ml-engineer", EXACT)])
    assert_refused(attempt(lambda: client.start_pipeline_execution(PipelineName=aws.outputs["pipelineName"])),
                   "sagemaker:StartPipelineExecution")


# ------------------------------------------------------------ serving (the full stack), actions only


@pytest.fixture(scope="module")
def serving(dataset, tmp_path_factory):
    """The full stack (deployment on, Model Monitor) in its own emulator, with the stack's endpoint created the way
    `pulumi up` creates it (by the set-up identity). moto's CreateModel knows no ModelPackageName, so the model
    names the inference image directly; what is checked here is who may call what on the endpoint."""
    plan = emulator.stack_plan("full")
    with emulator.EmulatedPlatform(plan, dataset.root, tmp_path_factory.mktemp("serving-emulator")) as platform:
        deployment = plan["outputs"]["deployment"]
        setup = platform.client("sagemaker")
        setup.create_model(ModelName=f"{deployment['endpointName']}-v1-model", ExecutionRoleArn=deployment["roleArn"],
                           PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-cpu-py312"})
        setup.create_endpoint_config(EndpointConfigName=deployment["endpointConfigName"], ProductionVariants=[{
            "VariantName": "yolo11", "ModelName": f"{deployment['endpointName']}-v1-model", "InstanceType": deployment["instanceType"],
            "InitialInstanceCount": 1}])
        setup.create_endpoint(EndpointName=deployment["endpointName"], EndpointConfigName=deployment["endpointConfigName"])
        yield platform


def serving_call(platform, who: str, call: str):
    deployment = platform.outputs["deployment"]
    name = deployment["endpointName"]
    calls = {
        "describe": ("sagemaker", lambda c: c.describe_endpoint(EndpointName=name)),
        # moto answers invocations with canned results and decodes the body as UTF-8 text: a placeholder, not a JPEG.
        "invoke": ("sagemaker-runtime", lambda c: c.invoke_endpoint(EndpointName=name, ContentType="image/jpeg", Body=b"placeholder")),
        "create_config": ("sagemaker", lambda c: c.create_endpoint_config(
            EndpointConfigName=f"{name}-v2-{uuid.uuid4().hex[:8]}", ProductionVariants=[{
                "VariantName": "yolo11", "ModelName": f"{name}-v1-model", "InstanceType": deployment["instanceType"], "InitialInstanceCount": 1}])),
        # moto implements no UpdateEndpoint (it answers 500): taking an endpoint down stands for changing it.
        "delete": ("sagemaker", lambda c: c.delete_endpoint(EndpointName=disposable)),
        "delete_config": ("sagemaker", lambda c: c.delete_endpoint_config(EndpointConfigName=disposable)),
    }
    service, run = calls[call]
    setup = platform.client("sagemaker")
    disposable = f"{name}-disposable-{uuid.uuid4().hex[:8]}"  # what the delete checks try to delete
    if call in ("delete", "delete_config"):
        setup.create_endpoint_config(EndpointConfigName=disposable, ProductionVariants=[{
            "VariantName": "yolo11", "ModelName": f"{name}-v1-model", "InstanceType": deployment["instanceType"], "InitialInstanceCount": 1}])
    if call == "delete":
        setup.create_endpoint(EndpointName=disposable, EndpointConfigName=disposable)
    client = platform.client(service, None if who == "setup" else platform.assumed[(who, WIDENED)])
    return attempt(lambda: run(client))


@pytest.mark.parametrize("who, action, call, allowed", [
    pytest.param(who, action, call, allowed, id=f"{who} {'may' if allowed else 'may not'} {action} the endpoint ({ARN_SCOPING})")
    for who, action, call, allowed in [
        ("data-scientist", "DescribeEndpoint", "describe", True),
        ("data-scientist", "InvokeEndpoint", "invoke", True),
        ("data-scientist", "CreateEndpointConfig", "create_config", False),
        ("data-scientist", "DeleteEndpoint", "delete", False),
        ("data-scientist", "DeleteEndpointConfig", "delete_config", False),
        ("ml-engineer", "DescribeEndpoint", "describe", True),
        ("ml-engineer", "InvokeEndpoint", "invoke", True),
        ("ml-engineer", "CreateEndpointConfig", "create_config", True),
        ("ml-engineer", "DeleteEndpoint", "delete", True),
        ("ml-engineer", "DeleteEndpointConfig", "delete_config", True),
        ("pipeline", "InvokeEndpoint", "invoke", False),
        ("pipeline", "DeleteEndpoint", "delete", False),
    ]])
def test_serving_actions_of_the_personas(serving, who, action, call, allowed):
    outcome = serving_call(serving, who, call)
    if allowed:
        assert_allowed(outcome)
    else:
        assert_refused(outcome, f"sagemaker:{action}")
        assert_allowed(serving_call(serving, "setup", call))
