"""The CLI in a subprocess: kill -9 mid-run then resume; the API key never reaches the disk."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fakellm import FakeLLM, error
from reflectcases import good, k_of

from selfreflect.llm import cache_key
from selfreflect.llm.cache import CACHE_FILE

N = 40


def write_input(path: Path) -> None:
    lines = []
    for i in range(N):
        lines.append(
            {
                "id": f"r{i}",
                "messages": [
                    {"role": "user", "content": f"question {i}"},
                    {"role": "assistant", "content": f"old answer {i}"},
                    {"role": "user", "content": f"that was wrong about {i}"},
                ],
            }
        )
        if i % 10 == 0:  # single-turn records are rejected without a call
            lines.append(
                {
                    "id": f"s{i}",
                    "messages": [
                        {"role": "user", "content": "hi"},
                        {"role": "assistant", "content": "yo"},
                    ],
                }
            )
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))


def cli(
    tmp: Path, base_url: str, cache: str, tag: str, env: dict | None = None, **popen
) -> subprocess.Popen:
    args = [
        sys.executable,
        "-m",
        "selfreflect.cli",
        "reflect",
        str(tmp / "in.jsonl"),
        "-o",
        str(tmp / f"out-{tag}.jsonl"),
        "--rejects",
        str(tmp / f"rejects-{tag}.jsonl"),
        "--report",
        str(tmp / f"report-{tag}.json"),
        "--base-url",
        base_url,
        "--model",
        "fake",
        "--cache",
        cache,
        "--concurrency",
        "4",
    ]
    return subprocess.Popen(
        args,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def cached_keys(directory: Path) -> set[str]:
    with sqlite3.connect(directory / CACHE_FILE) as conn:
        return {row[0] for row in conn.execute("SELECT key FROM completions")}


def request_key(request) -> str:
    return cache_key(request.body, "reflect-json-v1")


@pytest.mark.slow
def test_kill_9_then_resume_matches_an_uninterrupted_run(tmp_path):
    write_input(tmp_path / "in.jsonl")
    gate = threading.Event()  # holds every request after the 15th of the victim run
    gate.set()
    counter = {"n": 0}
    lock = threading.Lock()

    def server(request):
        with lock:
            counter["n"] += 1
            n = counter["n"]
        if n > 15:
            gate.wait(30)
        return good(f"better answer to {k_of(request)}")

    with FakeLLM(handler=server, latency=0.03) as fake:
        ref = cli(tmp_path, fake.base_url, str(tmp_path / "cache-ref"), "ref")
        assert ref.communicate(timeout=60) and ref.returncode == 0
        assert fake.calls == N

        counter["n"] = 0
        gate.clear()
        victim = cli(tmp_path, fake.base_url, str(tmp_path / "cache"), "run")
        deadline = time.monotonic() + 30
        while counter["n"] <= 15 and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.3)  # let the 15 answered calls reach the cache
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=10)
        gate.set()
        assert victim.returncode == -signal.SIGKILL
        assert not (tmp_path / "out-run.jsonl").exists()  # never a torn output file
        answered = cached_keys(tmp_path / "cache")
        assert 10 <= len(answered) <= 15, "kill should land mid-run"

        before = fake.calls
        resumed = cli(tmp_path, fake.base_url, str(tmp_path / "cache"), "run")
        _, err = resumed.communicate(timeout=60)
        assert resumed.returncode == 0, err
        paid_again = fake.requests[before:]
        assert len(paid_again) == N - len(answered)
        assert not {request_key(r) for r in paid_again} & answered  # no cached call paid again

    out_ref = (tmp_path / "out-ref.jsonl").read_bytes()
    out_run = (tmp_path / "out-run.jsonl").read_bytes()
    assert out_run == out_ref
    ids = [json.loads(line)["id"] for line in out_run.splitlines()]
    assert len(ids) == len(set(ids)) == N
    assert (tmp_path / "rejects-run.jsonl").read_bytes() == (
        tmp_path / "rejects-ref.jsonl"
    ).read_bytes()
    report = json.loads((tmp_path / "report-run.json").read_text())
    assert (report["input"], report["kept"], report["rejected"]) == (N + 4, N, 4)
    assert report["steps"][1]["counters"]["cache_hits"] == len(answered)


def test_api_key_appears_nowhere_on_disk(tmp_path):
    secret = "sk-test-5e1f-NEVER-WRITE-ME-93ab"
    write_input(tmp_path / "in.jsonl")

    def server(request):
        k = k_of(request)
        if k == "question 3":  # a server that echoes the auth header in its error
            return error(400, message=f"bad request from {request.headers['Authorization']}")
        if k == "question 5":
            return error(401, message=f"invalid key {secret}")
        return good(f"better answer to {k}")

    with FakeLLM(handler=server) as fake:
        proc = cli(
            tmp_path,
            fake.base_url,
            str(tmp_path / "cache"),
            "run",
            env={"SELFREFLECT_API_KEY": secret},
        )
        stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 0, stderr
        assert all(r.headers["Authorization"] == f"Bearer {secret}" for r in fake.requests)

    rejects = [json.loads(x) for x in (tmp_path / "rejects-run.jsonl").read_text().splitlines()]
    by_id = {r["id"]: r for r in rejects}
    assert by_id["r3"]["reason"] == "request_rejected" and "***" in by_id["r3"]["detail"]
    assert by_id["r5"]["reason"] == "request_rejected"
    assert by_id["r3"]["source"].endswith("in.jsonl") and by_id["r3"]["line"] == 5
    assert by_id["r3"]["record"]["messages"][0]["content"] == "question 3"
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.startswith(CACHE_FILE) for p in files)
    for path in files:
        assert secret.encode() not in path.read_bytes(), f"API key found in {path.name}"
    assert secret not in stdout + stderr
