"""``read(path)``: every line of a file as a Conversation or a read Reject, format detected."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any, cast

from selfreflect.conversation import Conversation
from selfreflect.formats.convert import RecordError, reject
from selfreflect.formats.detect import DETECT_RECORDS, EXPECTED, detect, get_format
from selfreflect.formats.lines import MAX_DEPTH, MAX_LINE_BYTES, decode_line, iter_values
from selfreflect.formats.parsed import Parsed, Unparsed
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
    records = _open(path, format, max_line_bytes, max_depth, detect_records, deferred=False)
    return cast(Iterator[Conversation | Reject], records)


def read_deferred(
    path: str | os.PathLike[str], *, format: str | None = None
) -> Iterator[Conversation | Reject | RawLine]:
    """:func:`read`, but the lines of a JSONL file come as :class:`RawLine`, undecoded.

    Decoding them where the records are processed (worker processes) gives what ``read``
    would have yielded. The first :data:`DETECT_RECORDS` lines (and those that tell the
    format) are decoded here, so a forced format's check sees them; JSON-array and Parquet
    files are read as by ``read``.
    """
    return _open(path, format, MAX_LINE_BYTES, MAX_DEPTH, DETECT_RECORDS, deferred=True)


def _open(
    path: str | os.PathLike[str],
    format: str | None,
    max_line_bytes: int,
    max_depth: int,
    detect_records: int,
    deferred: bool,
) -> Iterator[Conversation | Reject | RawLine]:
    check_readable(path)
    module = get_format(format) if format is not None else None
    values = iter_values(path, max_line_bytes, max_depth, undecoded=deferred)
    fmt = module.NAME if module else None
    return _read(source_name(path), values, fmt, detect_records, max_depth, deferred)


@dataclass(slots=True)
class RawLine:
    """A line of a JSONL file read but not decoded; :meth:`decode` makes its record."""

    source: str
    line: int
    data: bytes
    format: str | None
    max_depth: int

    def decode(self) -> Conversation | Reject:
        """The Conversation of this line, or its read Reject (as :func:`read` gives them)."""
        return decode_record(self.data, self.source, self.line, self.format, self.max_depth)


def decode_record(
    data: bytes, source: str, line: int, fmt: str | None, max_depth: int = MAX_DEPTH
) -> Conversation | Reject:
    """The Conversation (or read Reject) of one JSONL line's bytes read as format ``fmt``."""
    item = decode_line(data, source, line, max_depth)
    return item if isinstance(item, Reject) else _convert(item, source, fmt)


def _read(
    source: str,
    values: Iterator[Parsed | Unparsed | Reject],
    fmt: str | None,
    detect_records: int,
    max_depth: int,
    deferred: bool,
) -> Iterator[Conversation | Reject | RawLine]:
    def decoded(item: Parsed | Unparsed | Reject) -> Parsed | Reject:
        if isinstance(item, Unparsed):
            return decode_line(item.data, source, item.line, max_depth)
        return item

    head: list[Parsed | Reject] = []
    if fmt is None:
        objects: list[Any] = []
        for item in values:
            got = decoded(item)
            head.append(got)
            if isinstance(got, Parsed) and isinstance(got.value, dict):
                objects.append(got.value)
                if len(objects) >= detect_records:
                    break
        fmt = detect(objects)
    if deferred:  # the first records are decoded here, for a forced format's check
        head += [decoded(item) for item in islice(values, max(0, DETECT_RECORDS - len(head)))]
    for item in chain(head, values):
        if isinstance(item, Reject):
            yield item
        elif isinstance(item, Unparsed):
            yield RawLine(source, item.line, item.data, fmt, max_depth)
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
