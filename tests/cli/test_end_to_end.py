"""The CLI as a user runs it: a subprocess, exit codes, one-line errors, files on disk."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "data"


@pytest.fixture
def sample(tmp_path):
    """A copy of the shipped sample data (the tests never write into the repository)."""
    target = tmp_path / "data"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns("*.py"))
    return target


@pytest.fixture
def identity_recipe(tmp_path):
    path = tmp_path / "identity.yaml"
    path.write_text("steps: []\n")
    return path


def test_clean_sample_data_accounts_for_every_record(run_cli, sample, identity_recipe, tmp_path):
    inputs = sorted(str(p) for p in sample.glob("*.jsonl"))
    assert len(inputs) == 3
    out, rej, rep = tmp_path / "out.jsonl", tmp_path / "rej.jsonl", tmp_path / "rep.json"
    proc = run_cli(
        "clean",
        *inputs,
        "-o",
        str(out),
        "--rejects",
        str(rej),
        "--report",
        str(rep),
        "--recipe",
        str(identity_recipe),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "\r" not in proc.stderr  # no progress bar when stderr is not a terminal
    report = json.loads(rep.read_text())
    kept = out.read_text(encoding="utf-8").splitlines()
    rejects = [json.loads(x) for x in rej.read_text(encoding="utf-8").splitlines()]
    lines = sum(
        1 for p in inputs for x in Path(p).read_text(encoding="utf-8").splitlines() if x.strip()
    )
    assert report["input"] == lines == report["kept"] + report["rejected"]
    assert (len(kept), len(rejects)) == (report["kept"], report["rejected"])
    reasons = {r["reason"] for r in rejects}
    assert {"invalid_json", "unknown_role", "missing_fields"} <= reasons
    for r in rejects:
        assert {"step", "reason", "detail", "source", "line"} <= set(r)
        assert ("record" in r) or ("raw" in r)
        assert r["source"] in inputs and isinstance(r["line"], int)
    assert "duplicate_ids" in report["steps"][0].get("counters", {})
    assert "reuse an id" in proc.stderr and f"kept {report['kept']}" in proc.stderr


def test_missing_input_exit_2_one_line(run_cli, tmp_path, identity_recipe):
    proc = run_cli(
        "clean",
        str(tmp_path / "missing.jsonl"),
        "-o",
        str(tmp_path / "o.jsonl"),
        "--recipe",
        str(identity_recipe),
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "input file not found" in proc.stderr


def test_bad_recipe_exit_2_one_line(run_cli, sample, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [unclosed\n")
    proc = run_cli(
        "clean",
        str(sample / "roleplay_openai.jsonl"),
        "-o",
        str(tmp_path / "o.jsonl"),
        "--recipe",
        str(bad),
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_usage_error_exit_2(run_cli):
    proc = run_cli("clean", "-o")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--help" in proc.stderr


def test_stats_on_sample(run_cli, sample):
    proc = run_cli("stats", str(sample / "roleplay_sharegpt.jsonl"), "--json")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    assert stats["records"] > 200 and stats["exact_duplicates"] > 0
    assert set(stats["roles"]) == {"system", "user", "assistant"}


def test_run_takes_several_inputs_after_one_flag_or_repeated(
    run_cli, sample, identity_recipe, tmp_path
):
    inputs = sorted(str(p) for p in sample.glob("*.jsonl"))
    reports = []
    for tag, args in (
        ("one", ["--input", *inputs]),
        ("repeated", [x for p in inputs for x in ("--input", p)]),
    ):
        rep = tmp_path / f"{tag}.json"
        proc = run_cli(
            "run",
            str(identity_recipe),
            *args,
            "--output",
            str(tmp_path / f"{tag}.jsonl"),
            "--report",
            str(rep),
        )
        assert proc.returncode == 0, proc.stderr
        reports.append(json.loads(rep.read_text()))
    lines = sum(
        1 for p in inputs for x in Path(p).read_text(encoding="utf-8").splitlines() if x.strip()
    )
    assert reports[0]["input"] == reports[1]["input"] == lines
