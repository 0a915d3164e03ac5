"""The examples run: scripts as subprocesses, the notebook's code cells in a fresh interpreter."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


def test_clean_roleplay_script(tmp_path: Path):
    done = run(str(EXAMPLES / "clean_roleplay.py"), "--out", str(tmp_path))
    assert "records 12  invalid 1" in done.stdout  # the stats table of the input
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["input"] == 13 and report["input"] == report["kept"] + report["rejected"]
    kept = [json.loads(line) for line in (tmp_path / "clean.jsonl").read_text().splitlines()]
    rejects = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert len(kept) == report["kept"] and len(rejects) == report["rejected"]
    by_id = {r.get("id"): r for r in rejects}
    assert by_id["rp05"]["reason"] == "language_model_disclaimer"  # "As an AI language model"
    assert by_id[None]["reason"] == "invalid_json" and by_id[None]["line"] == 7
    assert by_id["rp03"]["reason"] == "exact_duplicate" and by_id["rp03"]["duplicate_of"] == "rp02"
    assert by_id["rp04"]["reason"] == "near_duplicate" and by_id["rp04"]["duplicate_of"] == "rp02"
    scene = next(r for r in kept if r["id"] == "rp09")
    assert "{{user}}" not in json.dumps(scene) and "the traveller" in json.dumps(scene)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f'data-metric="kept">{report["kept"]}<' in page


def test_custom_filter_script():
    done = run(str(EXAMPLES / "custom_filter.py"))
    assert "kept: ['calm', 'short']" in done.stdout
    assert "rejected loud: drop_shouting/shouting" in done.stdout
    assert "- step: drop_shouting\n  min_letters: 5\n  max_upper_ratio: 0.8" in done.stdout


def test_notebook_code_cells_run(tmp_path: Path):
    notebook = json.loads((EXAMPLES / "clean_roleplay.ipynb").read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4
    code = "\n\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    shutil.copy(EXAMPLES / "roleplay_sample.jsonl", tmp_path)
    (tmp_path / "notebook.py").write_text(code, encoding="utf-8")
    done = run("notebook.py", cwd=tmp_path)
    assert "placeholder_leak           rp09" in done.stdout  # the notebook's own filter
    out = tmp_path / "roleplay_notebook_out"
    kept = (out / "clean.jsonl").read_text().splitlines()
    printed_kept = int(re.search(r"input 13  kept (\d+)  rejected", done.stdout).group(1))
    assert len(kept) == printed_kept and "rp09" not in "".join(kept)
    assert f"{len(kept)} kept records" in done.stdout
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# -- preference pairs against the loopback OpenAI-compatible server (tests/fakellm.py) -----------
def reviewer(request: Any) -> Any:
    """The model: revise every answer ("Better: " + original), except garbage for Old Tobin."""
    from fakellm import chat, chat_json

    body = next(
        m["content"]
        for m in request.messages  # re-asks append to the first request
        if "The answer under review is turn" in str(m.get("content"))
    )
    if "Old Tobin" in body:
        return chat("Sorry, I can't answer in JSON today.")
    answer_turn = int(re.search(r"The answer under review is turn (\d+)", body).group(1))
    turns = json.loads(body[body.index("\n\n[\n") + 2 : body.index("\n]\n\n") + 2])
    return chat_json(
        {
            "verdict": "revise",
            "critique": f"turn {answer_turn} <is> thin",
            "evidence_turns": [answer_turn + 1],
            "revised_answer": "Better: " + turns[answer_turn]["content"],
        }
    )


@pytest.mark.slow
def test_preference_pairs_against_a_loopback_server(tmp_path: Path, fake_llm):
    fake_llm.handler = reviewer
    done = run(
        str(EXAMPLES / "preference_pairs.py"),
        "--base-url",
        fake_llm.base_url,
        "--model",
        "m",
        "--out",
        str(tmp_path),
    )
    pairs = [json.loads(line) for line in (tmp_path / "pairs.jsonl").read_text().splitlines()]
    rejects = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert pairs and f"{len(pairs)} preference pairs" in done.stdout
    for pair in pairs:  # chosen = the revision, rejected = the original, prompt ends with K
        assert pair["chosen"][0]["content"] == "Better: " + pair["rejected"][0]["content"]
        assert pair["prompt"][-1]["role"] == "user"
    reflect_rejects = [r for r in rejects if r["step"] == "reflect"]
    assert {r["reason"] for r in reflect_rejects} == {"no_later_turns", "invalid_output"}
    assert all(
        "Old Tobin" in json.dumps(r["record"])
        for r in reflect_rejects
        if r["reason"] == "invalid_output"
    )  # the model failed only there, and it shows
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "&lt;is&gt; thin" in page and 'id="reflect"' in page and "<is>" not in page
    failed = sum(r["reason"] == "invalid_output" for r in reflect_rejects)
    assert re.search(rf'data-step="reflect" data-reason="invalid_output">{failed}<', page)
