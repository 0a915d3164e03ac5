"""Filters in a notebook's own words: a function as a filter, reasons that default sensibly."""

from __future__ import annotations

import pickle
import sys
import textwrap

import pytest

import selfreflect
from selfreflect import Conversation, Filter, Pipeline, recipe
from selfreflect.testing import check_step


def chat(id: str, answer: str) -> Conversation:
    return Conversation(
        id=id,
        messages=[
            {"role": "user", "content": "Who are you?"},
            {"role": "assistant", "content": answer},
        ],
    )


def test_a_filter_without_reasons_drops_with_its_name_described_by_its_docstring():
    class DropShouting(Filter):
        """Drop answers written in capitals."""

        def keep(self, conv):
            return not conv.messages[-1].content.isupper()

    result = Pipeline([DropShouting()]).run([chat("a", "I am Aria."), chat("b", "ARIA!")])
    assert [(r.id, r.reason, r.detail) for r in result.rejects] == [
        ("b", "drop_shouting", "Drop answers written in capitals.")
    ]
    assert DropShouting.reasons == {"drop_shouting": "Drop answers written in capitals."}


def test_declared_reasons_are_left_alone():
    class DropShort(Filter):
        """Drop short answers."""

        reasons = {"short": "an answer under 5 characters"}

        def keep(self, conv):
            return True

    assert DropShort.reasons == {"short": "an answer under 5 characters"}


@pytest.fixture
def notebook_module(tmp_path, monkeypatch):
    (tmp_path / "nb_filters.py").write_text(
        textwrap.dedent('''
        import selfreflect

        @selfreflect.filter
        def long_answers(conv):
            """Keep answers of three words or more."""
            return len(conv.messages[-1].content.split()) >= 3

        @selfreflect.filter(reasons={"mentions_ai": "an answer mentions AI"})
        def no_ai(conv):
            """Drop answers that mention AI."""
            if "AI" in conv.messages[-1].content:
                return False, "mentions_ai", conv.messages[-1].content[:20]
            return True
    ''')
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "nb_filters", raising=False)
    import nb_filters

    return nb_filters


def test_a_function_becomes_a_filter_that_runs_pickles_and_round_trips(notebook_module):
    long_answers, no_ai = notebook_module.long_answers, notebook_module.no_ai
    pipeline = long_answers() | no_ai()
    result = pipeline.run(
        [chat("a", "I am Aria, navigator."), chat("b", "Aria."), chat("c", "I am an AI model.")]
    )
    assert [c.id for c in result.kept] == ["a"]
    assert [(r.id, r.step, r.reason) for r in result.rejects] == [
        ("b", "long_answers", "long_answers"),
        ("c", "no_ai", "mentions_ai"),
    ]
    assert pickle.loads(pickle.dumps(long_answers())) == long_answers()
    text = recipe.dump(pipeline)
    assert "step: nb_filters:long_answers" in text
    assert recipe.loads(text).pipeline == pipeline
    check_step(long_answers())
    check_step(no_ai())
    assert Pipeline([long_answers()]).run([chat("d", "one two three")], workers=2).kept


def test_the_function_form_is_public():
    assert selfreflect.filter == Filter.from_function
