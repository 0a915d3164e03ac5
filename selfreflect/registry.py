"""Find steps by name through the entry-point group ``selfreflect.steps``.

Built-in steps are declared in selfreflect's own ``pyproject.toml`` exactly as a plugin
declares its steps::

    [project.entry-points."selfreflect.steps"]
    drop_banned_words = "my_package.filters:DropBannedWords"

Names are listed without importing anything; a step's module is imported the first time the
step is used. A plugin that fails to load gives a :class:`PluginWarning` naming its package and
entry point, never a crash. ``SELFREFLECT_DISABLE_PLUGINS=1`` skips every entry point that does
not belong to selfreflect itself. A plugin may not take the name of a built-in step.
"""

from __future__ import annotations

import os
import warnings
from functools import cache, lru_cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from selfreflect.steps import Step

GROUP = "selfreflect.steps"
DISABLE_ENV = "SELFREFLECT_DISABLE_PLUGINS"
_OWN_DIST = "selfreflect"


class UnknownStepError(KeyError):
    """A recipe named a step that no installed package provides."""

    def __init__(self, name: str, available: list[str], problem: str = ""):
        self.name = name
        self.available = available
        self.problem = problem
        super().__init__(name)

    def __str__(self) -> str:
        if self.problem:
            return f"step {self.name!r} {self.problem}"
        names = ", ".join(self.available) or "(none installed)"
        return f"unknown step {self.name!r}; available steps: {names}"


class PluginWarning(UserWarning):
    """A plugin's entry point could not be loaded or clashes with another step."""


def plugins_disabled() -> bool:
    """True when ``SELFREFLECT_DISABLE_PLUGINS`` is set to a true value."""
    return os.environ.get(DISABLE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _dist_name(ep: EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return dist.name if dist is not None else None


def _is_builtin(ep: EntryPoint) -> bool:
    dist = _dist_name(ep)
    if dist is not None:
        return dist.lower() == _OWN_DIST
    return ep.value.split(":", 1)[0].split(".", 1)[0] == _OWN_DIST


def _origin(ep: EntryPoint) -> str:
    dist = _dist_name(ep)
    return f"{ep.value!r}" + (f" from package {dist!r}" if dist else "")


def _warn(message: str) -> None:
    warnings.warn(f"selfreflect: {message}", PluginWarning, stacklevel=3)


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, EntryPoint]:
    """Name -> entry point, built-ins first; plugins skipped when disabled."""
    disabled = plugins_disabled()
    builtins: dict[str, EntryPoint] = {}
    plugins: dict[str, EntryPoint] = {}
    for ep in entry_points(group=GROUP):
        if _is_builtin(ep):
            builtins[ep.name] = ep
        elif not disabled:
            if ep.name in plugins and plugins[ep.name].value != ep.value:
                _warn(
                    f"step name {ep.name!r} is registered twice: {_origin(plugins[ep.name])} "
                    f"and {_origin(ep)}; using the first"
                )
                continue
            plugins.setdefault(ep.name, ep)
    for name, ep in plugins.items():
        if name in builtins:
            _warn(f"plugin step {name!r} ({_origin(ep)}) ignored: {name!r} is a built-in step")
    return dict(sorted({**plugins, **builtins}.items()))


@cache
def _load(name: str) -> type[Step] | str:
    """The class behind ``name``, or a description of why it could not be loaded."""
    ep = _entry_points()[name]
    try:
        cls = ep.load()
    except SystemExit as exc:  # sys.exit() at import must not end selfreflect either
        problem = f"could not be loaded ({_origin(ep)}): it called sys.exit({exc.code!r:.40})"
        _warn(f"step {name!r} {problem}")
        return problem
    except Exception as exc:  # a broken plugin must never break selfreflect
        problem = f"could not be loaded ({_origin(ep)}): {type(exc).__name__}: {exc}"
        _warn(f"step {name!r} {problem}")
        return problem
    if not (isinstance(cls, type) and issubclass(cls, Step)):
        problem = f"is not a selfreflect Step subclass ({_origin(ep)})"
        _warn(f"step {name!r} {problem}")
        return problem
    return cls


def names() -> list[str]:
    """Every registered step name, sorted, without importing any step."""
    return list(_entry_points())


def builtin_names() -> list[str]:
    """The names of the steps that ship with selfreflect."""
    return [name for name, ep in _entry_points().items() if _is_builtin(ep)]


def available() -> dict[str, type[Step]]:
    """Every step that loads, name -> class, sorted by name (broken plugins warn)."""
    loaded = {name: _load(name) for name in _entry_points()}
    return {name: cls for name, cls in loaded.items() if isinstance(cls, type)}


def get(name: str) -> type[Step]:
    """The step class registered under ``name``, or named ``package.module:Class``.

    UnknownStepError lists the registered names.
    """
    if ":" in name and name not in _entry_points():
        return _import_step(name)
    if name not in _entry_points():
        raise UnknownStepError(name, names())
    cls = _load(name)
    if isinstance(cls, str):
        raise UnknownStepError(name, names(), problem=cls)
    return cls


def _import_step(path: str) -> type[Step]:
    """The Step subclass at ``package.module:Class`` (a dotted ``Outer.Inner`` works too)."""
    import importlib

    module_name, _, qualname = path.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise UnknownStepError(path, names(), problem=f"could not be imported: {exc}") from None
    if not (isinstance(found, type) and issubclass(found, Step)):
        raise UnknownStepError(path, names(), problem="is not a selfreflect Step subclass")
    return found


def name_of(cls: type[Step]) -> str:
    """The registry name of a step class, else ``package.module:Class`` (loads back by either)."""
    if cls.name in _entry_points() and _load(cls.name) is cls:
        return cls.name
    for name in _entry_points():
        if _load(name) is cls:
            return name
    return f"{cls.__module__}:{cls.__qualname__}"


def refresh() -> None:
    """Forget cached discoveries (after installing a plugin in the same process)."""
    _entry_points.cache_clear()
    _load.cache_clear()


def summary(cls: type[Step]) -> str:
    """The first line of a step's docstring."""
    doc = (cls.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""


def origin(name: str) -> str:
    """Where a registered step comes from: ``built-in`` or ``plugin <package>``."""
    ep = _entry_points().get(name)
    if ep is None:
        raise UnknownStepError(name, names())
    if _is_builtin(ep):
        return "built-in"
    return f"plugin {_dist_name(ep) or ep.value.split(':', 1)[0]}"
