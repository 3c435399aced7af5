"""The dataset trigger end to end, on moto: the full stack's EventBridge rule (from `npm run plan -- --json --stack
full`) evaluated by moto's EventBridge pattern matcher on the events moto's S3 publishes for real uploads, the target
request checked against botocore's model, and PrepareDataset reading the folder a `_READY` marker names.

moto does not deliver to SageMaker pipeline targets (only SQS, CloudWatch Logs, event buses and HTTP) and does not
implement TestEventPattern, so the rule gets a second target, an SQS queue, that shows which uploads matched; the
pipeline target's parameters are then resolved from a matched event the way EventBridge resolves its JSON paths.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import pytest

import emulator
import synthdata
from conftest import SCRIPTS, describe
from test_prepare_step import assert_reported, run_step, validation_schema  # noqa: F401 (a fixture)

sys.path.insert(0, str(SCRIPTS))
from yolo_pipeline import ready_marker  # noqa: E402
from yolo_pipeline.cli import PipelineError  # noqa: E402

MARKER = f"datasets/flight-7/{ready_marker.READY_MARKER}"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def plan() -> dict:
    return emulator.stack_plan("full")


def named(plan: dict, name: str) -> dict:
    (found,) = [r for r in plan["resources"] if r["name"] == name]
    return found


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    server = emulator.MotoServer(tmp_path_factory.mktemp("moto") / "moto_server.log")
    yield server
    server.stop()


@pytest.fixture()
def clients(moto):
    import boto3

    urllib.request.urlopen(urllib.request.Request(f"{moto.endpoint}/moto-api/reset", method="POST"), timeout=10).close()
    return {service: boto3.client(service, endpoint_url=moto.endpoint, region_name="us-east-1", aws_access_key_id="testing",
                                  aws_secret_access_key="testing") for service in ("s3", "events", "sqs")}


def publishing_bucket(s3, name: str) -> None:
    """A versioned bucket that publishes to EventBridge, as the stack configures the data bucket."""
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}})


def matched_events(clients, plan: dict, uploads: dict[str, list[str]]) -> list[dict]:
    """Installs the stack's rule with an SQS observer, uploads the keys, returns the events the rule matched."""
    rule = named(plan, "trigger-rule")["inputs"]
    for bucket, keys in uploads.items():
        publishing_bucket(clients["s3"], bucket)
    queue = clients["sqs"].create_queue(QueueName="matched")["QueueUrl"]
    queue_arn = clients["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    clients["events"].put_rule(Name=rule["name"], EventPattern=rule["eventPattern"], State="ENABLED")
    clients["events"].put_targets(Rule=rule["name"], Targets=[{"Id": "observer", "Arn": queue_arn}])
    for bucket, keys in uploads.items():
        for key in keys:
            clients["s3"].put_object(Bucket=bucket, Key=key, Body=b"x")
    events = []
    while True:
        messages = clients["sqs"].receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return events
        for message in messages:
            events.append(json.loads(message["Body"]))
            clients["sqs"].delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


def prepared_output_keys(tmp_path: Path) -> list[str]:
    """Keys a PrepareDataset run writes: a YOLO dataset and its report under datasets/prepared/<execution-id>/."""
    root = tmp_path / "prepared"
    synthdata.write_yolo_dataset(root, {"train": 2, "val": 1, "test": 1})
    files = [p.relative_to(root).as_posix() for p in sorted(root.rglob("*")) if p.is_file()]
    return [f"datasets/prepared/exec-1a2b/dataset/{f}" for f in files] + ["datasets/prepared/exec-1a2b/report/validation.json"]


def test_only_a_datasets_marker_of_the_stacks_bucket_matches(plan, clients, tmp_path):
    bucket = plan["outputs"]["bucketName"]
    ordinary = ["datasets/flight-7/images/0001.jpg", "datasets/flight-7/labels/0001.txt", "datasets/flight-7/data.yaml",
                "datasets/flight-7/annotations.json", f"{MARKER}.txt", "datasets/flight-7/_READY/", f"datasets/{ready_marker.READY_MARKER}",
                f"models/run-1/{ready_marker.READY_MARKER}", f"labeling/job-1/{ready_marker.READY_MARKER}"]
    prepared = prepared_output_keys(tmp_path)
    nested = f"datasets/raw/site-a/{ready_marker.READY_MARKER}"
    events = matched_events(clients, plan, {bucket: [*ordinary, *prepared, MARKER, nested], "someone-elses-bucket": [MARKER]})
    assert len(prepared) == 10  # data.yaml, 4 images, 4 labels, validation.json
    # 10,000 images would be 10,000 events; only the marker (at any depth under datasets/) starts a run.
    assert sorted((e["detail"]["bucket"]["name"], e["detail"]["object"]["key"]) for e in events) == sorted([(bucket, MARKER), (bucket, nested)])
    assert {e["detail-type"] for e in events} == {"Object Created"}


def json_path(event: dict, path: str):
    """An EventBridge dynamic parameter: a whole dot-notation path ($.a.b), the only form the trigger uses."""
    assert path.startswith("$.") and "[" not in path and "*" not in path, path
    node = event
    for part in path[2:].split("."):
        node = node[part]
    return node


def test_the_target_starts_the_run_on_the_marked_folder(plan, clients):
    bucket = plan["outputs"]["bucketName"]
    (event,) = matched_events(clients, plan, {bucket: [MARKER]})
    target = named(plan, "trigger-start-pipeline")["inputs"]
    values = {p["name"]: json_path(event, p["value"]) if p["value"].startswith("$.") else p["value"]
              for p in target["sagemakerPipelineTarget"]["pipelineParameterLists"]}
    declared = {p["Name"]: p for p in plan["pipelineDefinition"]["Parameters"]}
    assert set(values) <= set(declared)
    # What PrepareDataset reads (InputData followed by InputKey) is the marker; prepare.py turns it into its folder.
    uri = values["InputData"] + values["InputKey"]
    assert uri == f"s3://{bucket}/{MARKER}"
    folder = ready_marker.marked_folder(uri)
    assert folder is not None and folder.uri == f"s3://{bucket}/datasets/flight-7/"
    version = clients["s3"].head_object(Bucket=bucket, Key=MARKER)["VersionId"]
    assert values["InputKeyVersion"] == version
    assert all(len(str(v)) <= 1024 for v in values.values())  # SageMaker's limit on a parameter value


def put_targets_request(plan: dict) -> dict:
    """The PutTargets request the provider makes from the EventTarget's inputs."""
    target = named(plan, "trigger-start-pipeline")["inputs"]
    return {
        "Rule": target["rule"],
        "Targets": [{
            "Id": "start-pipeline",
            "Arn": target["arn"],
            "RoleArn": target["roleArn"],
            "SageMakerPipelineParameters": {"PipelineParameterList": [
                {"Name": p["name"], "Value": p["value"]} for p in target["sagemakerPipelineTarget"]["pipelineParameterLists"]]},
            "RetryPolicy": {"MaximumRetryAttempts": target["retryPolicy"]["maximumRetryAttempts"],
                            "MaximumEventAgeInSeconds": target["retryPolicy"]["maximumEventAgeInSeconds"]},
        }],
    }


def botocore_problems(operation: str, request: dict) -> str:
    import botocore.session
    import botocore.validate

    model = botocore.session.get_session().get_service_model("events").operation_model(operation)
    return botocore.validate.ParamValidator().validate(request, model.input_shape).generate_report()


def test_the_rule_and_target_are_requests_eventbridge_accepts(plan, clients):
    request = put_targets_request(plan)
    rule = named(plan, "trigger-rule")["inputs"]
    assert botocore_problems("PutTargets", request) == ""
    assert botocore_problems("PutRule", {"Name": rule["name"], "EventPattern": rule["eventPattern"]}) == ""
    # The check is real: EventBridge keeps an event for at least a minute.
    broken = json.loads(json.dumps(request))
    broken["Targets"][0]["RetryPolicy"]["MaximumEventAgeInSeconds"] = 30
    assert "MaximumEventAgeInSeconds" in botocore_problems("PutTargets", broken)
    clients["events"].put_rule(Name=rule["name"], EventPattern=rule["eventPattern"])
    clients["events"].put_targets(**request)
    (stored,) = clients["events"].list_targets_by_rule(Rule=rule["name"])["Targets"]
    assert stored["SageMakerPipelineParameters"] == request["Targets"][0]["SageMakerPipelineParameters"]


# ------------------------------------------------------------------------------------ PrepareDataset and the marker


def test_prepare_reads_the_folder_a_marker_names_and_never_copies_the_marker(moto, clients, tmp_path, bundle, yolo_config_dir,
                                                                             validation_schema):  # noqa: F811
    bucket = "drone-trigger-test"
    publishing_bucket(clients["s3"], bucket)
    source = tmp_path / "upload"
    synthdata.write_yolo_dataset(source)
    files = [p for p in sorted(source.rglob("*")) if p.is_file()]
    for path in files:
        clients["s3"].upload_file(str(path), bucket, f"datasets/flight-7/{path.relative_to(source).as_posix()}")
    clients["s3"].put_object(Bucket=bucket, Key="datasets/flight-7-old/data.yaml", Body=b"a sibling folder, not read")
    version = clients["s3"].put_object(Bucket=bucket, Key=MARKER, Body=b"")["VersionId"]

    def as_sagemaker_copies_it(raw: Path) -> None:  # the step's input S3Uri is the marker's own URI
        (raw / ready_marker.READY_MARKER).write_bytes(b"")

    env = {**CREDENTIALS, "AWS_ENDPOINT_URL": moto.endpoint}
    run = run_step(tmp_path / "job", bundle, yolo_config_dir, as_sagemaker_copies_it, "--input-uri", f"s3://{bucket}/{MARKER}",
                   f"--input-version={version}", env=env)
    report = assert_reported(run, validation_schema, valid=True)
    assert report["source"]["format"] == "yolo"
    assert {name: s["images"] for name, s in report["splits"].items()} == {"train": 24, "val": 8, "test": 8}
    assert f"reading its folder s3://{bucket}/datasets/flight-7/" in run.result.stderr + run.result.stdout
    assert f"version {version}" in run.result.stderr + run.result.stdout
    assert not list(run.dataset.rglob(ready_marker.READY_MARKER))
    assert sorted(p.relative_to(run.dataset).as_posix() for p in run.dataset.rglob("*") if p.is_file()) == \
        sorted(p.relative_to(source).as_posix() for p in files)


def test_a_marker_in_the_pipelines_own_output_is_refused(tmp_path, bundle, yolo_config_dir):
    uri = f"s3://drone-trigger-test/datasets/prepared/exec-1/dataset/{ready_marker.READY_MARKER}"
    run = run_step(tmp_path, bundle, yolo_config_dir, lambda raw: None, "--input-uri", uri)
    assert run.result.returncode == 1, describe(run.result)
    assert "a prepared dataset is never prepared again" in (run.message() or "")
    assert run.report is None


def test_a_run_started_by_hand_on_a_folder_with_a_marker_leaves_it_out(tmp_path, bundle, yolo_config_dir, validation_schema):  # noqa: F811
    def marked_dataset(raw: Path) -> None:
        synthdata.write_yolo_dataset(raw)
        (raw / ready_marker.READY_MARKER).write_bytes(b"")

    run = run_step(tmp_path, bundle, yolo_config_dir, marked_dataset, "--input-uri", "s3://drone-trigger-test/datasets/flight-7/")
    assert_reported(run, validation_schema, valid=True)
    assert (run.raw / ready_marker.READY_MARKER).is_file()
    assert not (run.dataset / ready_marker.READY_MARKER).exists()


@pytest.mark.parametrize("uri, prefix", [
    (f"s3://b/{MARKER}", "datasets/flight-7/"),
    ("s3://b/datasets/raw/site-a/_READY", "datasets/raw/site-a/"),
    ("s3://b/datasets/flight-7/", None),
    ("s3://b/datasets/flight-7/_READY.txt", None),
    ("s3://b/labeling/job/manifests/output/", None),
    ("/local/datasets/x/_READY", None),
])
def test_which_uris_name_a_marker(uri, prefix):
    folder = ready_marker.marked_folder(uri)
    assert (folder.prefix if folder else None) == prefix


@pytest.mark.parametrize("uri", ["s3://b/datasets/prepared/_READY", "s3://b/datasets/_READY", "s3://b/_READY"])
def test_a_marker_whose_folder_is_or_holds_the_output_is_refused(uri):
    with pytest.raises(PipelineError, match="never prepared again"):
        ready_marker.marked_folder(uri)
