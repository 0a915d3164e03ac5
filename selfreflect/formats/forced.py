"""Notice when a format forced with ``--format`` does not fit a file, and say which one does."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from selfreflect.formats.detect import DETECT_RECORDS, detect
from selfreflect.steps import Reject

T = TypeVar("T")


class FormatMismatch(ValueError):
    """A forced format rejects most of a file's first records, and another format fits."""


@dataclass
class ForcedFormatCheck:
    """Watch one file's first records read with a forced format.

    When more than half of the first ``window`` records are rejected and the rejected records
    look like another format, a warning says so (logger ``selfreflect``, kept in
    :attr:`message`): once, before the rest of the file. With ``strict`` the check raises
    :class:`FormatMismatch` instead.
    """

    source: str
    forced: str
    strict: bool = False
    window: int = DETECT_RECORDS
    message: str = ""

    def watch(self, records: Iterable[T]) -> Iterator[T]:
        """Yield every record unchanged; decide once the first ``window`` have passed."""
        seen = rejected = 0
        raws: list[object] = []
        decided = False
        for record in records:
            if not decided:
                seen += 1
                if isinstance(record, Reject):
                    rejected += 1
                    raws.append(_parsed(record.raw))
                if seen >= self.window:
                    decided = True
                    self._decide(seen, rejected, raws)
            yield record
        if not decided:
            self._decide(seen, rejected, raws)

    def _decide(self, seen: int, rejected: int, raws: list[object]) -> None:
        if not seen or rejected * 2 <= seen:
            return
        fits = detect(raws)
        if fits is None or fits == self.forced:
            return
        self.message = (
            f"{self.source}: --format {self.forced} rejected {rejected} of the first "
            f"{seen} records; the file looks like {fits} (leave out --format to "
            f"detect it, or pass --format {fits})"
        )
        if self.strict:
            raise FormatMismatch(self.message)
        logging.getLogger("selfreflect").warning(self.message)


def _parsed(raw: str | None) -> object:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
