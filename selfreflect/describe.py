"""A step described in a user's words: summary, parameters (type, YAML default, meaning), reasons.

One source for ``selfreflect steps --verbose`` and the generated step catalogue of the docs.
A parameter's meaning comes from the ``Args:`` section of the class docstring (Google style).
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from dataclasses import dataclass
from typing import Any

import yaml

from selfreflect.steps import Filter, RecordStep, Rewriter, Step


@dataclass(frozen=True)
class ParamInfo:
    """One parameter a recipe accepts."""

    name: str
    type: str  # in words, with the allowed range: "int, 2 <= num_perm <= 1024"
    default: str | None  # YAML text; None when the parameter is required
    meaning: str


@dataclass(frozen=True)
class StepInfo:
    """What ``selfreflect steps --verbose`` and the catalogue say about one step."""

    name: str
    summary: str
    body: str
    kind: str
    origin: str
    in_default: bool
    params: tuple[ParamInfo, ...]
    reasons: dict[str, str]


def yaml_text(value: Any) -> str:
    """A default as a recipe would write it (tuples as lists, None as null)."""

    def plain(v: Any) -> Any:
        if isinstance(v, tuple | list | frozenset | set):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    try:
        text = yaml.safe_dump(
            plain(value), default_flow_style=True, allow_unicode=True, width=10_000
        )
    except yaml.YAMLError:
        return repr(value)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def type_text(annotation: Any) -> str:
    """An annotation in words: ``int``, ``list of str``, ``one of 'a', 'b'``, ``... or null``."""
    if annotation is inspect.Parameter.empty:
        return ""
    if isinstance(annotation, str):
        return annotation
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_text(args[0])
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        kept = [a for a in args if a is not type(None)]
        text = " or ".join(type_text(a) for a in kept)
        return f"{text} or null" if len(kept) < len(args) else text
    if origin in (list, tuple, set, frozenset) or origin is typing.Sequence:
        inner = [a for a in args if a is not Ellipsis]
        return f"list of {type_text(inner[0])}" if inner else "list"
    if origin is dict or origin is typing.Mapping:
        return f"mapping {type_text(args[0])} -> {type_text(args[1])}" if args else "mapping"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def arg_meanings(doc: str) -> dict[str, str]:
    """``name -> meaning`` from a Google-style ``Args:`` section."""
    lines = inspect.cleandoc(doc or "").splitlines()
    meanings: dict[str, str] = {}
    inside, current = False, None
    for line in lines:
        if re.fullmatch(r"(Args|Arguments|Parameters):\s*", line):
            inside = True
            continue
        if not inside:
            continue
        if line and not line.startswith(" "):
            break  # the next section
        match = re.match(r"\s{2,8}(\w+)(?:\s*\([^)]*\))?:\s*(.*)", line)
        if match and (current is None or len(line) - len(line.lstrip()) <= 4):
            current = match.group(1)
            meanings[current] = match.group(2).strip()
        elif current and line.strip():
            meanings[current] += " " + line.strip()
    return meanings


def _description(doc: str) -> str:
    """The docstring after its first line, without the Args section."""
    text = inspect.cleandoc(doc or "")
    body = text.split("\n", 1)[1] if "\n" in text else ""
    body = re.split(r"^(?:Args|Arguments|Parameters):\s*$", body, maxsplit=1, flags=re.M)[0]
    return body.strip()


def kind_of(cls: type) -> str:
    """filter, rewriter, per-record step or stream step."""
    if issubclass(cls, Filter):
        return "filter"
    if issubclass(cls, Rewriter):
        return "rewriter"
    return "per-record step" if issubclass(cls, RecordStep) else "stream step"


def params(cls: type) -> tuple[ParamInfo, ...]:
    """The parameters of ``cls.__init__`` a recipe accepts."""
    from selfreflect.params import bounds, hints, init_of

    meanings: dict[str, str] = {}
    for klass in reversed(cls.__mro__):  # a base class documents the parameters it declares
        meanings.update(arg_meanings(vars(klass).get("__doc__") or ""))
    resolved = hints(cls)
    found = []
    for p in inspect.signature(init_of(cls)).parameters.values():
        if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        annotation = resolved.get(p.name, p.annotation)
        kind = type_text(annotation)
        allowed = bounds(annotation, p.name) if p.name in resolved else None
        if allowed:
            kind = f"{kind}, {allowed}" if kind else allowed
        default = None if p.default is inspect.Parameter.empty else yaml_text(p.default)
        found.append(ParamInfo(p.name, kind, default, meanings.get(p.name, "")))
    return tuple(found)


def default_recipe_steps() -> set[str]:
    """Registry names of the steps in the shipped ``default`` recipe."""
    from selfreflect import recipe, registry

    return {registry.name_of(type(s)) for s in recipe.load("default").pipeline.steps}


def describe(name: str, cls: type[Step], in_default: set[str] | None = None) -> StepInfo:
    """Everything a user needs to use step ``name`` in a recipe."""
    from selfreflect import registry

    try:
        where = registry.origin(name)
    except registry.UnknownStepError:
        where = f"{cls.__module__}:{cls.__qualname__}"
    defaults = default_recipe_steps() if in_default is None else in_default
    return StepInfo(
        name=name,
        summary=registry.summary(cls),
        body=_description(cls.__doc__ or ""),
        kind=kind_of(cls),
        origin=where,
        in_default=name in defaults,
        params=params(cls),
        reasons=dict(getattr(cls, "reasons", {}) or {}),
    )
