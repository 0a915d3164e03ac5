"""`selfreflect steps`, `selfreflect stats`, and the progress bar rule."""

from __future__ import annotations

import io
import json

from selfreflect import Filter, cli, registry
from selfreflect.cli import main
from selfreflect.formats import read
from selfreflect.stats import DatasetStats


class KeepAll(Filter):
    """Keep every record (a test step).

    More text that must not be printed.
    """

    def keep(self, conv):
        return True


def test_steps_lists_every_registered_step_with_its_summary(monkeypatch, capsys):
    monkeypatch.setattr(registry, "available", lambda: {"keep_all": KeepAll, "other_step": KeepAll})
    assert main(["steps"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "keep_all    Keep every record (a test step).",
        "other_step  Keep every record (a test step).",
    ]


def sample(tmp_path):
    f = tmp_path / "in.jsonl"
    recs = [
        {
            "messages": [
                {"role": "user", "content": "abcd"},
                {"role": "assistant", "content": "x" * n},
            ]
        }
        for n in (10, 20, 30)
    ]
    recs.append(recs[0])  # an exact duplicate (new id: made from the line)
    f.write_text("\n".join(json.dumps(r) for r in recs) + "\n{broken\n")
    return f


def test_dataset_stats_counts_lengths_roles_and_duplicates(tmp_path):
    stats = DatasetStats.from_records(read(sample(tmp_path))).to_json()
    assert stats["records"] == 4 and stats["invalid"] == 1
    assert stats["invalid_reasons"] == {"invalid_json": 1}
    assert stats["roles"] == {"user": 4, "assistant": 4}
    a = stats["chars"]["assistant"]
    assert (a["n"], a["p50"], a["max"]) == (4, 10, 30)  # nearest-rank percentiles of 10,10,20,30
    assert stats["messages_per_record"]["mean"] == 2.0
    assert stats["exact_duplicates"] == 1 and stats["duplicate_ids"] == 0


def test_stats_command_prints_a_table_or_json(tmp_path, capsys):
    f = sample(tmp_path)
    assert main(["stats", str(f)]) == 0
    out = capsys.readouterr().out
    assert "records 4  invalid 1  exact duplicates 1 (25.0%)" in out and "assistant" in out
    assert main(["stats", str(f), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["records"] == 4


def test_stats_on_a_missing_file(tmp_path, capsys):
    assert main(["stats", str(tmp_path / "nope.jsonl")]) == 2
    assert "input file not found" in capsys.readouterr().err


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch):
    # not a terminal: a short run prints nothing (a log line every 30 s: tests/report)
    log = io.StringIO()
    monkeypatch.setattr(cli.sys, "stderr", log)
    items = [1, 2]
    assert list(cli._progress(items)) == items and log.getvalue() == ""
    tty = FakeTTY()
    monkeypatch.setattr(cli.sys, "stderr", tty)
    bar = cli._progress(items)
    assert list(bar) == items and bar is not items


def test_format_can_be_forced_from_the_command_line(tmp_path, capsys):
    f = tmp_path / "in.jsonl"
    f.write_text(json.dumps({"conversations": [{"from": "human", "value": "q"}]}) + "\n")
    assert main(["stats", str(f), "--json", "--format", "openai"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["records"] == 0 and stats["invalid_reasons"] == {"missing_messages": 1}
    assert main(["stats", str(f), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["records"] == 1


def test_stats_of_a_file_with_nothing_readable_says_it_is_not_chat_data(tmp_path, capsys):
    f = tmp_path / "in.jsonl"
    f.write_text("{oops\n")
    assert main(["stats", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f} is not chat data: none of its 1 lines is a chat record (invalid_json=1)" in err


def test_optional_commands_are_added_when_their_module_exists(monkeypatch, tmp_path, capsys):
    pkg = tmp_path / "extra_cmd_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "def add_hello(sub):\n"
        "    p = sub.add_parser('hello')\n"
        "    p.set_defaults(func=lambda args: print('hi') or 0)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(
        cli,
        "OPTIONAL_COMMANDS",
        [("extra_cmd_pkg", "add_hello"), ("extra_cmd_missing.cli", "add_x")],
    )
    assert main(["hello"]) == 0
    assert capsys.readouterr().out == "hi\n"
