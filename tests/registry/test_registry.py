"""The registry: entry points for built-ins and plugins, broken plugins warn, opt-out switch."""

from __future__ import annotations

import warnings
from importlib.metadata import EntryPoint

import pytest

from selfreflect import registry
from selfreflect.registry import PluginWarning, UnknownStepError
from selfreflect.steps import Filter, Rewriter, Step


def fake_entry_points(monkeypatch, mapping: dict[str, str]) -> None:
    eps = [EntryPoint(name, value, registry.GROUP) for name, value in mapping.items()]
    monkeypatch.setattr(
        registry, "entry_points", lambda group: eps if group == registry.GROUP else []
    )
    registry.refresh()


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.delenv(registry.DISABLE_ENV, raising=False)
    registry.refresh()
    yield
    registry.refresh()


def test_lists_names_without_importing_and_loads_on_use(monkeypatch):
    fake_entry_points(
        monkeypatch,
        {"b_step": "selfreflect.steps:Rewriter", "a_step": "not_a_module_anywhere:Thing"},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert registry.names() == ["a_step", "b_step"]  # no import, so no warning yet
        assert registry.get("b_step") is Rewriter


def test_unknown_name_lists_the_available_ones(monkeypatch):
    fake_entry_points(
        monkeypatch, {"shout": "selfreflect.steps:Rewriter", "drop": "selfreflect.steps:Filter"}
    )
    with pytest.raises(UnknownStepError) as info:
        registry.get("shuot")
    assert str(info.value) == "unknown step 'shuot'; available steps: drop, shout"
    assert info.value.available == ["drop", "shout"]


def test_broken_plugin_warns_naming_itself_and_others_still_work(monkeypatch):
    fake_entry_points(
        monkeypatch,
        {
            "good": "selfreflect.steps:Filter",
            "broken": "no_such_plugin_module:Step",
            "not_a_step": "selfreflect.registry:summary",
        },
    )
    with pytest.warns(PluginWarning) as caught:
        found = registry.available()
    assert found == {"good": Filter}
    messages = [str(w.message) for w in caught]
    assert any(
        "'broken'" in m and "no_such_plugin_module" in m and "ModuleNotFoundError" in m
        for m in messages
    )
    assert any("'not_a_step'" in m and "not a selfreflect Step subclass" in m for m in messages)
    with pytest.raises(UnknownStepError, match="step 'broken' could not be loaded"):
        registry.get("broken")


def test_a_plugin_cannot_shadow_a_builtin(monkeypatch):
    # entry points in selfreflect's own modules count as built-ins
    fake_entry_points(monkeypatch, {"shout": "plugin_pkg:Shout"})
    eps = [
        EntryPoint("shout", "plugin_pkg:Shout", registry.GROUP),
        EntryPoint("shout", "selfreflect.steps:Rewriter", registry.GROUP),
    ]
    monkeypatch.setattr(registry, "entry_points", lambda group: eps)
    registry.refresh()
    with pytest.warns(PluginWarning, match="plugin step 'shout' \\('plugin_pkg:Shout'\\) ignored"):
        assert registry.get("shout") is Rewriter
    assert registry.builtin_names() == ["shout"]


def test_disable_switch_keeps_builtins_and_drops_plugins(monkeypatch):
    fake_entry_points(
        monkeypatch, {"builtin": "selfreflect.steps:Filter", "plugin": "no_such_plugin_module:Step"}
    )
    monkeypatch.setenv(registry.DISABLE_ENV, "1")
    registry.refresh()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert registry.available() == {"builtin": Filter}
    monkeypatch.setenv(registry.DISABLE_ENV, "0")
    registry.refresh()
    assert registry.names() == ["builtin", "plugin"]


def test_name_of_prefers_the_registry_name(monkeypatch):
    fake_entry_points(monkeypatch, {"upper": "selfreflect.steps:Rewriter"})
    assert registry.name_of(Rewriter) == "upper"

    class Unregistered(Step):
        """Not in the registry."""

    # not registered: the module:Class form a recipe accepts
    assert registry.name_of(Unregistered) == f"{__name__}:{Unregistered.__qualname__}"


def test_summary_is_the_first_docstring_line():
    class Documented(Filter):
        """Drop things.

        More words.
        """

    class Bare(Filter):
        pass

    assert registry.summary(Documented) == "Drop things."
    assert registry.summary(Bare) == ""


BUILTINS = registry.builtin_names()


@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_is_registered_under_its_own_name_with_a_summary(name):
    cls = registry.get(name)
    assert cls.name == name, f"entry point {name!r} points at a step named {cls.name!r}"
    assert cls.__module__.split(".")[0] == "selfreflect"
    assert registry.summary(cls), f"{name} has no docstring summary"
