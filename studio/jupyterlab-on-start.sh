#!/bin/bash
# SageMaker Studio JupyterLab lifecycle script, run at every app start as sagemaker-user.
# Installs the project's code bundle (pipeline-scripts: yolo_pipeline, train.py, ... and its pinned
# requirements.txt) into a venv layered over the image's Python, and registers that venv as the Jupyter
# kernel "YOLO11 (drone platform)". The same bundle again: nothing to do (~1 s). The install runs in the
# background (Studio stops lifecycle scripts after 5 minutes). Log: ~/.yolo11/install.log.
# Overrides: YOLO_CODE_BUNDLE_URI, YOLO_BASE_PYTHON (default python3), YOLO_FOREGROUND=1, HOME, PIP_*.
# studio/README.md has the details.
set -euo pipefail

# The stack replaces the placeholder with the bundle's s3:// URI; a value from the environment wins.
: "${YOLO_CODE_BUNDLE_URI:=@CODE_BUNDLE_URI@}"
export YOLO_CODE_BUNDLE_URI
export YOLO_BASE_PYTHON=${YOLO_BASE_PYTHON:-python3}
export YOLO_ROOT=$HOME/.yolo11
export YOLO_LOG=$YOLO_ROOT/install.log
export YOLO_KERNEL_DIR=${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}/kernels/yolo11

log() { printf '%s yolo11-kernel: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

# Sets dir (this bundle's install over this base Python) and want (the stamp of its finished install:
# hash of bundle URI, base Python and the bundle's requirements.txt).
locate() {
  local base
  base=$("$YOLO_BASE_PYTHON" -c 'import sys; print(sys.executable, sys.version)') ||
    { log "ERROR: the base Python '$YOLO_BASE_PYTHON' does not run"; return 1; }
  dir=$YOLO_ROOT/$(printf '%s\n%s\n' "$YOLO_CODE_BUNDLE_URI" "$base" | sha256sum | cut -c1-16)
  want=$({ printf '%s\n%s\n' "$YOLO_CODE_BUNDLE_URI" "$base"; cat "$dir/code/requirements.txt" 2>/dev/null || true; } |
    sha256sum | cut -d' ' -f1)
}

up_to_date() {
  [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$want" ] &&
    [ "$(readlink "$YOLO_ROOT/current" || true)" = "${dir##*/}" ] && [ -f "$YOLO_KERNEL_DIR/kernel.json" ]
}

failed() {
  [ "$(readlink "$YOLO_ROOT/current" || true)" = "${dir##*/}" ] || rm -rf "$dir"
  log "ERROR: installing the code bundle $YOLO_CODE_BUNDLE_URI failed (see above); the previous install, if any, is unchanged."
}

# The install, one at a time (flock); runs as its own bash process, in the background or the foreground.
install_bundle() {
  set -euo pipefail
  exec 9>"$YOLO_ROOT/lock"
  flock 9
  locate
  if up_to_date; then
    log "up to date: another start installed $YOLO_CODE_BUNDLE_URI meanwhile"
    return 0
  fi
  case $YOLO_CODE_BUNDLE_URI in
    s3://?*/?*) ;;
    *) log "ERROR: the code bundle URI '$YOLO_CODE_BUNDLE_URI' is not an s3://bucket/key URI"; return 1 ;;
  esac
  trap failed ERR
  local started=$SECONDS previous venv=$dir/venv
  previous=$(readlink "$YOLO_ROOT/current" || true)
  log "installing $YOLO_CODE_BUNDLE_URI into $dir (base Python: $YOLO_BASE_PYTHON)"
  rm -rf "$dir"
  mkdir -p "$dir"
  "$YOLO_BASE_PYTHON" - "$YOLO_CODE_BUNDLE_URI" "$dir/code" <<'PY'
import sys, tarfile, tempfile
import boto3

uri, target = sys.argv[1:]
bucket, _, key = uri[len("s3://"):].partition("/")
with tempfile.TemporaryFile() as f:
    try:
        boto3.client("s3").download_fileobj(bucket, key, f)
    except Exception as e:
        sys.exit(f"cannot download the code bundle {uri}: {e}")
    f.seek(0)
    with tarfile.open(fileobj=f) as tar:
        tar.extractall(target, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
PY
  log "bundle unpacked to $dir/code; creating the venv"
  "$YOLO_BASE_PYTHON" -m venv --system-site-packages "$venv"
  local site
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
  # The project's code first, then everything the base Python sees (also when it is a venv itself).
  printf '%s\n' "$dir/code" >"$site/yolo11-0-code.pth"
  "$YOLO_BASE_PYTHON" -c 'import site; print(*site.getsitepackages(), sep="\n")' >"$site/yolo11-1-base.pth"
  log "installing $dir/code/requirements.txt"
  "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -r "$dir/code/requirements.txt"
  "$venv/bin/python" -c 'import yolo_pipeline, ipykernel'
  locate
  echo "$want" >"$dir/.stamp"
  ln -sfn "${dir##*/}" "$YOLO_ROOT/current.new"
  mv -fT "$YOLO_ROOT/current.new" "$YOLO_ROOT/current"
  "$YOLO_ROOT/current/venv/bin/python" -m ipykernel install --user --name yolo11 \
    --display-name "YOLO11 (drone platform)" >/dev/null
  trap - ERR
  local old  # older installs go; the previous one stays for kernels still running on it
  for old in "$YOLO_ROOT"/????????????????; do
    case ${old##*/} in "${dir##*/}" | "$previous") ;; *) [ -L "$old" ] || rm -rf "$old" ;; esac
  done
  log "installed in $((SECONDS - started)) s: kernel 'YOLO11 (drone platform)' uses $YOLO_ROOT/current/venv"
}

mkdir -p "$YOLO_ROOT"
locate
if up_to_date; then
  log "up to date ($YOLO_CODE_BUNDLE_URI in $dir); nothing to do" | tee -a "$YOLO_LOG"
  exit 0
fi
export -f log locate up_to_date failed install_bundle
if [ "${YOLO_FOREGROUND:-0}" = 1 ]; then
  bash -c install_bundle 2>&1 | tee -a "$YOLO_LOG"
  exit 0
fi
if ! flock -n "$YOLO_ROOT/lock" true; then
  log "an install is already running; progress in $YOLO_LOG" | tee -a "$YOLO_LOG"
  exit 0
fi
nohup setsid bash -c install_bundle </dev/null >>"$YOLO_LOG" 2>&1 &
log "installing $YOLO_CODE_BUNDLE_URI in the background (pid $!); progress in $YOLO_LOG" | tee -a "$YOLO_LOG"
