"""The banding protocol: what a dedup step gives an engine that finds duplicates distributed.

An engine (the Ray engine, say) cuts each record into bucket keys on the workers, shuffles the
keys so that records sharing a bucket meet, checks each candidate pair exactly, decides the
verified pairs in input order with :func:`selfreflect.dedup.lsh.resolve`, and drops the
duplicates with the reject the step itself would give. It talks to the step only through this
protocol, never through the step's name, module or parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from selfreflect.conversation import Conversation
from selfreflect.steps import Reject


@runtime_checkable
class Banding(Protocol):
    """A dedup step that can be run as bucket keys + exact checks + an input-order decision."""

    name: str

    @property
    def distributable(self) -> bool:
        """False when this configuration needs the whole stream in one place (keep by score)."""
        ...

    def band_keys(self, convs: Sequence[Conversation]) -> tuple[np.ndarray, np.ndarray]:
        """``(keys (n, bands) uint64, usable (n,) bool)``; unusable records never match."""
        ...

    def verify_pairs(
        self, convs: Mapping[int, Conversation], pairs: Sequence[tuple[int, int]]
    ) -> list[float | None]:
        """The exact check of each candidate pair (by input order): its score, or None."""
        ...

    def duplicate_reject(self, conv: Conversation, kept_id: str, score: float) -> Reject:
        """The reject the step gives ``conv``, a duplicate of the kept record ``kept_id``."""
        ...


def distributable(step: object) -> bool:
    """True for a step an engine may deduplicate by banding (the protocol, keep-first)."""
    return isinstance(step, Banding) and step.distributable
