"""A step from the user's own module: named ``package.module:Class`` in a recipe and dumped so."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

from selfreflect import Pipeline, recipe
from selfreflect.recipe import RecipeError
from selfreflect.testing import check_step

ROOT = Path(__file__).resolve().parents[2]

MODULE = '''
from selfreflect import Filter

class DropOneTurn(Filter):
    """Drop records with a single exchange."""

    reasons = {"one_turn": "the record has a single exchange"}

    def __init__(self, min_pairs: int = 2):
        self.min_pairs = min_pairs

    def keep(self, conv):
        return True if len(conv.pairs()) >= self.min_pairs else (False, "one_turn")
'''


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    package = tmp_path / "my_project"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "steps.py").write_text(textwrap.dedent(MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("my_project", "my_project.steps"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    import my_project.steps

    return my_project.steps


def test_an_unregistered_step_dumps_as_module_and_class_and_loads_back(user_module):
    pipeline = Pipeline([user_module.DropOneTurn(min_pairs=3)])
    text = recipe.dump(pipeline)
    assert "step: my_project.steps:DropOneTurn" in text
    assert recipe.loads(text).pipeline == pipeline


def test_a_recipe_may_name_any_step_by_module_and_class(user_module):
    loaded = recipe.loads(
        "steps:\n  - step: my_project.steps:DropOneTurn\n    min_pairs: 1\n"
        "  - step: drop_empty_turns\n"
    )
    assert [type(s).__name__ for s in loaded.pipeline.steps] == ["DropOneTurn", "DropEmptyTurns"]
    with pytest.raises(RecipeError, match="min_pairs"):
        recipe.loads("steps:\n  - step: my_project.steps:DropOneTurn\n    min_pairs: many\n")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("my_project.nowhere:DropOneTurn", "could not be imported"),
        ("my_project.steps:Missing", "could not be imported"),
        ("os:system", "is not a selfreflect Step subclass"),
    ],
)
def test_a_module_and_class_that_is_not_a_step_is_a_recipe_error(user_module, name, problem):
    with pytest.raises(RecipeError, match=re.escape(problem)):
        recipe.loads(f"steps:\n  - step: '{name}'\n")


def test_the_readme_filter_passes_check_step(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    (tmp_path / "readme_filter.py").write_text(code.split("\nresult = ", 1)[0])
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "readme_filter", raising=False)
    from readme_filter import StaysInCharacter

    check_step(StaysInCharacter())
