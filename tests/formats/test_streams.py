"""Every input is read once, as a stream: pipes, fifos, ``-``; arrays resync; lone CRs end lines."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from selfreflect import Conversation, Reject
from selfreflect.formats import read

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
CLI = [sys.executable, "-m", "selfreflect.cli"]


def record(i: int) -> dict:
    return {
        "id": f"r{i}",
        "messages": [
            {"role": "user", "content": f"question number {i}?"},
            {"role": "assistant", "content": f"answer number {i}."},
        ],
    }


def jsonl(n: int) -> bytes:
    return b"".join(json.dumps(record(i)).encode() + b"\n" for i in range(n))


def clean(args: list[str], cwd: Path, stdin: bytes | None = None) -> dict:
    """Run ``selfreflect clean`` with an empty recipe; the JSON report."""
    recipe = cwd / "none.yaml"
    recipe.write_text("steps: []\n")
    done = subprocess.run(
        [
            *CLI,
            "clean",
            *args,
            "-o",
            str(cwd / "out.jsonl"),
            "--rejects",
            str(cwd / "rej.jsonl"),
            "--report",
            str(cwd / "rep.json"),
            "--recipe",
            str(recipe),
        ],
        input=stdin,
        capture_output=True,
        timeout=60,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads((cwd / "rep.json").read_text())


# -- 1. gzip from a pipe, a fifo, standard input ----------------------------------------------
def test_gzip_from_a_process_substitution_loses_nothing(tmp_path):
    src = tmp_path / "f.jsonl"
    src.write_bytes(jsonl(3000))
    cmd = " ".join(
        [
            *CLI,
            "clean",
            f"<(gzip -c {src})",
            "-o",
            str(tmp_path / "out.jsonl"),
            "--report",
            str(tmp_path / "rep.json"),
            "--recipe",
            "none.yaml",
        ]
    )
    (tmp_path / "none.yaml").write_text("steps: []\n")
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    report = json.loads((tmp_path / "rep.json").read_text())
    assert (report["input"], report["kept"], report["rejected"]) == (3000, 3000, 0)
    ids = [json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert ids == [f"r{i}" for i in range(3000)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs fifos")
def test_a_gzipped_fifo_is_read_once_and_does_not_block(tmp_path):
    fifo = tmp_path / "in.jsonl.gz"
    os.mkfifo(fifo)
    data = gzip.compress(jsonl(500))

    def feed() -> None:
        with open(fifo, "wb") as fh:  # blocks until the reader opens it: exactly once
            fh.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    results: list = []
    reader = threading.Thread(target=lambda: results.extend(read(fifo)), daemon=True)
    reader.start()
    reader.join(30)
    assert not reader.is_alive(), "reading the fifo blocked (opened twice?)"
    writer.join(5)
    assert [c.id for c in results if isinstance(c, Conversation)] == [f"r{i}" for i in range(500)]
    assert not [r for r in results if isinstance(r, Reject)]


def test_dash_reads_standard_input_plain_or_gzipped(tmp_path):
    for data in (jsonl(40), gzip.compress(jsonl(40))):
        report = clean(["-"], tmp_path, stdin=data)
        assert (report["input"], report["kept"], report["rejected"]) == (40, 40, 0)


def test_a_bad_line_from_standard_input_names_stdin(tmp_path):
    report = clean(["-"], tmp_path, stdin=jsonl(2) + b"{oops\n")
    assert (report["input"], report["kept"], report["rejected"]) == (3, 2, 1)
    (bad,) = [json.loads(line) for line in (tmp_path / "rej.jsonl").read_text().splitlines()]
    assert (bad["source"], bad["line"], bad["raw"]) == ("<stdin>", 3, "{oops")


def test_parquet_through_a_pipe_is_read_whole(tmp_path):
    pytest.importorskip("pyarrow")
    from selfreflect.formats import write_parquet

    src = tmp_path / "f.parquet"
    write_parquet([Conversation.model_validate(record(i)) for i in range(30)], src)
    report = clean(["-"], tmp_path, stdin=src.read_bytes())
    assert (report["input"], report["kept"]) == (30, 30)


# -- 2. a JSON array with one bad element -----------------------------------------------------
def test_one_bad_array_element_is_one_reject_and_the_rest_is_read(tmp_path):
    elements = [json.dumps(record(0)), "{oops}", *(json.dumps(record(i)) for i in range(1, 1000))]
    path = tmp_path / "a.json"
    path.write_text("[\n" + ",\n".join(elements) + "\n]\n")
    results = list(read(path))
    kept = [c for c in results if isinstance(c, Conversation)]
    rejects = [r for r in results if isinstance(r, Reject)]
    assert len(kept) == 1000 and len(results) == 1001
    (bad,) = rejects
    assert (bad.reason, bad.line, bad.raw) == ("invalid_json", 2, "{oops}")
    assert "element 2 (line 3)" in bad.detail
    assert kept[-1].id == "r999"


@pytest.mark.parametrize(
    "bad",
    [
        '{"a": [1, 2}',  # a mismatched closer closes what it skips
        '{"content": "a, b ] c", oops}',  # separators inside a string do not end it
        '{"content": "say \\"hi\\", ok" x}',  # escaped quotes inside a string
        "nul",
    ],
)
def test_resync_finds_the_next_element_after_many_kinds_of_bad_one(tmp_path, bad):
    path = tmp_path / "a.json"
    path.write_text("[" + json.dumps(record(0)) + ", " + bad + ", " + json.dumps(record(1)) + "]")
    results = list(read(path))
    assert [type(r).__name__ for r in results] == ["Conversation", "Reject", "Conversation"]
    assert results[1].raw == bad and results[1].reason == "invalid_json"


def test_a_bad_element_across_a_read_chunk_is_still_one_reject(tmp_path):
    big = "x" * (1024 * 1024 + 10)  # larger than one read chunk
    elements = [
        json.dumps({"messages": [{"role": "user", "content": big}]}),
        '{"bad": "' + big + '" oops}',
        json.dumps(record(1)),
    ]
    path = tmp_path / "a.json"
    path.write_text("[" + ", ".join(elements) + "]")
    results = list(read(path))
    assert [type(r).__name__ for r in results] == ["Conversation", "Reject", "Conversation"]
    assert results[1].raw.endswith("oops}")


def test_junk_between_elements_is_its_own_reject(tmp_path):
    path = tmp_path / "a.json"
    path.write_text("[" + json.dumps(record(0)) + " junk, " + json.dumps(record(1)) + "]")
    results = list(read(path))
    assert [c.id for c in results if isinstance(c, Conversation)] == ["r0", "r1"]
    (bad,) = [r for r in results if isinstance(r, Reject)]
    assert bad.raw == "junk"


def test_an_element_that_never_ends_rejects_the_rest_once(tmp_path):
    path = tmp_path / "a.json"
    path.write_text("[" + json.dumps(record(0)) + ', {"content": "cut off')
    results = list(read(path))
    assert isinstance(results[0], Conversation)
    (bad,) = results[1:]
    assert bad.reason == "invalid_json" and "the rest of the file" in bad.detail


# -- 3. lone CR line ends ----------------------------------------------------------------------
def test_cr_only_line_ends_give_one_record_per_line(tmp_path):
    path = tmp_path / "mac.jsonl"
    first, second = (json.dumps(record(i)).encode() for i in range(2))
    path.write_bytes(first + b"\r" + second + b"\r")
    results = list(read(path))
    assert [c.id for c in results if isinstance(c, Conversation)] == ["r0", "r1"]


def test_a_lone_cr_inside_an_lf_file_ends_a_line_and_numbers_stay_right(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        json.dumps(record(0)).encode()
        + b"\r"
        + json.dumps(record(1)).encode()
        + b"\n{oops\r\n"
        + json.dumps(record(2)).encode()
        + b"\n"
    )
    results = list(read(path))
    assert [c.id for c in results if isinstance(c, Conversation)] == ["r0", "r1", "r2"]
    (bad,) = [r for r in results if isinstance(r, Reject)]
    assert bad.line == 3 and bad.raw == "{oops"


def test_crlf_files_are_unchanged(tmp_path):
    path = tmp_path / "dos.jsonl"
    path.write_bytes(jsonl(3).replace(b"\n", b"\r\n") + b"{oops\r\n")
    results = list(read(path))
    assert len([c for c in results if isinstance(c, Conversation)]) == 3
    (bad,) = [r for r in results if isinstance(r, Reject)]
    assert (bad.line, bad.raw) == (4, "{oops")
