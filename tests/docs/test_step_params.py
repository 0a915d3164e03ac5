"""Every parameter of every built-in step says what it does (``steps --verbose``, the catalogue)."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path

import pytest

from selfreflect import registry
from selfreflect.describe import arg_meanings, describe

ROOT = Path(__file__).resolve().parents[2]

#: Steps whose parameters are documented in another branch, not yet merged.
DOCUMENTED_ELSEWHERE: set[str] = set()

BUILTIN = sorted(registry.builtin_names())
CHECKED = [name for name in BUILTIN if name not in DOCUMENTED_ELSEWHERE]


def test_the_skip_list_names_real_steps():
    assert DOCUMENTED_ELSEWHERE <= set(BUILTIN)
    assert len(CHECKED) >= 20


@pytest.mark.parametrize("name", CHECKED)
def test_every_parameter_has_a_meaning(name):
    info = describe(name, registry.get(name), in_default=set())
    assert info.params, f"{name} lists no parameters"
    missing = [p.name for p in info.params if not p.meaning.strip()]
    assert not missing, f"{name}: no meaning for {', '.join(missing)}"


@pytest.mark.parametrize("name", CHECKED)
def test_meanings_speak_the_users_words(name):
    info = describe(name, registry.get(name), in_default=set())
    assert "Args:" not in info.body, f"{name}: the Args section shows in the description"
    for p in info.params:
        assert not re.search(r"seed", p.meaning, re.IGNORECASE), f"{name}.{p.name}: {p.meaning}"


@pytest.mark.parametrize("name", BUILTIN)
def test_an_args_section_names_only_parameters_the_step_takes(name):
    cls = registry.get(name)
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self"}
    for klass in cls.__mro__:
        documented = set(arg_meanings(vars(klass).get("__doc__") or ""))
        assert documented <= accepted, (
            f"{klass.__qualname__} documents {sorted(documented - accepted)}, "
            f"which {name} does not take"
        )


def test_the_catalogue_says_what_null_means():
    spec = importlib.util.spec_from_file_location("gen_steps", ROOT / "docs" / "gen_steps.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = module.catalogue_markdown()
    row = next(
        line for line in page.splitlines() if line.startswith("| `single_turn_min_length` |")
    )
    assert "null means {assistant: 2}" in row
    shared = [line for line in page.splitlines() if line.startswith("| `base_url` |")]
    assert len(shared) == 2 and all("SELFREFLECT_BASE_URL" in line for line in shared)
