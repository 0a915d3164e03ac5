"""Turn the bytes of a file into JSON values, one line (or array element) at a time.

Every input is opened once and read once, as a stream: the format is sniffed from the first
bytes already read (never by reopening the path), so a pipe, a fifo, a process substitution
(``<(gzip -c f.jsonl)``) and standard input (``-``) read like a file.

Reading is in binary with a bounded line reader: a line longer than ``max_line_bytes`` is
skipped in chunks and rejected as ``line_too_long`` without ever being held in memory whole.
A line ends at ``\n``, ``\r\n`` or a lone ``\r`` (as Python's universal newlines).
Gzip input is recognised by its magic bytes; a UTF-8 BOM at the start is dropped; a file
whose first character is ``[`` is read as a JSON array, element by element (a bad element is
one reject and reading goes on at the next one); a Parquet file (magic bytes ``PAR1``) row
by row.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import re
import sys
import zlib
from collections.abc import Iterator
from typing import IO, Any

from selfreflect.formats.parsed import Parsed, Unparsed
from selfreflect.formats.streams import (
    cr_to_lf,
    open_raw,
    put_back,
    read_head,
    source_name,
)
from selfreflect.steps import Reject, read_reject

#: Default limit on one line (or one array element): 16 MiB.
MAX_LINE_BYTES = 16 * 1024 * 1024
#: Default limit on nesting (objects and lists); deeper records cannot be written back.
MAX_DEPTH = 100
#: How much of a rejected line is kept in ``raw`` when the line is too long to keep.
PREVIEW_CHARS = 2000

_BOM = codecs.BOM_UTF8
_OTHER_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}
_GZIP_MAGIC = b"\x1f\x8b"
_PARQUET_MAGIC = b"PAR1"
_CHUNK = 1024 * 1024
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
_LITERAL_SURROGATE = re.compile("[\ud800-\udfff]")
_WS = " \t\r\n"
_LONE_CR = re.compile(rb"\r(?!\n)")
_LINE_END = re.compile(rb"\r\n?|\n")
_STRUCTURE = re.compile(r'[][{}",]')
_IN_STRING = re.compile(r'["\\]')


def _has_lone_surrogate(value: Any) -> bool:
    """True if any string in the value (keys included) holds a lone surrogate."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def depth(value: Any) -> int:
    """How deeply objects and lists nest in a JSON value (iterative: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item if isinstance(v, dict | list))
    return deepest


def _check_value(
    value: Any, raw_bytes: bytes, source: str, line: int, text: str, max_depth: int = MAX_DEPTH
) -> Reject | None:
    """Refuse values that parsed but cannot be written back (lone surrogates, deep nesting)."""
    if text.count("[") + text.count("{") > max_depth and depth(value) > max_depth:
        return read_reject(
            source,
            line,
            "too_deep",
            f"JSON nests deeper than max_depth={max_depth}",
            text[:PREVIEW_CHARS],
        )
    if _SURROGATE_ESCAPE.search(raw_bytes) and _has_lone_surrogate(value):
        return read_reject(
            source,
            line,
            "lone_surrogate",
            "a string holds a lone surrogate escape (e.g. \\ud800) that is not valid Unicode text",
            text,
        )
    return None


def decode_line(raw: bytes, source: str, line: int, max_depth: int = MAX_DEPTH) -> Parsed | Reject:
    """Decode one line of bytes into a JSON value, or a Reject saying why not."""
    raw = raw.rstrip(b"\r\n")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return read_reject(
            source,
            line,
            "invalid_utf8",
            f"byte {exc.start} ({raw[exc.start : exc.start + 1]!r}) is not valid UTF-8",
            raw.decode("utf-8", errors="replace"),
        )
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return read_reject(source, line, "invalid_json", f"{exc.msg} at column {exc.colno}", text)
    except RecursionError:
        return read_reject(
            source, line, "too_deep", "JSON nested too deeply to parse", text[:PREVIEW_CHARS]
        )
    bad = _check_value(value, raw, source, line, text, max_depth)
    return bad if bad is not None else Parsed(line, value, text)


def _skip_rest_of_line(fh: IO[bytes], size: int) -> int:
    """Read and discard up to the end of the current line; return the bytes skipped."""
    while True:
        chunk = fh.readline(_CHUNK)
        size += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return size


def jsonl_lines(
    fh: IO[bytes], source: str, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[Unparsed | Reject]:
    """Yield the bytes of every non-blank line of a JSONL stream, with its number, undecoded.

    A line longer than ``max_line_bytes`` is skipped and rejected (``line_too_long``).
    """
    line_no = 0
    while True:
        raw = fh.readline(max_line_bytes + 1)
        if not raw:
            return
        line_no += 1
        if line_no == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            size = _skip_rest_of_line(fh, len(raw))
            preview = raw[:PREVIEW_CHARS].decode("utf-8", errors="replace")
            yield read_reject(
                source,
                line_no,
                "line_too_long",
                f"line of {size} bytes exceeds max_line_bytes={max_line_bytes}; "
                f"raw holds its first {PREVIEW_CHARS} characters",
                preview,
            )
            continue
        if not raw.strip():
            continue
        lone_cr = _LONE_CR.search(raw) if b"\r" in raw else None
        if lone_cr is not None and lone_cr.end() < len(raw):  # a lone CR ends a line too
            pieces = _LINE_END.split(raw.rstrip(b"\r\n"))
            for offset, piece in enumerate(pieces):
                if piece.strip():
                    yield Unparsed(line_no + offset, piece)
            line_no += len(pieces) - 1
            continue
        yield Unparsed(line_no, raw)


def iter_jsonl(
    fh: IO[bytes], source: str, max_line_bytes: int = MAX_LINE_BYTES, max_depth: int = MAX_DEPTH
) -> Iterator[Parsed | Reject]:
    """Yield a Parsed value or a Reject for every non-blank line of a JSONL stream."""
    for item in jsonl_lines(fh, source, max_line_bytes):
        if isinstance(item, Reject):
            yield item
        else:
            yield decode_line(item.data, source, item.line, max_depth)


def _array_item(
    value: Any, text: str, source: str, element: int, file_line: int, max_depth: int
) -> Parsed | Reject:
    """Check one parsed array element; ``text`` may hold undecodable bytes as surrogates."""
    raw_bytes = text.encode("utf-8", "surrogateescape")
    if _LITERAL_SURROGATE.search(text):
        try:
            raw_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            return read_reject(
                source,
                element,
                "invalid_utf8",
                f"element {element} (line {file_line}): byte {exc.start} is not valid UTF-8",
                raw_bytes.decode("utf-8", errors="replace"),
            )
    bad = _check_value(value, raw_bytes, source, element, text, max_depth)
    return bad if bad is not None else Parsed(element, value, text)


def iter_json_array(
    fh: IO[bytes], source: str, max_line_bytes: int = MAX_LINE_BYTES, max_depth: int = MAX_DEPTH
) -> Iterator[Parsed | Reject]:
    """Yield a Parsed value or a Reject for every element of a JSON array stream.

    ``line`` is the element's number (1-based); the detail also names its line in the file.
    An element that cannot be parsed is one reject: its end is found by matching brackets
    and quotes up to the next ``,`` or ``]`` outside a string, and reading goes on from there.
    Only an element that never ends (an unclosed string or bracket, a file cut off) makes
    the rest of the file its reject.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    parser = json.JSONDecoder()
    buf = decoder.decode(fh.read(_CHUNK).removeprefix(_BOM))
    pos, eof, element, file_line, counted = 0, False, 0, 1, 0

    def line_at(p: int) -> int:
        """The file line of buffer position p (p never moves backwards)."""
        nonlocal file_line, counted
        file_line += buf.count("\n", counted, p)
        counted = p
        return file_line

    def more(size: int = _CHUNK) -> bool:
        nonlocal buf, pos, eof, counted
        if eof:
            return False
        chunk = fh.read(size)
        if not chunk:  # positions into buf stay valid: only a decoder tail is appended
            eof = True
            buf += decoder.decode(b"", final=True)
            return False
        if pos:
            line_at(pos)
            buf, pos, counted = buf[pos:], 0, 0
        buf += decoder.decode(chunk)
        return True

    def skip_ws() -> str:
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in _WS:
                pos += 1
            if pos < len(buf) or not more():
                return buf[pos] if pos < len(buf) else ""

    def element_end() -> int | None:
        """Where the element at ``pos`` ends: the ``,`` or ``]`` after it at depth 0, outside
        strings (reading on as needed); None if the file or max_line_bytes ends first."""
        i, open_brackets, in_string = pos, [], False
        while True:
            found = (_IN_STRING if in_string else _STRUCTURE).search(buf, i)
            if found is None:
                before = pos
                if len(buf) - pos > max_line_bytes or not more():
                    return None
                i -= before - pos  # more() moved the buffer's start to pos
                continue
            char, i = found.group(), found.end()
            if in_string:
                if char == "\\":
                    i += 1  # skip the escaped character (even one not read yet)
                else:
                    in_string = False
            elif char == '"':
                in_string = True
            elif char in "[{":
                open_brackets.append(char)
            elif char in "]}":
                opener = "[" if char == "]" else "{"
                if opener in open_brackets:  # a mismatched closer also closes what it skips
                    del open_brackets[len(open_brackets) - 1 - open_brackets[::-1].index(opener) :]
                elif char == "]" and not open_brackets:
                    return found.start()
            elif not open_brackets:  # a ','
                return found.start()

    def fail(reason: str, detail: str) -> Reject:
        rest = buf[pos : pos + PREVIEW_CHARS].encode("utf-8", "surrogateescape")
        where = f"element {element} (line {line_at(pos)})"
        return read_reject(
            source, element, reason, f"{where}: {detail}", rest.decode("utf-8", errors="replace")
        )

    def skip_bad(reason: str, detail: str) -> Iterator[Reject]:
        """Reject the text from ``pos`` to the end of its element and move past it (nothing
        for an empty slot, as in ``[1,,2]``); an element that never ends rejects the rest of
        the file and raises _ArrayEnds."""
        nonlocal pos
        end = element_end()
        if end is None:
            if len(buf) - pos > max_line_bytes:
                yield fail(
                    "line_too_long",
                    f"element exceeds max_line_bytes={max_line_bytes} "
                    "(the rest of the file is this reject)",
                )
            else:
                yield fail(
                    reason,
                    f"{detail} (the element never ends: the rest of the file is this reject)",
                )
            raise _ArrayEnds
        text = buf[pos:end].rstrip(_WS)
        if text:
            where = f"element {element} (line {line_at(pos)})"
            raw = text.encode("utf-8", "surrogateescape").decode("utf-8", errors="replace")
            yield read_reject(source, element, reason, f"{where}: {detail}", raw)
        pos = end

    if skip_ws() != "[":
        element = 1
        yield fail("invalid_json", "a JSON array file must start with '['")
        return

    def after_the_array() -> Iterator[Reject]:
        """Nothing may follow the closing ']' (a JSONL file of arrays would lose lines)."""
        nonlocal pos, element
        pos += 1
        if skip_ws():
            element += 1
            yield fail(
                "invalid_json",
                "content after the end of the JSON array (the rest of the file is this reject)",
            )

    pos += 1
    if skip_ws() == "]":
        yield from after_the_array()
        return
    try:
        while True:
            element += 1
            skip_ws()
            bad: tuple[str, str] | None = None
            failed_at = -1  # where in the element the last parse failed
            whole = False  # the element's end is in the buffer and it still fails: it is bad
            while True:
                try:
                    value, end = parser.raw_decode(buf, pos)
                    if end < len(buf) or not more():
                        break  # a number at the end of the buffer may go on in the next chunk
                except json.JSONDecodeError as exc:
                    if (
                        exc.pos - pos != failed_at
                        and len(buf) - pos <= max_line_bytes
                        and more(max(_CHUNK, len(buf) - pos))
                    ):
                        failed_at = exc.pos - pos  # perhaps only cut by the end of the buffer
                        continue
                    if whole or element_end() is None:
                        bad = (
                            "invalid_json",
                            f"{exc.msg} at character {exc.pos - pos + 1} of the element",
                        )
                        break
                    whole = True  # its end is read now (a string longer than a read?): again
                except RecursionError:
                    bad = ("too_deep", "JSON nested too deeply to parse")
                    break
            if bad is not None:
                yield from skip_bad(*bad)
            else:
                text = buf[pos:end]
                line_here = line_at(pos)
                pos = end
                yield _array_item(value, text, source, element, line_here, max_depth)
            sep = skip_ws()
            if sep not in (",", "]"):
                if not sep:
                    element += 1
                    yield fail(
                        "invalid_json", "the file ends inside the JSON array (no closing ']')"
                    )
                    return
                element += 1
                yield from skip_bad("invalid_json", "expected ',' or ']' after an element")
                sep = skip_ws()
            if sep == ",":
                pos += 1
                continue
            yield from after_the_array()
            return
    except _ArrayEnds:
        return


