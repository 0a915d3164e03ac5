"""Which record of a duplicate group is kept: the first seen, the longest, or the best scored."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Literal

from selfreflect.conversation import Conversation, DedupMode

KEEP_CHOICES = ("first", "longest", "score")
#: The ``keep`` parameter of the dedup steps.
Keep = Literal["first", "longest", "score"]


def check_keep(keep: str, score_key: str | None) -> None:
    """Raise ValueError for an unknown ``keep`` or a ``score`` without ``score_key``."""
    if keep not in KEEP_CHOICES:
        raise ValueError(f"keep must be one of {', '.join(KEEP_CHOICES)}, got {keep!r}")
    if keep == "score" and not score_key:
        raise ValueError("keep='score' needs score_key, the metadata field holding the score")


def priority(conv: Conversation, keep: str, mode: DedupMode, score_key: str | None) -> float:
    """Higher is kept first: the compared text's length, or the metadata score (missing = -inf)."""
    if keep == "longest":
        return float(len(conv.dedup_text(mode)))
    value: Any = conv.metadata.get(score_key or "")
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("-inf")


def in_keep_order(
    records: Iterable[Conversation], keep: str, mode: DedupMode, score_key: str | None
) -> tuple[list[Conversation], list[int]]:
    """Buffer the whole stream; return it with the order to visit it (best first, ties by
    position). This is the second pass ``keep="longest"``/``"score"`` needs: memory grows with
    the input, unlike ``keep="first"``, which streams."""
    buffered = list(records)
    order = sorted(
        range(len(buffered)),
        key=lambda i: (-priority(buffered[i], keep, mode, score_key), i),
    )
    return buffered, order


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of up to ``size`` items."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
