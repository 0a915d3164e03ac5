"""CLI fixtures: a stand-in recipe module (only when core's recipe.py is not installed here)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import types
from pathlib import Path

import pytest
import yaml

from selfreflect import Conversation, Filter, Pipeline, Rewriter

HAS_RECIPE = importlib.util.find_spec("selfreflect.recipe") is not None

# Used only when selfreflect.recipe is missing: `steps: []` recipes and the name "default".
FAKE_RECIPE_SHIM = r"""
import sys, types, yaml
from selfreflect.pipeline import Pipeline
m = types.ModuleType("selfreflect.recipe")
class RecipeError(ValueError): pass
class Recipe:
    def __init__(self, pipeline, input=None, output=None, rejects=None, report=None,
                 workers=None, engine=None):
        self.pipeline, self.input, self.output = pipeline, input, output
        self.rejects, self.report, self.workers, self.engine = rejects, report, workers, engine
def load(name):
    if name == "default":
        return Recipe(Pipeline([]))
    try:
        data = yaml.safe_load(open(name, encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RecipeError(" ".join(str(exc).split())) from None
    if not isinstance(data, dict) or data.get("steps"):
        raise RecipeError("the stand-in recipe loader only knows 'steps: []'")
    return Recipe(Pipeline([]), **{k: v for k, v in data.items() if k != "steps"})
m.load, m.RecipeError, m.Recipe = load, RecipeError, Recipe
sys.modules["selfreflect.recipe"] = m
import selfreflect
selfreflect.recipe = m
from selfreflect.cli import main
sys.exit(main(sys.argv[1:]))
"""


class DropShortAnswers(Filter):
    """Drop conversations whose last answer is shorter than 5 characters."""

    reasons = {"too_short": "the last answer is shorter than 5 characters"}

    def keep(self, conv: Conversation) -> bool | tuple[bool, str]:
        answers = conv.turns("assistant")
        if answers and len(answers[-1].content) < 5:
            return False, "too_short"
        return True


class StraightQuotes(Rewriter):
    """Replace curly apostrophes."""

    def rewrite(self, conv: Conversation) -> Conversation:
        if not any("\u2019" in m.content for m in conv.messages):
            return conv
        return conv.with_messages(
            [
                m.model_copy(update={"content": m.content.replace("\u2019", "'")})
                for m in conv.messages
            ]
        )


class Boom(Filter):
    """Fail on every record."""

    def keep(self, conv: Conversation) -> bool:
        raise RuntimeError("step exploded")


@pytest.fixture
def fake_recipes(monkeypatch):
    """Replace selfreflect.recipe in this process with a loader over a dict of pipelines."""
    module = types.ModuleType("selfreflect.recipe")

    class RecipeError(ValueError):
        pass

    class Recipe:  # the shape of selfreflect.recipe.Recipe
        def __init__(
            self,
            pipeline,
            input=None,
            output=None,
            rejects=None,
            report=None,
            workers=None,
            engine=None,
        ):
            self.pipeline, self.input, self.output = pipeline, input, output
            self.rejects, self.report = rejects, report
            self.workers, self.engine = workers, engine

    recipes: dict[str, Recipe] = {
        "default": Recipe(Pipeline([DropShortAnswers(), StraightQuotes()])),
        "boom": Recipe(Pipeline([Boom()])),
    }

    def load(name: str) -> Recipe:
        if name in recipes:
            return recipes[name]
        if not Path(name).exists():
            raise RecipeError(f"no recipe named {name!r} and no such file")
        data = yaml.safe_load(Path(name).read_text())
        return Recipe(Pipeline([]), **{k: v for k, v in data.items() if k != "steps"})

    module.load, module.RecipeError, module.Recipe = load, RecipeError, Recipe
    import selfreflect

    monkeypatch.setitem(sys.modules, "selfreflect.recipe", module)
    monkeypatch.setattr(selfreflect, "recipe", module, raising=False)
    return recipes


@pytest.fixture
def run_cli(tmp_path):
    """Run the CLI in a subprocess; returns CompletedProcess with text stdout/stderr."""
    if HAS_RECIPE:
        prefix = [sys.executable, "-m", "selfreflect.cli"]
    else:
        shim = tmp_path / "_selfreflect_shim.py"
        shim.write_text(FAKE_RECIPE_SHIM)
        prefix = [sys.executable, str(shim)]

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
        )

    return run
