"""``clean --workers N`` writes what one process writes, byte for byte; workers decode lines."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

import selfreflect.formats.reader as reader
from selfreflect.cli import main
from selfreflect.formats.reader import RawLine, read, read_deferred

DATA = Path(__file__).resolve().parents[2] / "examples" / "data" / "roleplay_openai.jsonl"

BAD_LINES = [
    b'{"id": "broken", "messages": [',  # invalid_json
    b'{"id": "bytes", "messages": [{"role": "user", "content": "\xff"}]}',  # invalid_utf8
    b"[1, 2]",  # not_an_object
    b'{"id": "robot", "messages": [{"role": "robot", "content": "hi"}]}',  # unknown_role
    b'{"id": "nothing"}',  # missing_messages
    b'{"id": "none", "messages": [{"role": "user", "content": null}]}',  # bad_content
    b'{"id": true, "messages": [{"role": "user", "content": "x"}]}',  # invalid_id
    b'{"id": "sur", "messages": [{"role": "user", "content": "\\ud800"}]}',  # lone_surrogate
    b'{"id": "meta", "metadata": 3, "messages": [{"role": "user", "content": "x"}]}',
    b"   ",  # blank: not a record
]


def corpus(n: int, seed: int = 0) -> bytes:
    """Real-shaped records with every kind of bad line, cut records, duplicates and reused ids."""
    rng = random.Random(seed)
    records = [c.to_record() for c in read(DATA) if hasattr(c, "messages")]
    out: list[bytes] = []
    for i in range(n):
        record = dict(rng.choice(records))
        roll = rng.random()
        record["id"] = f"r{i}" if roll > 0.02 else "reused"
        messages = [dict(m) for m in record["messages"]]
        if roll < 0.1:  # a trailing question: trimmed, the cut message goes to rejects
            messages.append({"role": "user", "content": "And then what happened next?"})
        elif roll < 0.2:  # a near copy of an earlier record
            messages[-1]["content"] += " Indeed."
        if rng.random() < 0.1:
            messages[0]["name"] = "narrator"
            record["source_site"] = "forum"
        record["messages"] = messages
        out.append(json.dumps(record, ensure_ascii=False).encode())
        if i % 37 == 5:
            out.append(BAD_LINES[(i // 37) % len(BAD_LINES)])
    return b"\n".join(out) + b"\n"


def clean(tmp_path: Path, inputs: list[Path], workers: int, *extra: str) -> dict[str, object]:
    out = tmp_path / f"out-{workers}.jsonl"
    rejects, report = out.with_suffix(".rejects"), out.with_suffix(".report")
    args = [*map(str, inputs), "-o", str(out), "--rejects", str(rejects), "--report", str(report)]
    assert main(["clean", *args, "--workers", str(workers), "--quiet", *extra]) == 0
    counts = json.loads(report.read_text())
    for step in counts["steps"]:
        step.pop("seconds")
    return {
        "output": out.read_bytes(),
        "rejects": rejects.read_bytes(),
        "report": {k: counts[k] for k in ("input", "kept", "rejected", "steps")},
    }


@pytest.mark.slow
def test_two_workers_write_what_one_process_writes(tmp_path):
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(corpus(1400))
    zipped = tmp_path / "b.jsonl.gz"
    zipped.write_bytes(gzip.compress(corpus(300, seed=1)))
    one = clean(tmp_path, [plain, zipped], 1)
    two = clean(tmp_path, [plain, zipped], 2)
    assert two["output"] == one["output"]
    assert two["rejects"] == one["rejects"]  # same rejects, same order
    assert two["report"] == one["report"]
    reasons = {json.loads(line)["reason"] for line in one["rejects"].splitlines()}
    assert {"invalid_json", "invalid_utf8", "lone_surrogate", "exact_duplicate"} <= reasons
    assert {"near_duplicate", "trailing_user", "unknown_role", "invalid_record"} <= reasons
    read_step = one["report"]["steps"][0]  # type: ignore[index]
    assert read_step["counters"]["duplicate_ids"] > 0


def test_workers_decode_the_lines_not_the_parent(tmp_path, monkeypatch):
    data = tmp_path / "a.jsonl"
    data.write_bytes(corpus(400))
    one = clean(tmp_path, [data], 1)

    def parent_must_not_decode(*args: object) -> None:
        raise AssertionError("the parent process decoded a deferred line")

    monkeypatch.setattr(reader, "decode_record", parent_must_not_decode)
    two = clean(tmp_path, [data], 2, "--format", "openai")
    assert two == one


def test_deferred_lines_decode_to_what_read_gives(tmp_path):
    data = tmp_path / "a.jsonl"
    data.write_bytes(corpus(200))
    deferred = list(read_deferred(data))
    raw = [r for r in deferred if isinstance(r, RawLine)]
    assert len(raw) > 150  # only the first records (format detection) are decoded here
    decoded = [r.decode() if isinstance(r, RawLine) else r for r in deferred]
    assert [_plain(r) for r in decoded] == [_plain(r) for r in read(data)]


def _plain(record: object) -> object:
    if hasattr(record, "to_json"):
        return record.to_json()  # a Reject
    return (record.to_record(), record.source, record.line)  # type: ignore[attr-defined]


def test_a_forced_format_is_checked_on_the_first_lines_with_workers_too(tmp_path, capsys):
    data = tmp_path / "a.jsonl"
    data.write_bytes(corpus(300))
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(data), "--format", "alpaca", "-o", str(out), "--workers", "2"]) == 0
    (warning,) = [line for line in capsys.readouterr().err.splitlines() if "warning: " in line]
    assert "--format alpaca rejected 32 of the first 32 records" in warning
    assert "looks like openai" in warning
    args = ["clean", str(data), "--format", "alpaca", "--strict", "-o", str(tmp_path / "x.jsonl")]
    assert main([*args, "--workers", "2"]) == 2
    assert not (tmp_path / "x.jsonl").exists()
    assert "looks like openai" in capsys.readouterr().err


def test_standard_input_is_read_once_and_decoded_by_the_workers(tmp_path, monkeypatch):
    import io
    import sys

    data = corpus(600, seed=3)
    (tmp_path / "a.jsonl").write_bytes(data)
    one = clean(tmp_path, [tmp_path / "a.jsonl"], 1)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    two = clean(tmp_path, [Path("-")], 2)
    assert two["output"] == one["output"]
    assert two["report"] == one["report"]
    stdin_rejects = two["rejects"].replace(b'"<stdin>', b'"' + str(tmp_path / "a.jsonl").encode())
    assert stdin_rejects == one["rejects"]


def test_lines_are_decoded_in_the_parent_when_a_stream_step_comes_first(tmp_path):
    data = tmp_path / "a.jsonl"
    data.write_bytes(corpus(500, seed=4))
    recipe = tmp_path / "r.yaml"
    recipe.write_text("steps:\n  - step: exact_dedup\n  - step: drop_bad_structure\n")
    one = clean(tmp_path, [data], 1, "--recipe", str(recipe))
    two = clean(tmp_path, [data], 2, "--recipe", str(recipe))
    assert two == one
    assert one["report"]["rejected"] > 0  # type: ignore[index]
