"""The simple implementation of ``context_cue``, kept as the reference its gated fast path in
``selfreflect.filters.context`` is tested against (same results)."""

from __future__ import annotations

from selfreflect.filters.context import _compiled, _request_of


def context_cue(text: str) -> tuple[str, str] | None:
    """context_cue as it was: every reason's whole pattern searched in turn."""
    text = _request_of(text)
    if len(text) > 1500:
        text = f"{text[:1000]}\n…\n{text[-300:]}"
    for reason, pattern in _compiled().items():
        found = pattern.search(text)
        if found:
            return reason, found.group().strip()
    return None
