"""Step parameters checked against their annotations, ranges included, before data is read.

A numeric parameter carries its range in its type, with pydantic's ``Field``::

    def __init__(self, num_perm: Annotated[int, Field(ge=2, le=1024)] = 128): ...

The recipe loader validates every annotated parameter of a recipe entry (:func:`validate`);
``Step.check`` validates the stored values of a step built in Python (:func:`check_ranges`),
and pipelines call it before they read a record. A value out of range is a ``ValueError``
that names the parameter and its range, and shows at most a short start of the value.
"""

from __future__ import annotations

import inspect
import reprlib
import typing
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

#: Seconds for a timeout: more than 0, at most a day, finite.
Seconds = Annotated[float, Field(gt=0, le=86_400, allow_inf_nan=False)]
#: A share of something: 0 to 1.
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
#: A length in characters or words: 0 to a billion.
Length = Annotated[int, Field(ge=0, le=10**9)]

_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxdict, _SHORT.maxlist, _SHORT.maxtuple = 2, 4, 4, 4
_SHORT.maxset, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 4, 40, 40, 40
_BOUNDS = (("ge", "<="), ("gt", "<"), ("le", "<="), ("lt", "<"))


class ParamError(ValueError):
    """A step parameter of the wrong type or out of its range; the message is one line."""


def short(value: Any, limit: int = 60) -> str:
    """A repr of ``value`` cut to about ``limit`` characters, without building the whole repr
    (a huge or alias-expanded value must not cost memory or fill a message)."""
    text = _SHORT.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def init_of(cls: type) -> Callable[..., Any]:
    """The ``__init__`` that ``cls`` uses: that of the first class in its MRO defining one."""
    return next(vars(klass)["__init__"] for klass in cls.__mro__ if "__init__" in vars(klass))


@cache
def signature(cls: type) -> dict[str, inspect.Parameter]:
    """``cls.__init__``'s parameters, without ``self`` and ``*args``."""
    params = inspect.signature(init_of(cls)).parameters
    return {n: p for n, p in params.items() if n != "self" and p.kind is not p.VAR_POSITIONAL}


@cache
def hints(cls: type) -> dict[str, Any]:
    """The resolved annotation of each ``__init__`` parameter (``Annotated`` kept).

    A dataclass's fields are resolved in the module of the class that declares them; an
    annotation that cannot be resolved is left out (that parameter is not checked).
    """
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):  # class-level annotations (dataclass fields)
        found.update(_resolve(vars(klass).get("__annotations__", {}), klass))
    init = init_of(cls)
    found.update(_resolve(getattr(init, "__annotations__", {}), init))
    return {name: found[name] for name in signature(cls) if name in found}


def _resolve(annotations: dict[str, Any], owner: Any) -> dict[str, Any]:
    """Each annotation evaluated in ``owner``'s module, the unresolvable ones left out."""
    module = inspect.getmodule(owner)
    namespace = dict(vars(module)) if module is not None else {}
    resolved: dict[str, Any] = {}
    for name, annotation in annotations.items():
        try:
            resolved[name] = (
                eval(annotation, namespace)  # noqa: S307 - own source
                if isinstance(annotation, str)
                else annotation
            )
        except Exception:
            continue
    return resolved


@cache
def adapters(cls: type) -> dict[str, TypeAdapter[Any]]:
    """A pydantic TypeAdapter per annotated parameter (unresolvable annotations: unchecked)."""
    found: dict[str, TypeAdapter[Any]] = {}
    for name, param in signature(cls).items():
        hint = hints(cls).get(name)
        if hint in (None, Any, inspect.Parameter.empty) or param.kind is param.VAR_KEYWORD:
            continue
        try:
            found[name] = TypeAdapter(hint)
        except Exception:
            continue
    return found


def bounds(hint: Any, name: str = "value") -> str | None:
    """The range an annotation allows, as ``1 <= num_perm <= 1024`` (None: no range)."""
    if typing.get_origin(hint) is Annotated:
        base, *extras = typing.get_args(hint)
        lower = upper = ""
        for extra in extras:
            for item in [extra, *getattr(extra, "metadata", [])]:
                for attr, sign in _BOUNDS:
                    value = getattr(item, attr, None)
                    if value is None:
                        continue
                    if attr in ("ge", "gt"):
                        lower = (
                            f"{value:g} {sign} " if isinstance(value, float) else f"{value} {sign} "
                        )
                    else:
                        upper = (
                            f" {sign} {value:g}" if isinstance(value, float) else f" {sign} {value}"
                        )
        if lower or upper:
            return f"{lower}{name}{upper}"
        return bounds(base, name)
    for arg in typing.get_args(hint):
        found = bounds(arg, name)
        if found:
            return found
    return None


def validate(cls: type, name: str, value: Any) -> Any:
    """``value`` validated (and converted) for parameter ``name`` of ``cls``; ParamError if not."""
    adapter = adapters(cls).get(name)
    if adapter is None:
        return value
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = "".join(f"[{p!r}]" for p in first["loc"])
        allowed = bounds(hints(cls).get(name), name)
        where = f"; allowed: {allowed}" if allowed else ""
        raise ParamError(
            f"parameter {name!r}{loc}: {first['msg']} (got {short(value)}{where})"
        ) from None


def check_ranges(step: Any) -> None:
    """Raise ParamError for the first stored parameter of ``step`` outside its annotated range."""
    cls: type = type(step)  # type[Any] would not be Hashable to mypy (python/mypy#11470)
    for name in signature(cls):
        if bounds(hints(cls).get(name)) is None or not hasattr(step, name):
            continue
        validate(cls, name, getattr(step, name))
