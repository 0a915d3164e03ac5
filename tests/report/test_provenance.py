"""report.json and the HTML page say which version, command, recipe and inputs made them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from selfreflect.cli import main
from selfreflect.provenance import safe_command

RECORDS = [
    {
        "id": "a",
        "messages": [
            {"role": "user", "content": "Hi there, how are you?"},
            {"role": "assistant", "content": "Fine, thanks for asking!"},
        ],
    },
    {
        "id": "b",
        "messages": [
            {"role": "user", "content": ""},
            {"role": "assistant", "content": "Nobody asked me anything."},
        ],
    },
    {
        "id": "c",
        "messages": [
            {"role": "user", "content": "What is two plus two?"},
            {"role": "assistant", "content": "Two plus two is four."},
        ],
    },
]


def _data(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return path


def test_clean_report_carries_provenance_and_the_page_shows_it(tmp_path: Path):
    data = _data(tmp_path)
    out, rep, page = tmp_path / "out.jsonl", tmp_path / "report.json", tmp_path / "r.html"
    assert (
        main(["clean", str(data), "-o", str(out), "--report", str(rep), "--report-html", str(page)])
        == 0
    )
    prov = json.loads(rep.read_text())["provenance"]
    assert set(prov) == {
        "version",
        "command",
        "recipe",
        "inputs",
        "started",
        "finished",
        "python",
        "platform",
    }
    assert prov["inputs"] == [
        {
            "path": str(data),
            "bytes": data.stat().st_size,
            "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
        }
    ]
    steps = [s["step"] for s in yaml.safe_load(prov["recipe"])["steps"]]
    assert "drop_empty_turns" in steps and "near_dedup" in steps
    assert prov["started"] <= prov["finished"]
    html = page.read_text(encoding="utf-8")
    assert hashlib.sha256(data.read_bytes()).hexdigest() in html
    assert "drop_empty_turns" in html and prov["started"] in html


def test_record_source_adds_file_and_line_to_each_kept_record(tmp_path: Path):
    data = _data(tmp_path)
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(data), "-o", str(out), "--record-source"]) == 0
    kept = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(k["id"], k["metadata"]["source"]) for k in kept] == [
        ("a", {"file": str(data), "line": 1}),
        ("c", {"file": str(data), "line": 3}),
    ]


def test_secrets_on_the_command_line_are_masked():
    line = safe_command(
        [
            "selfreflect",
            "reflect",
            "x",
            "--api-key",
            "sk-abc123",
            "--token=tok-999",
            "--base-url",
            "http://me:pw123@host/v1",
        ]
    )
    assert "sk-abc123" not in line and "tok-999" not in line and "pw123" not in line
    assert "--api-key '***'" in line and "http://me:***@host/v1" in line