class _ArrayEnds(Exception):
    """An element of a JSON array never ends: the rest of the file was its reject."""


def iter_values(
    path: str | os.PathLike[str],
    max_line_bytes: int = MAX_LINE_BYTES,
    max_depth: int = MAX_DEPTH,
    undecoded: bool = False,
) -> Iterator[Parsed | Unparsed | Reject]:
    """Yield every JSON value (or read Reject) of a JSONL, JSON-array, gzipped or Parquet file.

    With ``undecoded`` the lines of a JSONL file come as :class:`Unparsed` bytes, for
    :func:`decode_line` to decode later (elsewhere: in a worker process).
    A gzip stream that is corrupt or cut off (an interrupted download) ends the file with one
    ``invalid_gzip`` reject after the records read before the damage.
    """
    last = 0
    try:
        for value in _iter_values(path, max_line_bytes, max_depth, undecoded):
            last = value.line or last
            yield value
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield read_reject(
            source_name(path),
            last + 1,
            "invalid_gzip",
            f"the gzip stream is corrupt or cut off ({exc}); the rest of the file is this reject",
            "",
        )


def _iter_values(
    path: str | os.PathLike[str], max_line_bytes: int, max_depth: int, undecoded: bool
) -> Iterator[Parsed | Unparsed | Reject]:
    source = source_name(path)
    raw = open_raw(path)
    try:
        head = read_head(raw)
        stream = put_back(head, raw)
        gzipped = head.startswith(_GZIP_MAGIC)
        if gzipped:
            unzipped = gzip.GzipFile(fileobj=stream, mode="rb")
            head = read_head(unzipped)
            stream = put_back(head, unzipped)
        encoding = next((name for bom, name in _OTHER_BOMS.items() if head.startswith(bom)), None)
        if encoding:
            yield read_reject(
                source,
                1,
                "unsupported_encoding",
                f"the file is {encoding} (it starts with a {encoding} byte order mark); "
                f"convert it to UTF-8, e.g. iconv -f {encoding} -t UTF-8",
                head[:PREVIEW_CHARS].decode("utf-8", errors="replace"),
            )
            return
        if head.startswith(_PARQUET_MAGIC):
            from selfreflect.formats.parquet import iter_parquet

            if not gzipped and raw.seekable():
                raw.seek(0)
                yield from iter_parquet(raw, name=source)
            else:  # Parquet's index is at its end: a stream is read whole first
                yield from iter_parquet(io.BytesIO(stream.read()), name=source)
            return
        if b"\r" in head and b"\n" not in head:  # old Mac line ends: a lone CR ends each line
            stream = put_back(b"", stream, cr_to_lf)
        if head.removeprefix(_BOM).lstrip().startswith(b"["):
            yield from iter_json_array(stream, source, max_line_bytes, max_depth)
        elif undecoded:
            yield from jsonl_lines(stream, source, max_line_bytes)
        else:
            yield from iter_jsonl(stream, source, max_line_bytes, max_depth)
    finally:
        if raw is not sys.stdin.buffer:
            raw.close()
