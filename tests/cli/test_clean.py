"""`selfreflect clean` and `run` in process: outputs, rejects, report, exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from selfreflect.cli import main

GOOD = {
    "id": "g1",
    "messages": [
        {"role": "user", "content": "How\u2019s the sea?"},
        {"role": "assistant", "content": "Calm tonight, friend."},
    ],
}
SHORT = {
    "id": "s1",
    "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ok."}],
}


def data_file(tmp_path: Path) -> Path:
    f = tmp_path / "in.jsonl"
    lines = [
        json.dumps(GOOD),
        json.dumps(SHORT),
        '{"messages": [',
        json.dumps({"messages": [{"role": "robot", "content": "beep"}]}),
    ]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_clean_writes_output_rejects_and_report(tmp_path, fake_recipes, capsys):
    out, rej, rep = tmp_path / "out.jsonl", tmp_path / "rej.jsonl", tmp_path / "rep.json"
    code = main(
        [
            "clean",
            str(data_file(tmp_path)),
            "-o",
            str(out),
            "--rejects",
            str(rej),
            "--report",
            str(rep),
        ]
    )
    assert code == 0
    kept = [json.loads(x) for x in out.read_text().splitlines()]
    assert kept == [
        {
            "id": "g1",
            "messages": [
                {"role": "user", "content": "How's the sea?"},
                {"role": "assistant", "content": "Calm tonight, friend."},
            ],
        }
    ]
    rejects = [json.loads(x) for x in rej.read_text().splitlines()]
    by_reason = {r["reason"]: r for r in rejects}
    assert set(by_reason) == {"invalid_json", "unknown_role", "too_short"}
    for r in rejects:
        assert {"step", "reason", "detail", "source", "line"} <= set(r)
        assert ("record" in r) != ("raw" in r)
    assert by_reason["invalid_json"]["raw"] == '{"messages": ['
    assert by_reason["invalid_json"]["line"] == 3
    assert by_reason["too_short"]["step"] == "drop_short_answers"
    assert by_reason["too_short"]["record"]["id"] == "s1"
    report = json.loads(rep.read_text())
    assert (report["input"], report["kept"], report["rejected"]) == (4, 1, 3)
    assert report["input"] == report["kept"] + report["rejected"]
    assert [s["name"] for s in report["steps"]] == ["read", "drop_short_answers", "straight_quotes"]
    for s in report["steps"]:
        assert {"name", "in", "out", "dropped", "modified", "reasons", "seconds"} <= set(s)
    assert report["steps"][0]["reasons"] == {"invalid_json": 1, "unknown_role": 1}
    assert report["steps"][2]["modified"] == 1
    err = capsys.readouterr().err
    assert "drop_short_answers" in err and "kept 1" in err  # the table, on stderr


def test_clean_without_rejects_file_says_how_to_keep_them(tmp_path, fake_recipes, capsys):
    assert main(["clean", str(data_file(tmp_path)), "-o", str(tmp_path / "o.jsonl")]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "3 rejected (pass --rejects FILE" in captured.err


def test_missing_input_is_a_one_line_usage_error(tmp_path, fake_recipes, capsys):
    code = main(["clean", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl")])
    assert code == 2
    assert "input file not found" in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "o.jsonl").exists()


def test_directory_as_input(tmp_path, fake_recipes, capsys):
    assert main(["clean", str(tmp_path), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "is a directory" in one_line_error(capsys.readouterr().err)


def test_unwritable_output_is_caught_before_reading(tmp_path, fake_recipes, capsys):
    (tmp_path / "file").write_text("x")
    code = main(["clean", str(data_file(tmp_path)), "-o", str(tmp_path / "file" / "o.jsonl")])
    assert code == 2
    assert "cannot write output" in one_line_error(capsys.readouterr().err)


def test_output_and_rejects_must_differ(tmp_path, fake_recipes, capsys):
    out = str(tmp_path / "o.jsonl")
    assert main(["clean", str(data_file(tmp_path)), "-o", out, "--rejects", out]) == 2
    assert "must be different" in one_line_error(capsys.readouterr().err)


def test_an_input_is_never_overwritten(tmp_path, fake_recipes, capsys):
    data = data_file(tmp_path)
    before = data.read_bytes()
    assert main(["clean", str(data), "-o", str(tmp_path / "o.jsonl"), "--rejects", str(data)]) == 2
    assert "is also an input" in one_line_error(capsys.readouterr().err)
    assert data.read_bytes() == before


def test_bad_recipe_is_a_one_line_usage_error(tmp_path, fake_recipes, capsys):
    code = main(
        [
            "clean",
            str(data_file(tmp_path)),
            "-o",
            str(tmp_path / "o.jsonl"),
            "--recipe",
            "no-such-recipe",
        ]
    )
    assert code == 2
    line = one_line_error(capsys.readouterr().err)
    assert "no-such-recipe" in line and line.startswith("selfreflect clean: error:")


@pytest.mark.parametrize("value", ["0", "two"])
def test_bad_workers_value_is_a_usage_error(tmp_path, fake_recipes, capsys, value):
    with pytest.raises(SystemExit) as exit_info:
        main(["clean", str(data_file(tmp_path)), "-o", "o.jsonl", "--workers", value])
    assert exit_info.value.code == 2
    assert "--workers" in one_line_error(capsys.readouterr().err)


def test_a_failing_step_leaves_no_output_file(tmp_path, fake_recipes):
    out = tmp_path / "o.jsonl"
    with pytest.raises(RuntimeError, match="step exploded"):
        main(
            [
                "clean",
                str(data_file(tmp_path)),
                "-o",
                str(out),
                "--recipe",
                "boom",
                "--rejects",
                str(tmp_path / "r.jsonl"),
            ]
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_duplicate_ids_are_processed_and_reported(tmp_path, fake_recipes, capsys):
    f = tmp_path / "in.jsonl"
    f.write_text(json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n")
    rep = tmp_path / "rep.json"
    assert main(["clean", str(f), "-o", str(tmp_path / "o.jsonl"), "--report", str(rep)]) == 0
    assert len((tmp_path / "o.jsonl").read_text().splitlines()) == 2
    assert json.loads(rep.read_text())["steps"][0]["counters"] == {"duplicate_ids": 1}
    assert "1 record(s) reuse an id seen earlier (e.g. 'g1')" in capsys.readouterr().err


def test_parquet_output(tmp_path, fake_recipes):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "o.parquet"
    assert main(["clean", str(data_file(tmp_path)), "-o", str(out)]) == 0
    assert pq.read_table(out).column("id").to_pylist() == ["g1"]


def test_run_uses_the_recipe_paths_and_overrides(tmp_path, fake_recipes, capsys):
    data = data_file(tmp_path)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"steps: []\ninput: {data}\noutput: {tmp_path / 'from_recipe.jsonl'}\n"
        f"report: {tmp_path / 'rep.json'}\n"
    )
    assert main(["run", str(recipe)]) == 0
    assert len((tmp_path / "from_recipe.jsonl").read_text().splitlines()) == 2
    assert json.loads((tmp_path / "rep.json").read_text())["input"] == 4
    assert main(["run", str(recipe), "--output", str(tmp_path / "override.jsonl")]) == 0
    assert (tmp_path / "override.jsonl").exists()


def test_run_expands_input_patterns(tmp_path, fake_recipes):
    data_file(tmp_path)
    (tmp_path / "in2.jsonl").write_text(json.dumps(GOOD) + "\n")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"steps: []\ninput: {tmp_path / 'in*.jsonl'}\nreport: {tmp_path / 'rep.json'}\n"
    )
    assert main(["run", str(recipe), "--output", str(tmp_path / "o.jsonl")]) == 0
    assert json.loads((tmp_path / "rep.json").read_text())["input"] == 5


def test_run_refuses_a_pattern_that_matches_nothing(tmp_path, fake_recipes, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"steps: []\ninput: {tmp_path / 'none*.jsonl'}\n")
    assert main(["run", str(recipe), "--output", str(tmp_path / "o.jsonl")]) == 2
    assert "matches no file" in one_line_error(capsys.readouterr().err)


def test_run_on_ray_without_ray_names_the_extra(tmp_path, fake_recipes, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if selfreflect[ray] were not installed
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"steps: []\nengine: ray\ninput: {data_file(tmp_path)}\n")
    assert main(["run", str(recipe), "--output", str(tmp_path / "o.jsonl")]) == 2
    assert "pip install 'selfreflect[ray]'" in one_line_error(capsys.readouterr().err)


def test_run_without_input_says_to_pass_one(tmp_path, fake_recipes, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("steps: []\n")
    assert main(["run", str(recipe), "--output", str(tmp_path / "o.jsonl")]) == 2
    assert "names no input; pass --input PATH" in one_line_error(capsys.readouterr().err)


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "clean" in capsys.readouterr().err


def test_gzip_output_and_input(tmp_path, fake_recipes):
    out = tmp_path / "o.jsonl.gz"
    assert main(["clean", str(data_file(tmp_path)), "-o", str(out)]) == 0
    assert out.read_bytes()[:2] == b"\x1f\x8b"
    again = tmp_path / "again.jsonl"
    assert main(["clean", str(out), "-o", str(again)]) == 0
    assert [json.loads(x)["id"] for x in again.read_text().splitlines()] == ["g1"]
