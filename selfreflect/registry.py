"""Find steps by name through the entry-point group ``selfreflect.steps``.

Built-in steps are declared in selfreflect's own ``pyproject.toml`` exactly as a plugin
declares its steps. A plugin that fails to load gives a warning naming it, never a crash.
``SELFREFLECT_DISABLE_PLUGINS=1`` skips every entry point outside selfreflect itself.
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from selfreflect.steps import Step

GROUP = "selfreflect.steps"
DISABLE_ENV = "SELFREFLECT_DISABLE_PLUGINS"


class UnknownStepError(KeyError):
    """A recipe named a step that no installed package provides."""

    def __init__(self, name: str, available: list[str]):
        self.name = name
        self.available = available
        super().__init__(name)

    def __str__(self) -> str:
        return f"unknown step {self.name!r}; available steps: {', '.join(self.available)}"


class PluginWarning(UserWarning):
    """A plugin's entry point could not be loaded."""


def _is_builtin(ep: EntryPoint) -> bool:
    return ep.value.split(":", 1)[0].split(".", 1)[0] == "selfreflect"


@lru_cache(maxsize=1)
def _load() -> dict[str, type[Step]]:
    disabled = os.environ.get(DISABLE_ENV, "").strip().lower() not in ("", "0", "false", "no")
    found: dict[str, type[Step]] = {}
    for ep in entry_points(group=GROUP):
        if disabled and not _is_builtin(ep):
            continue
        try:
            cls = ep.load()
        except Exception as exc:  # a broken plugin must never break selfreflect
            dist = getattr(ep, "dist", None)
            owner = f" from {dist.name}" if dist is not None else ""
            warnings.warn(
                f"selfreflect: could not load step {ep.name!r}{owner} ({ep.value}): "
                f"{type(exc).__name__}: {exc}",
                PluginWarning,
                stacklevel=2,
            )
            continue
        if not (isinstance(cls, type) and issubclass(cls, Step)):
            warnings.warn(
                f"selfreflect: entry point {ep.name!r} ({ep.value}) is not a Step subclass",
                PluginWarning,
                stacklevel=2,
            )
            continue
        found[ep.name] = cls
    return dict(sorted(found.items()))


def available() -> dict[str, type[Step]]:
    """Every registered step, name -> class, sorted by name."""
    return dict(_load())


def get(name: str) -> type[Step]:
    """The step class registered under ``name``; UnknownStepError lists the others."""
    steps = _load()
    if name not in steps:
        raise UnknownStepError(name, list(steps))
    return steps[name]


def refresh() -> None:
    """Forget cached discoveries (after installing a plugin in the same process)."""
    _load.cache_clear()


def summary(cls: type[Step]) -> str:
    """The first line of a step's docstring."""
    doc = (cls.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""
