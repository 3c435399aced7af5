"""The dataset trigger's marker: an object named `_READY` written last into `datasets/<name>/` says the folder is
complete (components/datasetTrigger.ts starts a run for it). EventBridge can pass the marker's key to the pipeline
but cannot cut it down to its folder, and SageMaker copies exactly the S3 prefix it is given, so PrepareDataset is
handed the marker's own URI and reads the folder here.

The pipeline's outputs (`datasets/prepared/`) are never read as an input, so that a run can never start itself again,
and the marker is never written into a prepared dataset.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from . import s3fetch
from .cli import PipelineError

LOGGER = logging.getLogger(__name__)

READY_MARKER = "_READY"
#: Where PrepareDataset writes each run's outputs (components/s3Layout.ts PREPARED_DATASETS).
PREPARED_PREFIX = "datasets/prepared/"


@dataclass(frozen=True)
class MarkedFolder:
    bucket: str
    #: The folder's key prefix, ending in "/".
    prefix: str
    marker_key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def marked_folder(input_uri: str) -> MarkedFolder | None:
    """The folder a `_READY` marker URI stands for; None when the URI is a prefix to read as it is."""
    parsed = urlparse(input_uri)
    key = parsed.path.lstrip("/")
    if parsed.scheme != "s3" or not parsed.netloc or key.rsplit("/", 1)[-1] != READY_MARKER:
        return None
    prefix = key[: -len(READY_MARKER)]
    if prefix.startswith(PREPARED_PREFIX) or PREPARED_PREFIX.startswith(prefix):
        raise PipelineError(
            f"'{input_uri}' marks the folder s3://{parsed.netloc}/{prefix or ''}, which holds or is the pipeline's own output "
            f"({PREPARED_PREFIX}); a prepared dataset is never prepared again. Put the {READY_MARKER} marker into the "
            "folder of the raw data, e.g. datasets/<name>/_READY."
        )
    return MarkedFolder(parsed.netloc, prefix, key)


def download_folder(folder: MarkedFolder, target: Path, client=None) -> int:
    """Copies every object under the folder except markers into target (relative paths kept); returns the count."""
    client = client or s3fetch.default_client()
    from botocore.exceptions import BotoCoreError, ClientError

    count = size = 0
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=folder.bucket, Prefix=folder.prefix):
            for item in page.get("Contents", []):
                relative = item["Key"][len(folder.prefix):]
                # Folder placeholders ("a/") and markers at any depth are not data.
                if not relative or relative.endswith("/") or relative.rsplit("/", 1)[-1] == READY_MARKER:
                    continue
                destination = s3fetch.local_path(target, relative)
                if destination is None:
                    raise PipelineError(f"Cannot copy s3://{folder.bucket}/{item['Key']}: its key leaves the folder ('..' parts); rename it.")
                destination.parent.mkdir(parents=True, exist_ok=True)
                client.download_file(folder.bucket, item["Key"], str(destination))
                count += 1
                size += item.get("Size", 0)
    except (BotoCoreError, ClientError) as e:
        raise PipelineError(f"Cannot read {folder.uri} (marked by s3://{folder.bucket}/{folder.marker_key}): {e}") from e
    except OSError as e:
        raise PipelineError(f"Cannot write the copy of {folder.uri} under {target}: {e}") from e
    LOGGER.info("Read %d object(s), %.1f MB, from %s.", count, size / 1e6, folder.uri)
    return count

