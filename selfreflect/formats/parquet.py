"""Parquet in and out (needs the ``parquet`` extra: pyarrow, imported only when used).

Files written here have the columns ``id``, ``messages`` (list of role, content, name),
``metadata`` (JSON text) and ``extra`` (JSON text of every other field, or null), so every file
has one schema and reading it back gives the same records. Other Parquet files (for example a
Hugging Face dataset with a ``messages`` or ``conversations`` column) are read row by row, each
row going through format detection like a JSONL line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from typing import IO, Any

from selfreflect.conversation import Conversation
from selfreflect.formats.atomic import atomic_path
from selfreflect.formats.parsed import Parsed
from selfreflect.steps import READ_STEP, Reject

PARQUET_HINT = "Parquet needs pyarrow: pip install 'selfreflect[parquet]'"
_OWN_COLUMNS = ["id", "messages", "metadata", "extra"]
_MESSAGE_EXTRA = "__message_extra__"


def import_pyarrow() -> Any:
    """pyarrow with its parquet module, or an ImportError naming the extra to install."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:
        raise ImportError(PARQUET_HINT) from exc
    return pyarrow


def to_row(record: dict[str, Any]) -> dict[str, Any]:
    """id, messages (role, content, name) as columns; everything else as JSON text."""
    messages, message_extra = [], []
    for m in record.get("messages", []):
        messages.append({"role": m["role"], "content": m["content"], "name": m.get("name")})
        message_extra.append({k: v for k, v in m.items() if k not in ("role", "content", "name")})
    rest = {k: v for k, v in record.items() if k not in ("id", "messages", "metadata")}
    if any(message_extra):
        rest[_MESSAGE_EXTRA] = message_extra
    return {
        "id": record["id"],
        "messages": messages,
        "metadata": json.dumps(record.get("metadata") or {}, ensure_ascii=False),
        "extra": json.dumps(rest, ensure_ascii=False) if rest else None,
    }


def from_row(row: dict[str, Any]) -> dict[str, Any]:
    """The record a row of :func:`to_row` came from."""
    rest = json.loads(row["extra"]) if row.get("extra") else {}
    message_extra = rest.pop(_MESSAGE_EXTRA, None) or [{}] * len(row["messages"])
    messages = []
    for m, extra in zip(row["messages"], message_extra, strict=True):
        m = {k: v for k, v in m.items() if not (k == "name" and v is None)}
        messages.append({**m, **extra})
    record: dict[str, Any] = {"id": row["id"], "messages": messages, **rest}
    metadata = json.loads(row["metadata"]) if row.get("metadata") else {}
    if metadata:
        record["metadata"] = metadata
    return record


def write_parquet(
    records: Iterable[Conversation | dict[str, Any]],
    path: str | os.PathLike[str],
    batch_size: int = 1000,
) -> int:
    """Write records as Parquet atomically (needs the ``parquet`` extra); return the count."""
    pa = import_pyarrow()
    message = pa.struct([("role", pa.string()), ("content", pa.string()), ("name", pa.string())])
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("messages", pa.list_(message)),
            ("metadata", pa.string()),
            ("extra", pa.string()),
        ]
    )
    count = 0
    with atomic_path(path) as tmp:
        writer = pa.parquet.ParquetWriter(tmp, schema)
        try:
            batch: list[dict[str, Any]] = []
            for record in records:
                plain = record.to_record() if isinstance(record, Conversation) else record
                batch.append(to_row(plain))
                count += 1
                if len(batch) >= batch_size:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
            if batch or count == 0:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
        finally:
            writer.close()
    return count


def iter_parquet(
    path: str | os.PathLike[str] | IO[bytes], batch_size: int = 1000, name: str | None = None
) -> Iterator[Parsed | Reject]:
    """Yield every row of a Parquet file (a path or an open binary file) as a JSON-safe value;
    ``line`` is the row number and ``name`` the source rejects name (default: the path).

    A file that is not valid Parquet (corrupt, cut off, or only starting with its magic bytes)
    ends with one ``invalid_parquet`` reject after the rows read before the damage.
    """
    pa = import_pyarrow()
    row_number = 0
    path = str(path) if isinstance(path, os.PathLike) else path
    name = name or (path if isinstance(path, str) else "<stream>")
    try:
        source = pa.parquet.ParquetFile(path)
        own = source.schema_arrow.names == _OWN_COLUMNS
        for batch in source.iter_batches(batch_size=batch_size):
            for row in batch.to_pylist():
                row_number += 1
                value = from_row(row) if own else row
                raw = json.dumps(value, ensure_ascii=False, default=str)
                yield Parsed(row_number, json.loads(raw), raw)
    except (pa.ArrowException, OSError) as exc:
        line = row_number + 1
        yield Reject(
            READ_STEP,
            "invalid_parquet",
            f"{name}:{line}: not a readable Parquet file ({exc}); the rest of the file "
            "is this reject",
            raw="",
            source=name,
            line=line,
        )
