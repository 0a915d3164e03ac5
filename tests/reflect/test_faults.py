"""``selfreflect reflect`` against faulty servers and absurd options, end to end on loopback."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from fakellm import Recorded, Reply, chat, error
from reflectcases import coin, good

from selfreflect.cli import main

KEY = "sk-test-0123456789abcdefghijklmnopqrstuvwxyz"


def write(path: Path, n: int) -> str:
    path.write_text("".join(json.dumps(coin(i).to_record()) + "\n" for i in range(n)))
    return str(path)


def run(tmp_path: Path, base_url: str, *extra: str, n: int = 1) -> int:
    src = write(tmp_path / "in.jsonl", n)
    return main(
        [
            "reflect",
            src,
            "-o",
            str(tmp_path / "out.jsonl"),
            "--base-url",
            base_url,
            "--model",
            "m",
            "--rejects",
            str(tmp_path / "rej.jsonl"),
            "--report",
            str(tmp_path / "rep.json"),
            *extra,
        ]
    )


def rejects(tmp_path: Path) -> list[dict]:
    return [json.loads(x) for x in (tmp_path / "rej.jsonl").read_text().splitlines()]


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# -- 4. the key never leaks, even cut -------------------------------------------------------
def test_an_error_body_echoing_the_key_never_leaks_a_fragment_of_it(
    fake_llm, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("SELFREFLECT_API_KEY", KEY)

    def echo(request: Recorded) -> Reply:
        # the key starts at character 185: a cut at 200 leaves its first 15 characters
        return error(500, message="y" * 178 + "header " + request.headers["Authorization"])

    fake_llm.handler = echo
    html = tmp_path / "rep.html"
    assert run(tmp_path, fake_llm.base_url, "--max-retries", "0", "--report-html", str(html)) == 0
    assert fake_llm.requests[0].headers["Authorization"] == f"Bearer {KEY}"
    (bad,) = rejects(tmp_path)
    assert bad["reason"] == "server_error" and "y" * 100 in bad["detail"]
    texts = [p.read_text() for p in tmp_path.iterdir() if p.is_file()]
    texts.append(capsys.readouterr().err)
    runs = {KEY[i : i + 8] for i in range(len(KEY) - 7)}
    leaked = [r for r in runs for t in texts if r in t]
    assert leaked == []


# -- 5. userinfo in the base URL ------------------------------------------------------------
def test_a_password_in_the_base_url_is_refused_and_never_printed(fake_llm, tmp_path, capsys):
    host = fake_llm.base_url.replace("http://", "")
    code = run(tmp_path, f"http://alice:hunter2secret@{host}")
    err = capsys.readouterr().err
    assert code == 2 and fake_llm.calls == 0
    line = one_error_line(err)
    assert "hunter2secret" not in err and "alice" not in err
    assert "user name or password" in line and "SELFREFLECT_API_KEY" in line


# -- 8. absurd options are usage errors ------------------------------------------------------
@pytest.mark.parametrize(
    "option",
    [
        ["--max-reasks", "-1"],
        ["--max-retries", "-2"],
        ["--total-timeout", "-1"],
        ["--total-timeout", "0"],
        ["--read-timeout", "nan"],
        ["--read-timeout", "inf"],
        ["--temperature", "nan"],
        ["--concurrency", "100000"],
        ["--rpm", "-5"],
    ],
)
def test_absurd_options_exit_2_in_one_line_before_any_call(fake_llm, tmp_path, capsys, option):
    fake_llm.handler = lambda r: good()
    with pytest.raises(SystemExit) as exited:  # argparse's own type errors
        code = run(tmp_path, fake_llm.base_url, *option)
        raise SystemExit(code)
    assert exited.value.code == 2 and fake_llm.calls == 0
    one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("url", ["127.0.0.1:9/v1", "localhost:8000", "ftp://host/v1", "http://"])
def test_a_base_url_without_scheme_or_host_is_a_usage_error_at_once(tmp_path, capsys, url):
    started = time.monotonic()
    assert run(tmp_path, url) == 2
    assert time.monotonic() - started < 5
    assert "http:// or https://" in one_error_line(capsys.readouterr().err)


# -- 11. a connection closed mid-body is a transport error, retried --------------------------
def test_answers_cut_mid_body_are_retried_and_never_stop_the_run(fake_llm, tmp_path):
    whole = good()

    def handler(request: Recorded) -> Reply:
        if "Flip" in request.prompt and fake_llm.calls <= 6:  # every call of records 0..2
            return Reply(200, whole.body, cut_at=30)
        return whole

    fake_llm.handler = handler
    code = run(tmp_path, fake_llm.base_url, "--max-retries", "1", "--concurrency", "1", n=4)
    assert code == 0
    bad = rejects(tmp_path)
    assert [r["reason"] for r in bad] == ["broken_response"] * 3
    report = json.loads((tmp_path / "rep.json").read_text())
    assert (report["kept"], report["rejected"]) == (1, 3)


# -- 13. a deadline per call, hung calls counted apart ----------------------------------------
def test_a_server_that_never_answers_is_given_up_at_the_call_deadline(fake_llm, tmp_path):
    fake_llm.handler = lambda r: chat("never", delay=60)
    started = time.monotonic()
    code = run(
        tmp_path,
        fake_llm.base_url,
        "--read-timeout",
        "0.4",
        "--total-timeout",
        "1.5",
        "--max-retries",
        "4",
        "--concurrency",
        "3",
        n=3,
    )
    elapsed = time.monotonic() - started
    assert code == 0 and elapsed < 6, elapsed
    assert [r["reason"] for r in rejects(tmp_path)] == ["hung"] * 3
    assert all("total_timeout=1.5s" in r["detail"] for r in rejects(tmp_path))
    counters = json.loads((tmp_path / "rep.json").read_text())["steps"][1]["counters"]
    assert counters["hung"] == 3


def test_a_server_dripping_a_byte_at_a_time_is_hung_at_the_deadline(fake_llm, tmp_path):
    drip = good()
    drip.chunks, drip.chunk_delay = 400, 0.05  # ~20 s in all, never idle for 0.5 s
    fake_llm.handler = lambda r: drip
    started = time.monotonic()
    code = run(tmp_path, fake_llm.base_url, "--read-timeout", "0.5", "--total-timeout", "1", n=1)
    assert code == 0 and time.monotonic() - started < 5
    assert [r["reason"] for r in rejects(tmp_path)] == ["hung"]
    assert fake_llm.calls == 1


# -- 9. the cache: a file, a corrupt file, a full disk ---------------------------------------
def test_cache_naming_a_file_is_a_usage_error(fake_llm, tmp_path, capsys):
    not_a_dir = tmp_path / "cachefile"
    not_a_dir.write_text("x")
    assert run(tmp_path, fake_llm.base_url, "--cache", str(not_a_dir)) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "must be a directory" in line and fake_llm.calls == 0


def test_a_corrupt_cache_file_is_a_usage_error_saying_what_to_do(fake_llm, tmp_path, capsys):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "llm-cache.sqlite3").write_bytes(b"this is not sqlite" * 100)
    assert run(tmp_path, fake_llm.base_url, "--cache", str(cache)) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "not a readable cache" in line and "delete" in line and fake_llm.calls == 0


def test_a_full_disk_under_the_cache_stops_in_one_line_without_naming_the_file(
    fake_llm, tmp_path, capsys, monkeypatch
):
    fake_llm.handler = lambda r: good("x" * 5000)  # one answer needs a page more
    real_connect = sqlite3.connect

    def connect_to_a_full_disk(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS completions ("
            " key TEXT PRIMARY KEY, value TEXT NOT NULL, created REAL NOT NULL)"
        )
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count={pages}")  # sqlite's own SQLITE_FULL from here
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect_to_a_full_disk)
    cache = tmp_path / "cache"
    code = run(tmp_path, fake_llm.base_url, "--cache", str(cache), n=3)
    err = capsys.readouterr().err
    assert code == 1
    line = one_error_line(err)
    assert "disk is full" in line and "llm-cache" not in line and str(cache) not in line
    assert not (tmp_path / "out.jsonl").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# -- 12. SIGTERM like SIGINT: no .tmp left, one clean line ------------------------------------
@pytest.mark.parametrize(
    ("signame", "code", "word"), [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")]
)
def test_a_signal_during_reflect_leaves_no_tmp_and_prints_one_clean_line(
    fake_llm, tmp_path, signame, code, word
):
    import signal
    import subprocess
    import sys

    fake_llm.handler = lambda r: error(500)  # calls wait in their retry backoff
    src = write(tmp_path / "in.jsonl", 20)
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "selfreflect.cli",
            "reflect",
            src,
            "-o",
            str(out / "o.jsonl"),
            "--base-url",
            fake_llm.base_url,
            "--model",
            "m",
            "--rejects",
            str(out / "r.jsonl"),
            "--report",
            str(out / "rep.json"),
            "--cache",
            str(tmp_path / "cache"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while fake_llm.calls < 4 and time.monotonic() < deadline:  # calls are in flight
            time.sleep(0.05)
        assert fake_llm.calls >= 4
        proc.send_signal(getattr(signal, signame))
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert one_error_line(err) == f"selfreflect: {word}; no output file was left half-written"
    assert list(out.iterdir()) == []


def test_a_full_disk_found_when_the_cache_is_opened_is_exit_1_not_a_usage_error(
    fake_llm, tmp_path, capsys, monkeypatch
):
    real_connect = sqlite3.connect

    def connect_to_a_full_disk(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.execute("PRAGMA max_page_count=1")  # not even the table fits
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect_to_a_full_disk)
    code = run(tmp_path, fake_llm.base_url, "--cache", str(tmp_path / "cache"))
    line = one_error_line(capsys.readouterr().err)
    assert code == 1 and "disk is full" in line and str(tmp_path) not in line
    assert fake_llm.calls == 0
