"""Recipes: safe YAML, steps and parameters validated before any data is read, dump/load."""

from __future__ import annotations

import os

import pytest
from core_test_steps import DropShort, KeepFirstPerUser, ReplacePhrases, Shout, make

from selfreflect import Pipeline
from selfreflect.recipe import RecipeError, dump, load, loads


def test_recipe_builds_the_pipeline_with_settings(test_registry, tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(
        "input: [a.jsonl, b.jsonl]\noutput: out.jsonl\nrejects: rej.jsonl\nreport: rep.json\n"
        "workers: 2\nengine: local\n"
        "steps:\n  - step: drop_short\n    n: 4\n  - shout\n"
        "  - step: replace_phrases\n    phrases: {'and/or': 'and'}\n    roles: [user, assistant]\n"
    )
    recipe = load(str(path))
    assert recipe.pipeline == Pipeline(
        [DropShort(4), Shout(), ReplacePhrases({"and/or": "and"}, ("user", "assistant"))]
    )
    # list in YAML -> the annotated tuple type
    assert recipe.pipeline.steps[2].roles == ("user", "assistant")
    assert recipe.input == ["a.jsonl", "b.jsonl"]
    assert (recipe.output, recipe.rejects, recipe.report) == ("out.jsonl", "rej.jsonl", "rep.json")
    assert (recipe.workers, recipe.engine, recipe.source) == (2, "local", str(path))
    kept = recipe.pipeline.run([make(1, "yes and/or no"), make(2, "no")]).kept
    assert [c.messages[1].content for c in kept] == ["yes and no"]


def test_python_tags_are_refused_before_anything_runs(test_registry, tmp_path):
    marker = tmp_path / "pwned"
    text = (
        f"steps:\n  - step: drop_short\n    n: !!python/object/apply:os.system ['touch {marker}']\n"
    )
    with pytest.raises(RecipeError, match="safe loading"):
        loads(text)
    with pytest.raises(RecipeError, match="python/object"):
        loads("steps: !!python/object:core_test_steps.DropShort {n: 3}\n")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "steps:\n  - step: drop_shrot\n",
            "steps\\[0\\]: unknown step 'drop_shrot'; available steps: count_words, drop_short, "
            "keep_first_per_user, replace_phrases, shout",
        ),
        (
            "steps:\n  - step: drop_short\n    m: 3\n",
            "steps\\[0\\] \\(drop_short\\): unknown parameter 'm'; drop_short takes: n",
        ),
        (
            "steps:\n  - shout\n  - step: replace_phrases\n",
            "steps\\[1\\] \\(replace_phrases\\): missing required parameter 'phrases'",
        ),
        (
            "steps:\n  - step: drop_short\n    n: many\n",
            "parameter 'n': Input should be a valid integer",
        ),
        (
            "steps:\n  - step: replace_phrases\n    phrases: {a: b}\n    mode: loud\n",
            "parameter 'mode': Input should be 'exact' or 'lower'",
        ),
        (
            "steps:\n  - step: replace_phrases\n    phrases: [a, b]\n",
            "parameter 'phrases': Input should be a valid dictionary",
        ),
        (
            "steps:\n  - step: replace_phrases\n    phrases: {a: 1}\n",
            "parameter 'phrases'\\['a'\\]: Input should be a valid string",
        ),
        ("stepz:\n  - shout\n", "unknown top-level key 'stepz'; allowed: steps, input"),
        ("input: a.jsonl\n", "missing 'steps'"),
        ("steps: shout\n", "'steps' must be a list"),
        ("steps:\n  - {n: 3}\n", "each step must be a mapping with 'step: <name>'"),
        ("steps: []\nworkers: 0\n", "'workers' must be a whole number >= 1"),
        ("steps: []\nworkers: two\n", "'workers' must be a whole number >= 1"),
        ("steps: []\nengine: spark\n", "unknown engine 'spark'; available: local, ray"),
        ("steps: []\ninput: [1, 2]\n", "'input' must be a path or a list of paths"),
        ("steps: []\nsteps: []\n", "<string>:2: duplicate key 'steps'"),
        ("steps: [\n", "invalid YAML"),
        ("- shout\n", "a recipe must be a mapping"),
    ],
)
def test_bad_recipes_say_what_to_fix(test_registry, text, message):
    with pytest.raises(RecipeError, match=message):
        loads(text)


