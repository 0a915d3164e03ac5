"""``selfreflect.run``: the file-to-file run a notebook calls, the same one the CLI calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import selfreflect
from selfreflect import EngineError, Pipeline
from selfreflect.cli import main
from selfreflect.filters import DropEmptyTurns

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "data" / "roleplay_openai.jsonl"


def test_run_writes_what_the_cli_writes(tmp_path, capsys):
    report = selfreflect.run(
        "default",
        [SAMPLE],
        tmp_path / "lib.jsonl",
        rejects=tmp_path / "lib-rejects.jsonl",
        report=tmp_path / "lib-report.json",
    )
    assert (
        main(
            [
                "clean",
                str(SAMPLE),
                "-o",
                str(tmp_path / "cli.jsonl"),
                "--rejects",
                str(tmp_path / "cli-rejects.jsonl"),
                "-q",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert (tmp_path / "lib.jsonl").read_bytes() == (tmp_path / "cli.jsonl").read_bytes()
    assert (tmp_path / "lib-rejects.jsonl").read_bytes() == (
        tmp_path / "cli-rejects.jsonl"
    ).read_bytes()
    saved = json.loads((tmp_path / "lib-report.json").read_text())
    assert saved["input"] == report.input == report.kept + report.rejected
    assert saved["provenance"]["inputs"][0]["path"] == str(SAMPLE)


def test_run_takes_a_pipeline_and_one_path(tmp_path):
    report = selfreflect.run(Pipeline([DropEmptyTurns()]), SAMPLE, tmp_path / "out.jsonl.gz")
    assert report.kept > 0 and (tmp_path / "out.jsonl.gz").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engine": "spark"}, "unknown engine 'spark'; available: local, ray"),
        ({"output": "out.csv"}, "end it in one of .jsonl, .jsonl.gz, .parquet"),
        ({"inputs": "missing.jsonl"}, "input file not found"),
    ],
)
def test_bad_arguments_fail_before_any_data_is_read(tmp_path, kwargs, message):
    args = {"recipe": "default", "inputs": [SAMPLE], "output": tmp_path / "out.jsonl", **kwargs}
    with pytest.raises((EngineError, ValueError, OSError), match=message):
        selfreflect.run(**args)
    assert not (tmp_path / "out.jsonl").exists()


def test_engines_are_named_in_one_place_and_run_through_one_protocol(tmp_path):
    from selfreflect.recipe import ENGINES
    from selfreflect.runner import ENGINE_CLASSES, LocalEngine, engine_for

    assert tuple(ENGINE_CLASSES) == ENGINES
    assert isinstance(engine_for("local", workers=2), LocalEngine)
    report = LocalEngine().run(
        Pipeline([DropEmptyTurns()]),
        [str(SAMPLE)],
        str(tmp_path / "out.jsonl"),
        str(tmp_path / "rejects.jsonl"),
    )
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert report.kept == len(lines) and report.input == report.kept + report.rejected
    with pytest.raises(EngineError, match="available: local, ray"):
        engine_for("spark")
