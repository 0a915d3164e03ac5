"""The registered filters and the shipped ``default`` recipe, run on the seed's own records."""

import json
import pickle
from pathlib import Path

import pytest
import yaml

import selfreflect
from selfreflect import Conversation, Pipeline, registry
from selfreflect.steps import Step

FIXTURES = Path(__file__).parent / "fixtures"
DEFAULT = Path(selfreflect.__file__).parent / "recipes" / "default.yaml"
FILTER_STEPS = [
    "drop_ai_self_reference", "drop_bad_structure", "drop_by_length", "drop_context_dependent",
    "drop_emoji_turns", "drop_empty_turns", "drop_garbled",
    "fix_mojibake", "mark_persona_claims", "merge_persona_turns", "normalize_punctuation",
    "normalize_whitespace", "remove_emoji",
]  # fmt: skip


def default_pipeline() -> Pipeline:
    steps = []
    for entry in yaml.safe_load(DEFAULT.read_text())["steps"]:
        params = {k: v for k, v in entry.items() if k != "step"}
        steps.append(registry.get(entry["step"])(**params))
    return Pipeline(steps)


def seed_records() -> list[Conversation]:
    lines = (FIXTURES / "seed_003.jsonl").read_text(encoding="utf-8").splitlines()
    return [Conversation.model_validate(json.loads(line)) for line in lines]


@pytest.mark.parametrize("name", FILTER_STEPS)
def test_every_filter_step_is_registered_documented_and_picklable(name):
    cls = registry.get(name)
    step = cls()
    assert step.name == name
    assert registry.summary(cls)
    again = cls(**{k: v for k, v in step.to_dict().items() if k != "step"})
    assert again == step
    assert pickle.loads(pickle.dumps(step)) == step
    docs = Path(__file__).parents[2] / "docs" / "steps.md"
    text = docs.read_text(encoding="utf-8")
    assert f"`{name}`" in text
    for reason in cls.reasons:
        assert f"`{reason}`" in text, f"reason {reason} of {name} is not documented"


def test_default_recipe_lists_only_registered_no_llm_steps():
    names = [s.name for s in default_pipeline().steps]
    assert names[0] == "fix_mojibake" and names[-2:] == ["exact_dedup", "near_dedup"]
    assert "mark_persona_claims" not in names and "merge_persona_turns" not in names
    assert set(names) <= set(registry.available())


def test_default_recipe_on_the_seed_records():
    result = default_pipeline().run(seed_records())
    rejected = {r.id: (r.step, r.reason) for r in result.rejects}
    assert rejected == {
        # the persona says it is an AI / a bot (notes: "剔除AI数据")
        "are-you-feeling-okay-8": ("drop_ai_self_reference", "ai_self_reference"),
        "are-you-feeling-okay-31": ("drop_ai_self_reference", "ai_self_reference"),
        "are-you-feeling-okay-34": ("drop_ai_self_reference", "ai_self_reference"),
        "are-you-feeling-okay-71": ("drop_ai_self_reference", "ai_self_reference"),
        # single turn that needs earlier context
        "awakened-14": ("drop_context_dependent", "reply_to_missing_turn"),
        # empty user content (the whole Elon file)
        "elon-0": ("drop_empty_turns", "empty_user"),
        "elon-1": ("drop_empty_turns", "empty_user"),
    }
    kept = {c.id: c for c in result.kept}
    # "Awakened AI" is an AI persona: "I am an artificial intelligence" is in character
    assert {"awakened-6", "awakened-21", "awakened-30", "are-you-feeling-okay-46"} <= set(kept)
    assert kept["billie-0"].messages[-1].content.endswith("understand it")  # emoji removed
    report = result.report.to_json()
    assert report["input"] == len(seed_records()) == report["kept"] + report["rejected"]


def test_apostrophe_u2019_is_normalised_in_kept_records():
    record = seed_records()[6]  # are-you-feeling-okay-71 contains \u2019
    assert "\u2019" in record.messages[-1].content
    steps = [s for s in default_pipeline().steps if s.name != "drop_ai_self_reference"]
    kept = Pipeline(steps).run([record]).kept
    assert "\u2019" not in kept[0].messages[-1].content and "don't" in kept[0].messages[-1].content


def test_every_default_step_is_a_step():
    assert all(isinstance(s, Step) for s in default_pipeline().steps)


def test_default_recipe_is_package_data():
    from importlib import resources

    entry = resources.files("selfreflect").joinpath("recipes/default.yaml")
    assert entry.is_file() and "near_dedup" in entry.read_text(encoding="utf-8")
