"""The platform on a local AWS API emulator, for the notebook and role-separation tests.

`EmulatedPlatform` starts `moto_server` (from this venv) on a free 127.0.0.1 port as a subprocess and sets
up, with the set-up credentials (an IAM user with `*`), what the stack deploys and the notebooks use:

- the data bucket under the stack's real name, SSE-KMS by default, with a YOLO dataset (synthetic, from
  synthdata) under `datasets/<name>/` of the stack's default input data. The stack's bucket policy
  (TLS-only) is left off: moto evaluates bucket policies even without IAM enforcement and a
  `aws:SecureTransport=false` Deny would refuse every request to the plain-HTTP emulator;
- the SageMaker pipeline, created from the plan's pipeline definition (`npm run plan -- --json`);
- the three persona roles with the stack's exact trust policies and exact inline policies (the team
  access policy plus, for the Studio personas, the Studio apps policy), and for each a twin role whose
  SageMaker statements are widened to `Resource: "*"` (see `widen_sagemaker_resources`);
- an IAM user allowed `sts:AssumeRole`, whose credentials assume every role.

Then IAM enforcement is switched on (`POST /moto-api/reset-auth 0`): from there on every request is
authorized against the policies of the identity that signs it.

Emulator limits this works around (moto 5.2.5; each is stated where it matters):
- moto authorizes every non-S3 action against the resource "*", so an ARN-scoped SageMaker Allow never
  matches; the widened twin roles let the emulator answer whether an ACTION is granted (ARN scoping is
  covered by tests/stack/iamDocuments.spec.ts). S3 is authorized against the real bucket/key ARNs, so the
  role-separation S3 checks use the exact roles; the twins keep the exact S3 statements, so a notebook
  that also calls SageMaker (both persona notebooks) runs as its persona's twin and still meets S3's
  real refusals.
- The trust policies allow only the SageMaker service to assume the persona roles (as on AWS, where Studio
  assumes them for a user). moto cannot evaluate a Service principal under enforcement (its AssumeRole check
  fails with a 500), so the roles are assumed while the set-up runs, before enforcement starts; the
  assumed-role credentials then act under enforcement like Studio's.
- SageMaker access denials come back as an XML error document on a JSON protocol, so botocore reports the
  code as "403" with the document as message (`sagemaker_denial` reads it).
"""

from __future__ import annotations

import copy
import functools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MOTO_SERVER = Path(sys.executable).parent / "moto_server"
# moto's server with InvokeEndpoint taking image bodies (moto 5.2.5 answers every non-UTF-8 body with HTTP 500).
MOTO_SERVER_BINARY_BODIES = Path(__file__).resolve().parent / "moto_server_binary.py"
PERSONAS = ("data-scientist", "ml-engineer", "pipeline")
EXACT = "exact"
WIDENED = "sagemaker-widened"
WIDENED_SUFFIX = "-sagemaker-widened"
REGION_FALLBACK = "us-east-1"


# ------------------------------------------------------------------------------------------- the stack


