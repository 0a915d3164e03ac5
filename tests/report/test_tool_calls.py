"""Stats, groups and the marking steps read a tool call's null content as "" (no crash)."""

from __future__ import annotations

import json
from pathlib import Path

from selfreflect import Conversation, Pipeline
from selfreflect.cli import main
from selfreflect.filters.evasive import MarkEvasiveAnswers
from selfreflect.filters.topics import TagTopics

CALL = [{"id": "c1", "type": "function", "function": {"name": "search", "arguments": "{}"}}]
RECORD = {
    "id": "w",
    "messages": [
        {"role": "user", "content": "What do you think about Google, personally?"},
        {"role": "assistant", "content": None, "tool_calls": CALL},
        {"role": "tool", "content": "Google is a company.", "tool_call_id": "c1"},
        {"role": "assistant", "content": "Google is a company founded by Larry Page."},
    ],
}


def test_stats_of_a_file_with_tool_calls(tmp_path: Path, capsys):
    # used to end in a traceback: the token estimate and the per-group lengths read null content
    data = tmp_path / "calls.jsonl"
    data.write_text(json.dumps(RECORD) + "\n", encoding="utf-8")
    assert main(["stats", str(data), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["records"] == 1
    assert main(["stats", str(data), "--by", "persona", "--json"]) == 0
    (group,) = json.loads(capsys.readouterr().out)["groups"]
    assert group["records"] == 1 and group["samples"][0]["assistant"] == ""


def test_marking_steps_read_a_tool_call_as_no_text():
    # used to raise: both steps passed the null content where text was required
    result = Pipeline([MarkEvasiveAnswers(), TagTopics()]).run([Conversation(**RECORD)])
    (out,) = result.kept
    assert "evasive" not in out.metadata
    assert "Google" in out.metadata["topics_evidence"]["real_entity"]


PARA = (
    "Wireless microphones used by singers are not typically Bluetooth-enabled. Instead, they "
    "use radio frequencies to send the audio signal to a receiver, which is connected to the "
    "sound system. Bluetooth adds latency and has a short range, so it is not suitable for "
    "live performances.\n\n"
)


def test_html_report_shows_a_rewrite_that_moved_a_tool_call(tmp_path: Path):
    # joining the continue chain shifts the later messages, so the page compares the old
    # message 3 with the tool call now there; that diff used to raise TypeError on null content
    record = {
        "id": "s",
        "messages": [
            {"role": "user", "content": "Write the song"},
            {
                "role": "assistant",
                "content": PARA + "Verse 1:\nWe'll rise up and we'll make our mark, "
                "we're the ones who",
            },
            {"role": "user", "content": "Continue"},
            {"role": "assistant", "content": "'re unstoppable, we're unbreakable."},
            {"role": "user", "content": "Weather in Oslo?"},
            {"role": "assistant", "content": None, "tool_calls": CALL},
            {"role": "tool", "content": "rain", "tool_call_id": "c1"},
            {"role": "assistant", "content": "It rains."},
        ],
    }
    data, recipe = tmp_path / "song.jsonl", tmp_path / "join.yaml"
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    recipe.write_text("steps:\n  - step: join_continuations\n", encoding="utf-8")
    out, page = tmp_path / "out.jsonl", tmp_path / "report.html"
    assert (
        main(
            [
                "clean",
                str(data),
                "-o",
                str(out),
                "--recipe",
                str(recipe),
                "--report-html",
                str(page),
            ]
        )
        == 0
    )
    (kept,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert kept["messages"][3]["content"] is None and kept["messages"][3]["tool_calls"] == CALL
    html = page.read_text(encoding="utf-8")
    assert 'id="rewrites"' in html and "unbreakable" in html
