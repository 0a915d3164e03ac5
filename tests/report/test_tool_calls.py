"""Stats, groups and the marking steps read a tool call's null content as "" (no crash)."""

from __future__ import annotations

import json
from pathlib import Path

from selfreflect import Conversation, Pipeline
from selfreflect.cli import main
from selfreflect.filters.evasive import MarkEvasiveAnswers
from selfreflect.filters.topics import TagTopics

CALL = [{"id": "c1", "type": "function", "function": {"name": "search", "arguments": "{}"}}]
RECORD = {"id": "w", "messages": [
    {"role": "user", "content": "What do you think about Google, personally?"},
    {"role": "assistant", "content": None, "tool_calls": CALL},
    {"role": "tool", "content": "Google is a company.", "tool_call_id": "c1"},
    {"role": "assistant", "content": "Google is a company founded by Larry Page."},
]}


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
