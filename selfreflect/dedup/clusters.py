"""Duplicate clusters for auditing: each kept record with the records dropped in its place.

Only kept records are indexed, so every reject names a kept record and clusters are stars
(no chains to resolve with union-find): grouping rejects by ``duplicate_of`` is the clustering.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from selfreflect.steps import Reject


def clusters(rejects: Iterable[Reject | dict[str, Any]]) -> dict[str, list[str]]:
    """``{kept id: [dropped ids, in order]}`` from Reject objects or rejects-file lines."""
    out: dict[str, list[str]] = {}
    for reject in rejects:
        if isinstance(reject, Reject):
            kept, dropped = reject.duplicate_of, reject.id
        else:
            kept, dropped = reject.get("duplicate_of"), reject.get("id")
        if kept is not None and dropped is not None:
            out.setdefault(kept, []).append(dropped)
    return out
