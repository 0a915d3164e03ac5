"""YAML recipes: a validated Pipeline plus optional run settings, and back.

A recipe names steps by their registry name with their ``__init__`` parameters::

    input: data/*.jsonl            # optional: a path or a list of paths
    output: clean.jsonl            # optional; also rejects, report, workers, engine
    steps:
      - step: normalize_punctuation
        phrase_map: {"and/or": "and"}
      - step: drop_empty_turns

Recipes are read with YAML safe loading only (a ``!!python/...`` tag is refused) and every
step and parameter is checked against the step's ``__init__`` signature before any data is
read: unknown steps (the error lists the available ones), unknown or missing parameters, and
values of the wrong type when the parameter is annotated. Paths are used as written
(relative to the working directory). ``dump(pipeline)`` writes a recipe that ``loads`` back
to an equal pipeline.
"""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

from selfreflect import params as params_mod
from selfreflect import registry
from selfreflect.pipeline import Pipeline
from selfreflect.steps import Step

#: Top-level keys a recipe may have besides ``steps``.
SETTINGS = ("input", "output", "rejects", "report", "workers", "engine")
#: Engines a recipe may ask for (``selfreflect.runner.ENGINE_CLASSES`` runs them).
EngineName = Literal["local", "ray"]
ENGINES: tuple[str, ...] = typing.get_args(EngineName)


class RecipeFile(BaseModel):
    """The top level of a recipe: its steps (checked one by one after) and the run settings."""

    model_config = ConfigDict(extra="forbid")

    steps: list[Any]
    input: list[StrictStr] | None = None
    output: StrictStr | None = None
    rejects: StrictStr | None = None
    report: StrictStr | None = None
    workers: Annotated[StrictInt, Field(ge=1)] | None = None
    engine: EngineName | None = None

    @field_validator("input", mode="before")
    @classmethod
    def _one_path(cls, value: Any) -> Any:
        """``input: data.jsonl`` means a list of one path."""
        return [value] if isinstance(value, str) else value

    @field_validator("input")
    @classmethod
    def _not_empty(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("empty")
        return value


class RecipeError(ValueError):
    """A recipe that cannot be used; the message says where and what to fix."""


@dataclass
class Recipe:
    """A loaded recipe: the pipeline and the run settings it names (None when absent)."""

    pipeline: Pipeline
    input: list[str] | None = None
    output: str | None = None
    rejects: str | None = None
    report: str | None = None
    workers: int | None = None
    engine: str | None = None
    #: Where the recipe was read from (a path, ``<package>/name.yaml`` or ``<string>``).
    source: str = "<string>"

    def settings(self) -> dict[str, Any]:
        """The run settings that are set, in recipe order."""
        values = {key: getattr(self, key) for key in SETTINGS}
        return {key: value for key, value in values.items() if value is not None}


# -- loading ------------------------------------------------------------------------------
def packaged() -> list[str]:
    """Names of the recipes shipped in ``selfreflect/recipes/``."""
    folder = resources.files("selfreflect").joinpath("recipes")
    if not folder.is_dir():
        return []
    return sorted(
        p.name.rsplit(".", 1)[0] for p in folder.iterdir() if p.name.endswith((".yaml", ".yml"))
    )


def load(name_or_path: str | Path) -> Recipe:
    """Load a recipe file, or a packaged recipe by bare name (``default``)."""
    text, source = _read(str(name_or_path))
    return loads(text, source=source)


def loads(text: str, source: str = "<string>") -> Recipe:
    """Build a Recipe from YAML text; RecipeError says what is wrong and where."""
    data = _parse(text, source)
    return from_dict(data, source=source)


def from_dict(data: Any, source: str = "<dict>") -> Recipe:
    """Build a Recipe from parsed data (a mapping with ``steps``)."""
    if not isinstance(data, dict):
        raise RecipeError(f"{source}: a recipe must be a mapping with a 'steps' list")
    try:
        top = RecipeFile.model_validate(data)
    except ValidationError as exc:
        raise RecipeError(f"{source}: {_top_level_problem(exc, data)}") from None
    steps = [_build_entry(entry, f"{source}: steps[{i}]") for i, entry in enumerate(top.steps)]
    settings = top.model_dump(exclude={"steps"})
    return Recipe(pipeline=Pipeline(steps), source=source, **settings)


def build_step(cls: type[Step], params: dict[str, Any], where: str = "") -> Step:
    """Validate ``params`` against ``cls.__init__`` and construct the step."""
    where = where or cls.name
    signature = _signature(cls)
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in signature.values())
    unknown = [key for key in params if key not in signature and not accepts_any]
    if unknown:
        known = ", ".join(n for n, p in signature.items() if p.kind is not p.VAR_KEYWORD)
        raise RecipeError(
            f"{where}: unknown parameter {params_mod.short(unknown[0])}; "
            f"{cls.name} takes: {known or '(no parameters)'}"
        )
    missing = [
        n
        for n, p in signature.items()
        if p.default is p.empty
        and n not in params
        and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]
    if missing:
        raise RecipeError(f"{where}: missing required parameter {missing[0]!r}")
    values: dict[str, Any] = {}
    for key, value in params.items():
        try:
            values[key] = params_mod.validate(cls, key, value)
        except params_mod.ParamError as exc:
            raise RecipeError(f"{where}: {exc}") from None
    try:
        return cls(**values)
    except Exception as exc:
        raise RecipeError(
            f"{where}: {cls.name}({_args(values)}) failed: "
            f"{type(exc).__name__}: {params_mod.short(str(exc), 200)}"
        ) from exc


