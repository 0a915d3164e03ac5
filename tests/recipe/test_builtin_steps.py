"""Every built-in step dumps to a recipe and loads back identical, and per-record ones conform.

A step is instantiated as ``cls(**cls.example_params)``: steps whose ``__init__`` has required
parameters must set ``example_params`` (see docs/write-a-filter.md). Steps added to the
``selfreflect.steps`` entry points later are covered automatically.
"""

from __future__ import annotations

import pytest

from selfreflect import Pipeline, registry
from selfreflect.recipe import dump, loads
from selfreflect.testing import check_step, example_step

BUILTINS = registry.builtin_names()


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_step_round_trips_through_a_recipe(name):
    step = example_step(registry.get(name))
    text = dump(Pipeline([step]))
    back = loads(text).pipeline
    assert back == Pipeline([step]), f"{name}: {text}"
    assert type(back.steps[0]) is type(step)
    assert back.steps[0].to_dict() == step.to_dict()
    assert dump(back) == text


def test_a_pipeline_of_every_builtin_round_trips():
    pipeline = Pipeline([example_step(registry.get(name)) for name in BUILTINS])
    assert loads(dump(pipeline)).pipeline == pipeline


PER_RECORD = [name for name in BUILTINS if registry.get(name).per_record]


@pytest.mark.parametrize("name", PER_RECORD)
def test_per_record_builtin_passes_check_step(name):
    check_step(example_step(registry.get(name)))
