"""Writers: JSONL and ``.jsonl.gz``, atomic (temporary file, then rename); Parquet is in
:mod:`selfreflect.formats.parquet` and uses the same :func:`atomic_path`.

A crash, an exception or Ctrl-C while writing leaves the final path untouched: either the
old file (if any) or the complete new one, never a torn file.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from selfreflect.conversation import Conversation
from selfreflect.formats.atomic import atomic_path
from selfreflect.steps import Reject

#: Output names :func:`write` knows, by ending.
OUTPUT_SUFFIXES = (".jsonl", ".jsonl.gz", ".parquet")


def check_output_name(path: str | os.PathLike[str]) -> None:
    """Raise a one-line ValueError unless the name ends in a known output suffix."""
    name = Path(path).name.lower()
    if not name.endswith(OUTPUT_SUFFIXES):
        known = ", ".join(OUTPUT_SUFFIXES)
        raise ValueError(
            f"cannot tell the output format from the name {Path(path).name!r}; "
            f"end it in one of {known}"
        )


def check_writable(path: str | os.PathLike[str]) -> Path:
    """Raise a one-line OSError unless a file can be created at ``path``."""
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"output path is a directory: {target}")
    parent = target.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write output {target}: directory {parent} is not writable")
    return target


class JsonlWriter:
    """Write JSON objects one per line to ``path`` atomically; gzip when it ends in ``.gz``.

    Use as a context manager: the file appears under its name only when the block succeeds.
    """

    def __init__(self, path: str | os.PathLike[str], compress: bool | None = None):
        self.path = Path(path)
        self.compress = self.path.suffix == ".gz" if compress is None else compress
        self.count = 0
        self._cm: Any = None
        self._fh: IO[str] | None = None
        self._raw: IO[bytes] | None = None

    def __enter__(self) -> JsonlWriter:
        self._cm = atomic_path(self.path)
        tmp = self._cm.__enter__()
        self._raw = open(tmp, "wb")  # noqa: SIM115 - closed in __exit__
        binary: IO[bytes] | gzip.GzipFile = self._raw
        if self.compress:
            binary = gzip.GzipFile(
                filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=6
            )  # gzip(1)'s default; 9 is ~4x slower
        self._fh = io.TextIOWrapper(binary, encoding="utf-8", newline="\n")
        return self

    def write(self, obj: dict[str, Any]) -> None:
        """Write one object as a line."""
        assert self._fh is not None, "use JsonlWriter as a context manager"
        self._fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.count += 1

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        assert self._fh is not None and self._raw is not None
        try:
            self._fh.flush()
            if self.compress:
                self._fh.close()  # closes the gzip layer (writes its trailer), not self._raw
            if exc_type is None:
                self._raw.flush()
                os.fsync(self._raw.fileno())
        finally:
            if not self._fh.closed:
                self._fh.close()
            self._raw.close()
        return bool(self._cm.__exit__(exc_type, exc, tb))


def _as_record(item: Conversation | dict[str, Any]) -> dict[str, Any]:
    return item.to_record() if isinstance(item, Conversation) else item


def write_jsonl(
    records: Iterable[Conversation | dict[str, Any]], path: str | os.PathLike[str]
) -> int:
    """Write records as JSONL atomically (gzip if the name ends in ``.gz``); return the count."""
    with JsonlWriter(path) as out:
        for record in records:
            out.write(_as_record(record))
    return out.count


def write_jsonl_gz(
    records: Iterable[Conversation | dict[str, Any]], path: str | os.PathLike[str]
) -> int:
    """Write records as gzipped JSONL atomically, whatever the file name; return the count."""
    with JsonlWriter(path, compress=True) as out:
        for record in records:
            out.write(_as_record(record))
    return out.count


def write_rejects(rejects: Iterable[Reject], path: str | os.PathLike[str]) -> int:
    """Write rejects as JSONL (``Reject.to_json()`` per line) atomically; return the count."""
    with JsonlWriter(path) as out:
        for item in rejects:
            out.write(item.to_json())
    return out.count


def write(records: Iterable[Conversation | dict[str, Any]], path: str | os.PathLike[str]) -> int:
    """Write records in the format the file name says: ``.parquet``, ``.gz`` or JSONL."""
    if str(path).endswith(".parquet"):
        from selfreflect.formats.parquet import write_parquet

        return write_parquet(records, path)
    return write_jsonl(records, path)
