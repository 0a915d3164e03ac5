"""``read(path)``: every line of a file as a Conversation or a read Reject, format detected."""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from selfreflect.conversation import Conversation
from selfreflect.formats.convert import RecordError, reject
from selfreflect.formats.detect import DETECT_RECORDS, EXPECTED, detect, get_format
from selfreflect.formats.lines import MAX_DEPTH, MAX_LINE_BYTES, iter_values
from selfreflect.formats.parsed import Parsed
from selfreflect.formats.streams import STDIN, source_name
from selfreflect.steps import Reject


def check_readable(path: str | os.PathLike[str]) -> Path:
    """Raise a one-line OSError unless ``path`` is a readable file (or ``-``, standard input)."""
    p = Path(path)
    if str(path) == STDIN:
        return p
    if not p.exists():
        raise FileNotFoundError(f"input file not found: {p}")
    if p.is_dir():
        raise IsADirectoryError(f"input is a directory, not a file: {p}")
    if not os.access(p, os.R_OK):
        raise PermissionError(f"input file is not readable: {p}")
    return p


def read(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_depth: int = MAX_DEPTH,
    detect_records: int = DETECT_RECORDS,
) -> Iterator[Conversation | Reject]:
    """Yield a Conversation or a read Reject for every line (or array element) of a file.

    The format (``openai``, ``sharegpt``, ``alpaca``) is detected from the first
    ``detect_records`` JSON objects unless given. JSONL, ``.jsonl.gz`` and JSON-array files
    are read the same way, each read once as a stream: a pipe, a fifo or ``-`` (standard input)
    works as well as a file. A line longer than ``max_line_bytes`` or nesting deeper than
    ``max_depth`` is rejected (``line_too_long``, ``too_deep``). A missing file or a
    directory raises OSError before anything is read.
    """
    check_readable(path)
    module = get_format(format) if format is not None else None
    values = iter_values(path, max_line_bytes, max_depth)
    return _read(source_name(path), values, module.NAME if module else None, detect_records)


def _read(
    source: str, values: Iterator[Parsed | Reject], fmt: str | None, detect_records: int
) -> Iterator[Conversation | Reject]:
    if fmt is None:
        head: list[Parsed | Reject] = []
        objects: list[Any] = []
        for item in values:
            head.append(item)
            if isinstance(item, Parsed) and isinstance(item.value, dict):
                objects.append(item.value)
                if len(objects) >= detect_records:
                    break
        fmt = detect(objects)
        values = chain(head, values)
    for item in values:
        if isinstance(item, Reject):
            yield item
        else:
            yield _convert(item, source, fmt)


def _convert(item: Parsed, source: str, fmt: str | None) -> Conversation | Reject:
    obj = item.value
    if not isinstance(obj, dict):
        kind = "null" if obj is None else type(obj).__name__
        return reject(
            source,
            item.line,
            "not_an_object",
            f"a record must be a JSON object, got {kind}",
            item.raw,
        )
    if fmt is None:
        keys = ", ".join(sorted(obj)[:8]) or "none"
        return reject(
            source,
            item.line,
            "unknown_format",
            f"cannot tell the file's format from its first records (keys here: "
            f"{keys}); expected {EXPECTED}",
            item.raw,
        )
    try:
        return get_format(fmt).to_conversation(obj, source, item.line)
    except RecordError as exc:
        return reject(source, item.line, exc.reason, f"{exc.detail} (read as {fmt})", item.raw)