def test_validation_happens_before_any_data_is_read(test_registry):
    """load() fails on the bad step even though an earlier step is fine and data exists."""
    pulled = []

    def data():
        pulled.append(1)
        yield make(1, "hello")

    with pytest.raises(RecipeError):
        loads("steps:\n  - shout\n  - step: drop_short\n    n: lots\n").pipeline.run(data())
    assert pulled == []


def test_dump_and_load_give_an_equal_pipeline(test_registry):
    pipeline = Pipeline(
        [
            DropShort(7),
            Shout(),
            ReplacePhrases({"and/or": "and", "ü": "ue"}, roles=("user",), mode="lower", limit=3),
            KeepFirstPerUser(),
        ]
    )
    text = dump(pipeline)
    assert text.startswith("steps:\n- step: drop_short\n  n: 7\n")
    back = loads(text).pipeline
    assert back == pipeline
    assert [type(s) for s in back.steps] == [type(s) for s in pipeline.steps]
    assert back.steps[2].roles == ("user",)
    assert dump(back) == text


def test_dump_keeps_settings(test_registry):
    recipe = loads("workers: 2\noutput: o.jsonl\nsteps:\n  - shout\n")
    again = loads(dump(recipe))
    assert (again.workers, again.output, again.pipeline) == (2, "o.jsonl", Pipeline([Shout()]))


def test_dump_refuses_parameters_that_are_not_plain_data(test_registry):
    with pytest.raises(RecipeError, match="plain data"):
        dump(Pipeline([DropShort(n=object())]))  # type: ignore[arg-type]


def test_bare_names_resolve_to_packaged_recipes(test_registry, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RecipeError, match="no recipe named 'nonesuch'"):
        load("nonesuch")
    with pytest.raises(RecipeError, match="recipe file not found"):
        load("missing/recipe.yaml")
    # a file in the working directory is found by its name too
    (tmp_path / "local").write_text("steps: [shout]\n")
    assert load("local").pipeline == Pipeline([Shout()])
    assert os.path.basename(load("local").source) == "local"


def test_packaged_recipes_are_found_by_bare_name(test_registry, tmp_path, monkeypatch):
    import selfreflect.recipe as recipe_module

    package = tmp_path / "selfreflect"
    (package / "recipes").mkdir(parents=True)
    (package / "recipes" / "mini.yaml").write_text("steps:\n  - step: drop_short\n    n: 2\n")
    monkeypatch.setattr(recipe_module.resources, "files", lambda name: package)
    monkeypatch.chdir(tmp_path)
    assert recipe_module.packaged() == ["mini"]
    recipe = load("mini")
    assert recipe.pipeline == Pipeline([DropShort(2)])
    assert recipe.source == "<selfreflect>/recipes/mini.yaml"
    with pytest.raises(RecipeError, match="packaged: mini"):
        load("maxi")


def test_parameters_with_unresolvable_annotations_are_still_checked_where_possible():
    from core_test_steps import HalfTyped

    from selfreflect.recipe import build_step

    assert build_step(HalfTyped, {"n": "3", "names": ["a"], "anything": {"x": 1}}) == HalfTyped(
        3, ["a"], {"x": 1}
    )
    with pytest.raises(RecipeError, match="parameter 'n': Input should be a valid integer"):
        build_step(HalfTyped, {"n": "three"})


def test_the_top_level_of_a_recipe_is_a_pydantic_model():
    from pydantic import ValidationError

    from selfreflect.recipe import RecipeFile

    top = RecipeFile.model_validate({"steps": [], "input": "a.jsonl", "workers": 2})
    assert top.input == ["a.jsonl"] and top.workers == 2 and top.engine is None
    with pytest.raises(ValidationError):
        RecipeFile.model_validate({"steps": [], "workers": True})
    with pytest.raises(ValidationError):
        RecipeFile.model_validate({"steps": [], "engine": "spark"})
