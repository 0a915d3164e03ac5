"""Count records that share an id with an earlier record (both are kept and processed)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from selfreflect.conversation import Conversation
from selfreflect.steps import Reject


@dataclass
class DuplicateIds:
    """Pass records through unchanged while counting repeated ids.

    ``count`` is the number of records whose id was seen before; ``examples`` holds the first
    few such ids. Memory grows with the number of distinct ids (one hash each).
    """

    count: int = 0
    examples: list[str] = field(default_factory=list)
    max_examples: int = 5
    _seen: set[int] = field(default_factory=set, repr=False)

    def track(self, records: Iterable[Conversation | Reject]) -> Iterator[Conversation | Reject]:
        """Yield every record as it comes, noting repeated ids on the way."""
        seen = self._seen
        for record in records:
            if isinstance(record, Conversation):
                key = hash(record.id)  # 64-bit hashes: a collision is vanishingly rare
                if key in seen:
                    self.count += 1
                    if len(self.examples) < self.max_examples:
                        self.examples.append(record.id)
                else:
                    seen.add(key)
            yield record

    def message(self) -> str:
        """A one-line warning, or an empty string when no id repeats."""
        if not self.count:
            return ""
        shown = ", ".join(repr(e) for e in self.examples)
        return (f"warning: {self.count} record(s) reuse an id seen earlier (e.g. {shown}); "
                "all were processed")
