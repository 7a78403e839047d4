"""Where feed batches live on disk (MEDIA_ROOT/feeds/<kind>/): the accepted rows as Parquet in the column
layout of feeds_schema (what the comparison runs read), and, sealed with the field key (core.crypto), the
rejected rows as the file had them and the row/column report. The database keeps only FeedBatch metadata.

`stored_feed_paths(kind)` is the one way the comparison runs find the rows: the Parquet files of
the batches of that kind that are stored (a batch held for its uploader's decision, or withdrawn, is not).
A run places rows in a rule's window by their own dates, not by when the batch came: departments send late."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from jiuzhu.core.crypto import decrypt_bytes, encrypt_bytes


def feeds_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "feeds"


def absolute(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def relative_paths(kind: str, key: str) -> dict[str, str]:
    stem = f"feeds/{kind}/{key[:32]}"
    return {"data": f"{stem}.parquet", "rejected": f"{stem}-rejected.parquet.sealed",
            "report": f"{stem}-report.json.sealed"}


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)


def write_rows(relative: str, table: pa.Table) -> None:
    path = absolute(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    pq.write_table(table, partial, compression="zstd", row_group_size=256 * 1024)
    os.replace(partial, path)


def read_rows(relative: str) -> pa.Table:
    return pq.read_table(absolute(relative))


def write_sealed_table(relative: str, table: pa.Table) -> None:
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    _atomic_write(absolute(relative), encrypt_bytes(out.getvalue()))


def read_sealed_table(relative: str) -> pa.Table:
    return pq.read_table(io.BytesIO(decrypt_bytes(absolute(relative).read_bytes())))


def write_sealed_json(relative: str, value) -> None:
    _atomic_write(absolute(relative), encrypt_bytes(json.dumps(value, ensure_ascii=False, default=str).encode()))


def read_sealed_json(relative: str):
    path = absolute(relative)
    if not path.is_file():
        return None
    return json.loads(decrypt_bytes(path.read_bytes()))


def remove(*relatives: str) -> None:
    for relative in relatives:
        if relative:
            absolute(relative).unlink(missing_ok=True)


def stored_feed_paths(kind: str) -> list[Path]:
    """The Parquet files of the stored batches of `kind`, oldest first."""
    from jiuzhu.monitoring.models import FeedBatch, FeedBatchStatus

    batches = FeedBatch.objects.filter(kind=kind, status=FeedBatchStatus.STORED).exclude(data_path="")
    return [absolute(p) for p in batches.order_by("uploaded_at", "pk").values_list("data_path", flat=True)]