@functools.lru_cache(maxsize=None)
def stack_plan(stack: str = "dev") -> dict:
    """`npm run plan -- --json` of a stack (resources, outputs, pipelineDefinition), once per stack and process."""
    result = subprocess.run(["npm", "run", "--silent", "plan", "--", "--json", "--stack", stack], cwd=REPO, capture_output=True,
                            text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"npm run plan -- --json failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


def resources(plan: dict, type_token: str) -> list[dict]:
    return [r for r in plan["resources"] if r["type"] == type_token]


@dataclass
class RoleDocuments:
    name: str
    trust: str  # the assume-role policy, exactly as the stack passes it
    policies: dict[str, str]  # inline policy name → document (JSON text)


def role_documents(plan: dict, persona: str) -> RoleDocuments:
    """The persona role's trust policy and every policy the stack gives it: its inline policies, and the managed
    policies of the stack attached to it (by ARN, e.g. the serving policy), which the emulator puts inline."""
    (role,) = [r for r in resources(plan, "aws:iam/role:Role") if r["name"] == f"team-{persona}"]
    name = role["inputs"]["name"]
    policies = {p["inputs"]["name"]: p["inputs"]["policy"]
                for p in resources(plan, "aws:iam/rolePolicy:RolePolicy") if p["inputs"]["role"] == name}
    managed = {p["inputs"]["name"]: p["inputs"]["policy"] for p in resources(plan, "aws:iam/policy:Policy")}
    for attachment in resources(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        if attachment["inputs"]["role"] == name:
            policy_name = attachment["inputs"]["policyArn"].rsplit("/", 1)[1]
            policies[policy_name] = managed[policy_name]
    assert policies, f"no inline policy of {name} in the plan"
    return RoleDocuments(name, role["inputs"]["assumeRolePolicy"], policies)


def widen_sagemaker_resources(document: dict) -> dict:
    """A copy of an IAM policy document whose SageMaker statements apply to every resource ("*").

    moto authorizes SageMaker actions against the resource "*" only, so the stack's ARN-scoped Allows never
    match in the emulator. With the Resources widened, the emulator checks whether the ACTION is granted;
    the ARN scoping itself is covered by tests/stack/iamDocuments.spec.ts. Statements of other services
    are kept exactly; a statement mixing SageMaker and other actions is refused rather than half-widened.
    """
    widened = copy.deepcopy(document)
    for statement in widened["Statement"]:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        sagemaker = [a for a in actions if a.lower().startswith("sagemaker:")]
        if sagemaker and len(sagemaker) != len(actions):
            raise ValueError(f"statement {statement.get('Sid')} mixes SageMaker and other actions: {actions}")
        if sagemaker:
            statement["Resource"] = "*"
    return widened


# ------------------------------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    """`moto_server` of this venv on 127.0.0.1, a free port; stopped by stop() (the process it started).

    With `binary_invocations`, moto_server_binary.py runs instead: the same server, whose InvokeEndpoint accepts images.
    """

    def __init__(self, log_path: Path, attempts: int = 3, binary_invocations: bool = False):
        if not MOTO_SERVER.is_file():
            raise RuntimeError(f"{MOTO_SERVER} is missing. Run `bash tools/setup-python.sh` (it installs moto[server]).")
        self.log_path = log_path
        for _ in range(attempts):  # a port taken between free_port() and the bind is retried
            self.port = free_port()
            self.endpoint = f"http://127.0.0.1:{self.port}"
            self.log = open(log_path, "ab")
            command = [sys.executable, str(MOTO_SERVER_BINARY_BODIES)] if binary_invocations else [str(MOTO_SERVER)]
            self.process = subprocess.Popen([*command, "-H", "127.0.0.1", "-p", str(self.port)],
                                            stdout=self.log, stderr=subprocess.STDOUT)
            if self._wait_ready(timeout=30):
                return
            self.stop()
        raise RuntimeError(f"moto_server did not start:\n{log_path.read_text(errors='replace')[-3000:]}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json", timeout=2):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def set_auth(self, free_requests: float) -> None:
        """IAM enforcement after `free_requests` more requests (0: now; inf: never)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset-auth", data=str(free_requests).encode(), method="POST",
                                         headers={"Content-Type": "text/plain"})  # a form body would be parsed away
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["status"] == "ok"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# ------------------------------------------------------------------------------------------ the platform


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    session_token: str | None = None

    def boto3(self) -> dict:
        values = {"aws_access_key_id": self.access_key, "aws_secret_access_key": self.secret_key}
        if self.session_token:
            values["aws_session_token"] = self.session_token
        return values


@dataclass
class EmulatedPlatform:
    plan: dict
    dataset_root: Path
    workdir: Path
    server: MotoServer | None = None
    setup: Credentials | None = None
    assumed: dict[tuple[str, str], Credentials] = field(default_factory=dict)  # (persona, EXACT|WIDENED) → role credentials
    role_names: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def outputs(self) -> dict:
        return self.plan["outputs"]

    @property
    def bucket(self) -> str:
        return self.outputs["bucketName"]

    @property
    def region(self) -> str:
        return self.outputs.get("region", REGION_FALLBACK)

    @property
    def dataset_prefix(self) -> str:
        """datasets/<name>/ of the pipeline's default InputData."""
        uri = self.outputs["defaultInputData"]
        return uri[len(f"s3://{self.bucket}/"):]

    def client(self, service: str, credentials: Credentials | None = None):
        import boto3
        from botocore.config import Config

        return boto3.client(service, endpoint_url=self.server.endpoint, region_name=self.region,
                            config=Config(retries={"mode": "standard", "max_attempts": 2}),
                            **(credentials or self.setup).boto3())

    def start(self) -> "EmulatedPlatform":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.server = MotoServer(self.workdir / "moto_server.log")
        try:
            self._set_up()
            self.server.set_auth(0)
        except BaseException:
            self.server.stop()
            raise
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> "EmulatedPlatform":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _set_up(self) -> None:
        # Before enforcement any signature is accepted: these dummy keys create the set-up user.
        bootstrap = Credentials("AKIAEMULATORSETUP000", "emulator-setup-secret")
        iam = self.client("iam", bootstrap)
        iam.create_user(UserName="platform-setup")
        iam.put_user_policy(UserName="platform-setup", PolicyName="everything", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="platform-setup")["AccessKey"]
        self.setup = Credentials(key["AccessKeyId"], key["SecretAccessKey"])

        # The bucket, encrypted with a customer-managed key like the stack's, and the dataset.
        kms = self.client("kms")
        key_arn = kms.create_key(Description="emulated data key")["KeyMetadata"]["Arn"]
        s3 = self.client("s3")
        s3.create_bucket(Bucket=self.bucket)
        s3.put_bucket_encryption(Bucket=self.bucket, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
            "BucketKeyEnabled": True}]})
        for path in sorted(self.dataset_root.rglob("*")):
            if path.is_file() and not path.name.endswith(".cache"):
                s3.upload_file(str(path), self.bucket, self.dataset_prefix + path.relative_to(self.dataset_root).as_posix())

        # The pipeline, from the stack's own definition.
        self.client("sagemaker").create_pipeline(
            PipelineName=self.outputs["pipelineName"], PipelineDefinition=json.dumps(self.plan["pipelineDefinition"]),
            RoleArn=self.outputs["roleArns"]["pipeline"])

        # The persona roles: exact documents, and the SageMaker-widened twins.
        role_arns = []
        for persona in PERSONAS:
            documents = role_documents(self.plan, persona)
            for variant, name in ((EXACT, documents.name), (WIDENED, documents.name + WIDENED_SUFFIX)):
                arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=documents.trust)["Role"]["Arn"]
                for policy_name, text in documents.policies.items():
                    document = text if variant == EXACT else json.dumps(widen_sagemaker_resources(json.loads(text)))
                    iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=document)
                self.role_names[(persona, variant)] = name
                role_arns.append((persona, variant, arn))

        # The user that assumes them (standing in for SageMaker Studio, see the module docstring).
        iam.create_user(UserName="persona-assumer")
        iam.put_user_policy(UserName="persona-assumer", PolicyName="assume-persona-roles", PolicyDocument=json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": [arn for _, _, arn in role_arns]}]}))
        key = iam.create_access_key(UserName="persona-assumer")["AccessKey"]
        sts = self.client("sts", Credentials(key["AccessKeyId"], key["SecretAccessKey"]))
        for persona, variant, arn in role_arns:
            assumed = sts.assume_role(RoleArn=arn, RoleSessionName=f"{persona}-{variant}", DurationSeconds=3600)["Credentials"]
            self.assumed[(persona, variant)] = Credentials(assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"])


# ------------------------------------------------------------------------------------------------ errors


def error_code(error: Exception) -> tuple[int | None, str, str]:
    """(HTTP status, error code, message) of a botocore ClientError; the code read from an XML error
    document when botocore could only see the HTTP status (moto's SageMaker denials, see above)."""
    import re

    response = getattr(error, "response", {})
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = str(response.get("Error", {}).get("Code", ""))
    message = str(response.get("Error", {}).get("Message", ""))
    embedded = re.search(r"<Code>(.*?)</Code>", message)
    if embedded and (not code or code.isdigit()):
        code = embedded.group(1)
        text = re.search(r"<Message>(.*?)</Message>", message, flags=re.S)
        message = text.group(1) if text else message
    return status, code, message


def kernel_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The test process' environment without anything that would point boto3 or the notebooks elsewhere."""
    env = dict(os.environ if base is None else base)
    for name in list(env):
        if name.startswith(("AWS_", "SAGEMAKER_", "SM_", "YOLO_", "PULUMI_")) or name in (
                "STACK_OUTPUTS", "PYTHONPATH", "MPLBACKEND", "JUPYTER_PATH"):
            env.pop(name)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in pipeline-scripts/ (shipped as the code bundle) or notebooks/
    return env
