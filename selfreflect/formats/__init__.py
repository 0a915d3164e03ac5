"""Readers and writers for chat datasets: OpenAI messages, ShareGPT, Alpaca.

``read(path)`` yields, for every line (or array element) of a file, either a
:class:`~selfreflect.conversation.Conversation` or a :class:`~selfreflect.steps.Reject`
from the ``read`` step naming the file and line. One bad line is one reject, never a dead run.
JSONL, gzipped JSONL, JSON-array and Parquet files are read alike; the format is detected
per file.

Reason codes of read rejects are listed in :data:`READ_REASONS`; the role aliases that are
mapped (and nothing else) in :data:`ROLE_ALIASES`. Writers are atomic.
"""

from selfreflect.formats.detect import FORMATS, UnknownFormatError, detect
from selfreflect.formats.lines import MAX_LINE_BYTES
from selfreflect.formats.parquet import write_parquet
from selfreflect.formats.reader import check_readable, read
from selfreflect.formats.reasons import READ_REASONS
from selfreflect.formats.roles import ROLE_ALIASES
from selfreflect.formats.writers import (
    JsonlWriter,
    check_writable,
    write,
    write_jsonl,
    write_jsonl_gz,
    write_rejects,
)

__all__ = [
    "FORMATS",
    "MAX_LINE_BYTES",
    "READ_REASONS",
    "ROLE_ALIASES",
    "JsonlWriter",
    "UnknownFormatError",
    "check_readable",
    "check_writable",
    "detect",
    "read",
    "write",
    "write_jsonl",
    "write_jsonl_gz",
    "write_parquet",
    "write_rejects",
]
