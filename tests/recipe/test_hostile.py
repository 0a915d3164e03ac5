"""Hostile recipes and absurd values are refused at once, before any data is read."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import pytest

from selfreflect import Pipeline, registry
from selfreflect.recipe import RecipeError, loads

CLI = [sys.executable, "-m", "selfreflect.cli"]


def alias_bomb(levels: int = 9) -> str:
    """Nine lists of nine aliases of the list before: 9**9 strings once expanded."""
    parts = ["k0: &x0 [" + ", ".join(['"lol"'] * 9) + "]"]
    parts += [f"k{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "{" + ", ".join(parts) + "}"


def test_an_alias_bomb_inside_a_step_parameter_is_refused_at_once():
    text = f"steps:\n  - step: normalize_punctuation\n    phrase_map: {alias_bomb()}\n"
    started = time.process_time()
    with pytest.raises(RecipeError, match="aliases expand") as caught:
        loads(text)
    assert time.process_time() - started < 1.0
    assert len(str(caught.value)) < 300


def test_an_alias_bomb_at_the_top_level_is_refused_the_same_way():
    with pytest.raises(RecipeError, match="aliases expand"):
        loads(f"bomb: {alias_bomb()}\nsteps: []\n")


def test_modest_aliases_still_work():
    text = (
        "steps:\n  - step: normalize_punctuation\n    phrase_map: &m {'and/or': 'and'}\n"
        "  - step: normalize_punctuation\n    phrase_map: *m\n"
    )
    first, second = loads(text).pipeline.steps
    assert first.phrase_map == second.phrase_map == {"and/or": "and"}


def test_a_big_value_in_a_message_is_shown_only_in_part():
    huge = "[" + ", ".join(str(i) for i in range(100_000)) + "]"
    with pytest.raises(RecipeError) as caught:
        loads(f"steps:\n  - step: drop_garbled\n    min_letter_share: {huge}\n")
    assert len(str(caught.value)) < 300 and "99999" not in str(caught.value)


def test_the_cli_refuses_an_alias_bomb_in_one_line_quickly(tmp_path):
    recipe = tmp_path / "bomb.yaml"
    recipe.write_text(f"steps:\n  - step: normalize_punctuation\n    phrase_map: {alias_bomb()}\n")
    data = tmp_path / "in.jsonl"
    data.write_text("")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    done = subprocess.run(
        [*CLI, "clean", str(data), "-o", str(tmp_path / "o.jsonl"), "--recipe", str(recipe)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before < 10
    assert done.returncode == 2 and "aliases expand" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# -- 7. ranges in the types of numeric parameters ----------------------------------------------
@pytest.mark.parametrize(
    ("entry", "range_text"),
    [
        ("near_dedup: {num_perm: 1000000000}", "2 <= num_perm <= 1024"),
        ("near_dedup: {ngram: 1000000000}", "1 <= ngram <= 32"),
        ("near_dedup: {bands: 1, rows: 1000000000}", "1 <= rows <= 1024"),
        ("near_dedup: {threshold: 0}", "0 < threshold <= 1"),
        ("drop_emoji_turns: {max_share: 1.5}", "0 <= max_share <= 1"),
        ("drop_by_length: {max_length: {user: -3}}", "0 <= max_length <= 1000000000"),
        ("normalize_whitespace: {max_blank_lines: -1}", "0 <= max_blank_lines <= 1000"),
        ("merge_persona_turns: {max_turns: 0}", "1 <= max_turns <= 10000"),
        (
            "reflect: {concurrency: 100000, base_url: 'http://h/v1', model: m}",
            "1 <= concurrency <= 1024",
        ),
        (
            "reflect: {read_timeout: .nan, base_url: 'http://h/v1', model: m}",
            "0 < read_timeout <= 86400",
        ),
        ("llm_judge: {max_reasks: -1, base_url: 'http://h/v1', model: m}", "0 <= max_reasks <= 10"),
    ],
)
def test_absurd_numbers_are_refused_with_their_range(entry, range_text):
    name, params = entry.split(": ", 1)
    with pytest.raises(RecipeError) as caught:
        loads(
            f"steps:\n  - step: {name}\n" + "".join(f"    {line}\n" for line in _yaml_lines(params))
        )
    assert range_text in str(caught.value)


def _yaml_lines(flow: str) -> list[str]:
    import yaml

    return yaml.safe_dump(yaml.safe_load(flow), default_flow_style=False).splitlines()


def test_every_numeric_parameter_of_a_builtin_step_has_a_range():
    from selfreflect.params import bounds, hints

    missing = []
    for name, cls in registry.available().items():
        if not cls.__module__.startswith("selfreflect."):
            continue
        for param, hint in hints(cls).items():
            if any(t in str(hint) for t in ("int", "float")) and bounds(hint) is None:
                missing.append(f"{name}.{param}")
    assert missing == []


def test_a_step_built_in_python_is_refused_before_any_record_is_read():
    from selfreflect.dedup.near import NearDedup

    read = []

    def records():
        read.append(1)
        yield from ()

    with pytest.raises(ValueError, match="num_perm <= 1024"):
        Pipeline([NearDedup(num_perm=10**9)]).run(records())
    assert read == []


def test_the_cli_refuses_an_absurd_number_before_reading_in_one_line(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("steps:\n  - step: near_dedup\n    num_perm: 1000000000\n")
    data = tmp_path / "in.jsonl"
    data.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    done = subprocess.run(
        [*CLI, "clean", str(data), "-o", str(tmp_path / "o.jsonl"), "--recipe", str(recipe)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "2 <= num_perm <= 1024" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o.jsonl").exists()


def test_a_huge_string_parameter_is_not_printed_whole_by_the_cli(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "steps:\n  - step: reflect\n    base_url: http://h/v1\n    model: m\n"
        f"    mode: {'x' * 100_000}\n"
    )
    data = tmp_path / "in.jsonl"
    data.write_text("")
    done = subprocess.run(
        [*CLI, "clean", str(data), "-o", str(tmp_path / "o.jsonl"), "--recipe", str(recipe)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "parameter 'mode': Input should be 'sft'" in done.stderr
    assert len(done.stderr) < 1000
