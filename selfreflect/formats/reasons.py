"""Reason codes of the ``read`` step: why a line of an input file did not become a record.

Every reject made while reading has ``step="read"``, the file in ``source``, the line (for a
JSON array file: the 1-based element number) in ``line``, one of these codes in ``reason``,
and the unparsed text in ``raw`` (cut to a preview for ``line_too_long``).
"""

from __future__ import annotations

#: Reason code -> what it means. Docs list this table; tests check every code is used.
READ_REASONS: dict[str, str] = {
    "invalid_json": "the line is not valid JSON (the detail gives the parser's message and column)",
    "invalid_utf8": "the line holds bytes that are not UTF-8 (the detail gives the byte offset)",
    "lone_surrogate": "a string holds a lone surrogate such as \\ud800 (not writable as UTF-8)",
    "unsupported_encoding": "the file is UTF-16 or UTF-32; the whole file is this one reject",
    "invalid_gzip": "a .gz file is corrupt or cut off; what follows the damage is this one reject",
    "invalid_parquet": "a Parquet file is corrupt or cut off; what follows is this one reject",
    "line_too_long": "the line is longer than max_line_bytes; it was skipped without being loaded",
    "too_deep": "the JSON nests deeper than the parser allows",
    "not_an_object": "the line is valid JSON but not an object (a list, string, number or null)",
    "unknown_format": "the file's format is unknown (no openai, sharegpt or alpaca keys)",
    "missing_messages": "no 'messages' (openai) or 'conversations' (sharegpt) key",
    "invalid_messages": "'messages' or 'conversations' is not a list",
    "empty_messages": "the list of messages is empty",
    "invalid_message": "a message is not an object, or has no role",
    "unknown_role": "a message has a role that is neither a known role nor a documented alias",
    "bad_content": "a message's content is a number, null, an object, or malformed parts",
    "missing_fields": "an alpaca record lacks 'instruction' or 'output', or they are not text",
    "invalid_id": "the id is neither a string nor an integer",
    "invalid_record": "any other validation error (the detail says which field)",
}
