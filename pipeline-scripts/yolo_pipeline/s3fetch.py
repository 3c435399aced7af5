"""Fetch the images a Ground Truth manifest refers to from S3, within allowed prefixes only.

A labeling job's output prefix (`labeling/<job>/manifests/output/`) holds the manifest, not the images: each
line's `source-ref` names an image where the input manifest had it, e.g. `s3://<bucket>/datasets/raw/<name>/`.
The PrepareDataset step's input is only the manifest's prefix, so the step fetches the referenced images it
does not find locally, and only from the prefixes it is given (`--fetch-from`): a manifest line pointing at
another bucket or at `models/` must not turn the pipeline role into a reader of whatever a manifest names. Each
image that cannot be had becomes a named, counted problem of the validation report, never a crash:

- `image_outside_allowed_prefixes`: the reference is not under any allowed prefix (or not an S3 URI);
- `image_fetch_failed`: S3 refused or lacked the object (its error code is quoted).

Downloads run on a small thread pool (boto3 clients are thread-safe); the files land under
`<folder>/<key>`, where `convert.resolve_image` finds them by their S3 key.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Sequence
from urllib.parse import unquote, urlparse

from .cli import PipelineError

LOGGER = logging.getLogger(__name__)

OUTSIDE = "image_outside_allowed_prefixes"
FETCH_FAILED = "image_fetch_failed"
WORKERS = 8
# download_file reports HeadObject's bare HTTP status as the error code.
ERROR_MEANINGS = {"404": "404: no such object", "403": "403: access denied to the pipeline role"}


@dataclass
class FetchedImages:
    """Where fetched images are, and why the others are not: reference → (kind, message)."""

    folder: Path
    unavailable: dict[str, tuple[str, str]] = field(default_factory=dict)
    fetched: int = 0


def parse_prefix(uri: str) -> tuple[str, str]:
    """(bucket, key prefix) of an `s3://bucket/prefix/` allowed prefix; ValueError names what is wrong."""
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc or not parsed.path.endswith("/"):
        raise ValueError(f"{uri!r} is not an S3 prefix; expected s3://<bucket>/<prefix>/ (ending in '/').")
    return parsed.netloc, parsed.path.lstrip("/")


def manifest_references(path: Path) -> list[str]:
    """The distinct `source-ref` values of a manifest's readable lines, in order (the reader reports the rest)."""
    references: dict[str, None] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        reference = record.get("source-ref") if isinstance(record, dict) else None
        if isinstance(reference, str) and reference:
            references[reference] = None
    return list(references)


def local_path(folder: Path, relative_key: str) -> Path | None:
    """Where an object lands under folder, or None for a key that would escape it ('..' parts: S3 keys may hold
    them, a dataset need not)."""
    parts = PurePosixPath(relative_key).parts
    if not parts or any(part in ("..", ".") for part in parts):
        return None
    return folder.joinpath(*parts)


def default_client():
    """The S3 client of the job's role; boto3 ships with the training images and is imported only when S3 is read."""
    try:
        import boto3
    except ImportError as e:
        raise PipelineError(f"Reading from S3 needs boto3, which this Python lacks: {e}") from e
    return boto3.client("s3")


def _object_of(reference: str) -> tuple[str, str] | None:
    parsed = urlparse(reference)
    if parsed.scheme != "s3" or not parsed.netloc:
        return None
    key = unquote(parsed.path.lstrip("/"))
    return (parsed.netloc, key) if key and local_path(Path("."), key) is not None else None


def fetch_images(
    references: Iterable[str],
    allowed_prefixes: Sequence[str],
    folder: Path,
    is_local: Callable[[str], bool],
    client=None,
) -> FetchedImages:
    """Download every S3 reference that `is_local` does not already resolve and that lies in an allowed prefix."""
    allowed = [parse_prefix(prefix) for prefix in allowed_prefixes]
    result = FetchedImages(folder=folder)
    wanted: list[tuple[str, str, str]] = []
    for reference in references:
        if is_local(reference):
            continue
        location = _object_of(reference)
        if location is None or not any(location[0] == bucket and location[1].startswith(prefix) for bucket, prefix in allowed):
            result.unavailable[reference] = (
                OUTSIDE,
                f"is not under the prefixes the step may read ({', '.join(allowed_prefixes)}); move the image there "
                "or add its prefix to --fetch-from.",
            )
            continue
        wanted.append((reference, *location))
    if not wanted:
        return result
    client = client or default_client()

    def download(item: tuple[str, str, str]) -> tuple[str, str | None]:
        reference, bucket, key = item
        target = local_path(folder, key)
        assert target is not None  # _object_of accepted only keys that stay inside folder
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            client.download_file(bucket, key, str(target))
            return reference, None
        except Exception as e:  # noqa: BLE001 - botocore raises ClientError, NoCredentialsError, EndpointConnectionError …
            code = str(getattr(e, "response", {}).get("Error", {}).get("Code", ""))
            return reference, ERROR_MEANINGS.get(code, code) if code else f"{type(e).__name__}: {e}"

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for reference, error in pool.map(download, wanted):
            if error is None:
                result.fetched += 1
            else:
                result.unavailable[reference] = (FETCH_FAILED, f"could not be fetched from S3 ({error}).")
    LOGGER.info("Fetched %d of %d referenced image(s) from S3 into %s.", result.fetched, len(wanted), folder)
    return result
