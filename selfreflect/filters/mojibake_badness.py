"""ftfy's mojibake test (``ftfy.badness.is_bad``), searched only near non-ASCII characters.

``is_bad`` runs one large regex over the whole text, about 4 MB/s. Every one of its patterns
needs a non-ASCII character and matches at most a few characters (no repeats, anchors or
lookarounds), so a match lies within ``_REACH`` characters of a run of non-ASCII characters:
searching those windows gives the same answer, and ASCII text needs no search at all.
"""

from __future__ import annotations

import re

from ftfy.badness import BADNESS_RE

#: More than the longest text one of ftfy's badness patterns matches (7 characters).
_REACH = 16
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def is_bad(text: str) -> bool:
    """The same answer as ``ftfy.badness.is_bad(text)``."""
    if text.isascii():
        return False
    search = BADNESS_RE.search
    start, end = 0, -1  # the window being grown: runs closer than 2 * _REACH share one
    for run in _NON_ASCII.finditer(text):
        if run.start() - _REACH > end:
            if end >= 0 and search(text, start, end):
                return True
            start = max(run.start() - _REACH, 0)
        end = run.end() + _REACH
    return bool(search(text, start, end))