def _read(name: str) -> tuple[str, str]:
    path = Path(name)
    looks_like_path = path.suffix in (".yaml", ".yml") or "/" in name or "\\" in name
    if not looks_like_path:
        if name in packaged():
            folder = resources.files("selfreflect").joinpath("recipes")
            for suffix in (".yaml", ".yml"):
                entry = folder.joinpath(name + suffix)
                if entry.is_file():
                    shipped_as = f"<selfreflect>/recipes/{name}{suffix}"
                    return entry.read_text(encoding="utf-8"), shipped_as
        if not path.is_file():
            shipped = ", ".join(packaged()) or "(none)"
            raise RecipeError(
                f"no recipe named {name!r}: not a file and not a packaged recipe "
                f"(packaged: {shipped})"
            )
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except FileNotFoundError:
        raise RecipeError(f"recipe file not found: {name}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeError(f"cannot read recipe {name}: {exc}") from None


class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that also refuses duplicate keys in a mapping."""


def _no_duplicates(loader: _StrictSafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, typing.Hashable) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {params_mod.short(key)}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictSafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


#: How many values YAML aliases may add to a recipe once expanded (an alias bomb, nine lists of
#: nine aliases of each other, would expand to 387 million).
MAX_ALIAS_VALUES = 1_000_000


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values ``node`` stands for with every alias expanded (memoised per node)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = 1  # a node that contains itself counts once (recursive anchors)
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, sizes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    sizes[id(node)] = size
    return size


def _load_bounded(text: str, source: str) -> Any:
    """Safe-load one YAML document, refusing aliases that expand it past MAX_ALIAS_VALUES
    before anything is built from it."""
    loader = _StrictSafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        sizes: dict[int, int] = {}
        expanded = _expanded_size(node, sizes)
        if expanded - len(sizes) > MAX_ALIAS_VALUES:
            raise RecipeError(
                f"{source}: YAML aliases expand the recipe to {expanded:,} values (more than "
                f"{MAX_ALIAS_VALUES:,} beyond the {len(sizes):,} written); write the values "
                "out or use fewer aliases"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _parse(text: str, source: str) -> Any:
    try:
        return _load_bounded(text, source)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = exc.problem or str(exc)
        if "could not determine a constructor" in problem:
            problem += " (recipes are loaded with YAML safe loading: no Python tags)"
        raise RecipeError(f"{where}: {problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise RecipeError(f"{where}: invalid YAML: {problem}") from None


def _top_level_problem(exc: ValidationError, data: dict[str, Any]) -> str:
    """The first problem of a recipe's top level, in words that say what to fix."""
    errors = exc.errors()
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    key = str(error["loc"][0]) if error["loc"] else ""
    got = params_mod.short(data.get(key))
    if error["type"] == "extra_forbidden":
        allowed = ", ".join(("steps", *SETTINGS))
        return f"unknown top-level key {params_mod.short(key)}; allowed: {allowed}"
    if key == "steps":
        if error["type"] == "missing":
            return "missing 'steps' (a list of steps to run)"
        return f"'steps' must be a list, got {type(data['steps']).__name__}"
    if key == "input":
        return "'input' must be a path or a list of paths"
    if key == "workers":
        return f"'workers' must be a whole number >= 1, got {got}"
    if key == "engine":
        return f"unknown engine {got}; available: {', '.join(ENGINES)}"
    return f"{key!r} must be a string, got {got}"


def _build_entry(entry: Any, where: str) -> Step:
    if isinstance(entry, str):
        entry = {"step": entry}
    if not isinstance(entry, dict) or not isinstance(entry.get("step"), str):
        raise RecipeError(f"{where}: each step must be a mapping with 'step: <name>'")
    params = {k: v for k, v in entry.items() if k != "step"}
    name = entry["step"]
    try:
        cls = registry.get(name)
    except registry.UnknownStepError as exc:
        raise RecipeError(f"{where}: {exc}") from None
    return build_step(cls, params, f"{where} ({name})")


def _signature(cls: type[Step]) -> dict[str, inspect.Parameter]:
    klass: type = cls  # type[Step] would not be Hashable to mypy (python/mypy#11470)
    return params_mod.signature(klass)


def _args(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={params_mod.short(v, 40)}" for k, v in values.items())


# -- dumping ------------------------------------------------------------------------------
def to_dict(pipeline: Pipeline | Recipe) -> dict[str, Any]:
    """The recipe as plain data: settings that are set, then ``steps``."""
    recipe = pipeline if isinstance(pipeline, Recipe) else Recipe(pipeline=pipeline)
    data: dict[str, Any] = dict(recipe.settings())
    data["steps"] = [
        {
            "step": registry.name_of(type(step)),
            **{k: v for k, v in step.to_dict().items() if k != "step"},
        }
        for step in recipe.pipeline.steps
    ]
    return data


def dump(pipeline: Pipeline | Recipe) -> str:
    """YAML text for a pipeline (or a recipe with settings) that ``loads`` back equal."""
    data = to_dict(pipeline)
    try:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    except yaml.representer.RepresenterError as exc:
        bad = exc.args[1] if len(exc.args) > 1 else exc
        raise RecipeError(
            f"cannot write {type(bad).__name__} value {params_mod.short(bad)} to a "
            "recipe: step parameters must be plain data (str, numbers, lists, dicts)"
        ) from None
