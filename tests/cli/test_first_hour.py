"""What a new user meets in the first hour: one warning per problem, hints that name the fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from selfreflect.cli import main

ROOT = Path(__file__).resolve().parents[2]
OPENAI = ROOT / "examples" / "data" / "roleplay_openai.jsonl"


def record(i: int, id: str | None = None) -> str:
    return json.dumps(
        {
            "id": id or f"r{i}",
            "messages": [
                {
                    "role": "user",
                    "content": f"Question number {i}: what is the tide doing tonight?",
                },
                {
                    "role": "assistant",
                    "content": f"Answer {i}: it turns at midnight, as it always does.",
                },
            ],
        }
    )


def test_a_repeated_id_is_one_warning_line_with_one_prefix(tmp_path):
    f = tmp_path / "in.jsonl"
    f.write_text("\n".join([record(1, "same"), record(2, "same"), record(3, "same")]) + "\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "selfreflect.cli",
            "clean",
            str(f),
            "-o",
            str(tmp_path / "out.jsonl"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    mentions = [line for line in done.stderr.splitlines() if "same" in line]
    assert mentions == [
        "selfreflect: warning: 2 record(s) reuse an id seen earlier "
        "(e.g. 'same', 'same'); all were processed"
    ]


def test_a_forced_format_that_does_not_fit_names_the_one_that_does(tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(OPENAI), "--format", "alpaca", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    (warning,) = [line for line in err.splitlines() if "warning" in line]
    assert warning.startswith("selfreflect: warning: ") and "--format alpaca rejected" in warning
    assert "looks like openai" in warning and "roleplay_openai.jsonl" in warning


def test_strict_stops_a_forced_format_that_does_not_fit_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    code = main(["clean", str(OPENAI), "--format", "alpaca", "--strict", "-o", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and not out.exists()
    assert err.startswith("selfreflect clean: error: ") and "looks like openai" in err
    assert len(err.splitlines()) == 1


def test_a_forced_format_that_fits_says_nothing(tmp_path, capsys):
    assert (
        main(
            [
                "clean",
                str(OPENAI),
                "--format",
                "openai",
                "--strict",
                "-o",
                str(tmp_path / "out.jsonl"),
            ]
        )
        == 0
    )
    assert "--format" not in capsys.readouterr().err


def test_an_output_name_with_an_unknown_ending_is_a_usage_error(tmp_path, capsys):
    code = main(["clean", str(OPENAI), "-o", str(tmp_path / "x.csv")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and not (tmp_path / "x.csv").exists()
    assert err == (
        "selfreflect clean: error: cannot tell the output format from the name "
        "'x.csv'; end it in one of .jsonl, .jsonl.gz, .parquet"
    )


def test_stats_on_a_file_that_is_not_chat_data_says_so(capsys):
    code = main(["stats", str(ROOT / "README.md")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "README.md is not chat data" in err and "invalid_json=" in err
    assert len(err.splitlines()) == 1


def test_steps_verbose_shows_parameters_default_recipe_and_origin(capsys):
    assert main(["steps", "--verbose"]) == 0
    out = capsys.readouterr().out
    block = out.split("\n\n")
    (near,) = [b for b in block if b.startswith("near_dedup\n")]
    assert "built-in, in the default recipe" in near
    assert "    threshold (float, 0 < threshold <= 1, default 0.8)" in near
    (merge,) = [b for b in block if b.startswith("merge_persona_turns\n")]
    assert "not in the default recipe" in merge


def test_steps_verbose_names_the_plugin_a_step_comes_from(tmp_path):
    site = tmp_path / "site"
    info = site / "tidy_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tidy-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[selfreflect.steps]\nkeep_tidy = tidy_mod:KeepTidy\n")
    (site / "tidy_mod.py").write_text(
        "from selfreflect import Filter\n\n"
        "class KeepTidy(Filter):\n"
        '    """Keep tidy records.\n\n    Args:\n'
        '        width: the widest line allowed.\n    """\n\n'
        "    def __init__(self, width: int = 80):\n        self.width = width\n\n"
        "    def keep(self, conv):\n        return True\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "selfreflect.cli", "steps", "-v"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    (tidy,) = [b for b in done.stdout.split("\n\n") if b.startswith("keep_tidy\n")]
    assert "filter, plugin tidy-plugin, not in the default recipe" in tidy
    assert "    width (int, default 80): the widest line allowed." in tidy
