"""``reflect --batch DIR`` end to end against a loopback Files + Batches API."""

from __future__ import annotations

import json

import pytest
from batchserver import BatchServer
from dialects import dialect
from fakellm import FakeLLM, error
from smallmodel import small_model
from test_dialects import chats

from selfreflect.cli import main


@pytest.fixture
def src(tmp_path):
    path = tmp_path / "in.jsonl"
    convs = chats(12, answers=2) + chats(8, answers=1)
    convs = [c.model_copy(update={"id": f"c{i}"}) for i, c in enumerate(convs)]
    path.write_text("".join(json.dumps(c.to_record()) + "\n" for c in convs))
    return path


def reflect(base_url, src, out, *extra):
    return main(
        [
            "reflect",
            str(src),
            "-o",
            str(out),
            "--rejects",
            str(out) + ".rej",
            "--report",
            str(out) + ".report",
            "--base-url",
            base_url,
            "--model",
            "m",
            "--turns",
            "all",
            "--max-retries",
            "1",
            *extra,
        ]
    )


def test_batch_and_synchronous_runs_write_identical_outputs(tmp_path, src, capsys):
    handler = small_model()  # faults drawn from each request's content: the same answers
    with FakeLLM(handler) as sync_server:
        assert reflect(sync_server.base_url, src, tmp_path / "sync.jsonl") == 0
        sync_calls = sync_server.calls
    with BatchServer(handler) as api:
        assert (
            reflect(
                api.base_url,
                src,
                tmp_path / "batch.jsonl",
                "--batch",
                str(tmp_path / "b"),
                "--batch-poll",
                "0",
            )
            == 0
        )
        assert api.created >= 2  # the re-asks went out as follow-up batches
        assert api.lines_answered == sync_calls  # nothing asked twice
    for suffix in ("", ".rej"):
        assert (tmp_path / f"batch.jsonl{suffix}").read_text() == (
            tmp_path / f"sync.jsonl{suffix}"
        ).read_text()
    assert len((tmp_path / "batch.jsonl").read_text().splitlines()) >= 30
    first = [
        json.loads(x) for x in (tmp_path / "b" / "requests-001.jsonl").read_text().splitlines()
    ]
    assert len(first) == 32  # one per reviewed turn
    assert all(
        set(x) == {"custom_id", "method", "url", "body"}
        and x["method"] == "POST"
        and x["url"] == "/v1/chat/completions"
        and x["body"]["model"] == "m"
        for x in first
    )
    report = json.loads((tmp_path / "batch.jsonl.report").read_text())
    counters = report["steps"][1]["counters"]
    assert counters["batch_requests"] == sync_calls and "calls" not in counters
    assert counters["batch_total_tokens"] == 15 * counters["batch_requests"]  # 10 + 5 each
    # the answers filled the cache: a synchronous run over it pays nothing
    with FakeLLM(handler) as later:
        assert (
            reflect(
                later.base_url,
                src,
                tmp_path / "again.jsonl",
                "--cache",
                str(tmp_path / "b" / "cache"),
            )
            == 0
        )
        assert later.calls == 0
    assert (tmp_path / "again.jsonl").read_text() == (tmp_path / "sync.jsonl").read_text()


def test_a_rerun_resumes_the_batch_in_flight(tmp_path, src, capsys):
    with BatchServer(small_model()) as api:
        api.hold = True
        argv = ["--batch", str(tmp_path / "b"), "--batch-poll", "0.05"]
        assert reflect(api.base_url, src, tmp_path / "out.jsonl", *argv, "--batch-wait", "0.2") == 1
        err = capsys.readouterr().err
        assert "is still validating; rerun the same command to resume it" in err
        assert "Traceback" not in err and not (tmp_path / "out.jsonl").exists()
        assert api.created == 1
        (first,) = api.batches
        api.hold = False
        assert reflect(api.base_url, src, tmp_path / "out.jsonl", *argv) == 0
        assert f"resuming batch {first}" in capsys.readouterr().err
        assert sorted(api.batches)[0] == first
        assert api.lines_answered == sum(
            len(api.files[b["input_file_id"]].splitlines()) for b in api.batches.values()
        )
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) >= 30


def test_a_failed_batch_stops_the_run_and_a_rerun_starts_anew(tmp_path, src, capsys):
    with BatchServer(small_model()) as api:
        api.fail_next = True
        argv = ["--batch", str(tmp_path / "b"), "--batch-poll", "0"]
        assert reflect(api.base_url, src, tmp_path / "out.jsonl", *argv) == 1
        err = capsys.readouterr().err.strip()
        assert err.endswith("failed: line 1: model not available; no output was written")
        assert not (tmp_path / "out.jsonl").exists()
        assert reflect(api.base_url, src, tmp_path / "out.jsonl", *argv) == 0
        assert api.created >= 2
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) >= 30


def test_an_expired_batch_keeps_its_answers_and_sends_the_rest_again(tmp_path, src):
    with BatchServer(small_model()) as api:
        api.expire_after = 10
        assert (
            reflect(
                api.base_url,
                src,
                tmp_path / "out.jsonl",
                "--batch",
                str(tmp_path / "b"),
                "--batch-poll",
                "0",
            )
            == 0
        )
        statuses = [b["status"] for b in api.batches.values()]
        assert statuses[0] == "expired"
        second = api.files[api.batches[sorted(api.batches)[1]]["input_file_id"]]
        assert len(second.splitlines()) >= 22  # the 22 expired requests, plus re-asks
    report = json.loads((tmp_path / "out.jsonl.report").read_text())
    assert report["kept"] >= 19 and report["input"] == 20
    assert report["steps"][1]["counters"]["batch_errors"] >= 22


def test_partial_error_file_retries_5xx_and_follows_the_format_ladder(tmp_path, src):
    accepted = dialect("no-strict")  # every strict request is a 400 line in the error file
    seen: set[str] = set()

    def flaky(request):
        key = json.dumps(request.body, sort_keys=True)
        if (
            key not in seen
            and len(seen) % 3 == 0
            and "strict" not in json.dumps(request.body.get("response_format") or {})
        ):
            seen.add(key)
            return error(503, message="overloaded")
        seen.add(key)
        return accepted(request)

    with BatchServer(flaky) as api:
        assert (
            reflect(
                api.base_url,
                src,
                tmp_path / "out.jsonl",
                "--batch",
                str(tmp_path / "b"),
                "--batch-poll",
                "0",
            )
            == 0
        )
        errors = [
            json.loads(line)
            for b in api.batches.values()
            if "error_file_id" in b
            for line in api.files[b["error_file_id"]].splitlines()
        ]
        codes = {e["response"]["status_code"] for e in errors}
        assert codes == {400, 503}
    report = json.loads((tmp_path / "out.jsonl.report").read_text())
    assert report["kept"] == 20 and report["rejected"] == 0
    assert report["steps"][1]["counters"]["examples"] == 32


def test_the_key_is_sent_to_the_batch_api_and_never_written(tmp_path, src, monkeypatch):
    secret = "sk-batch-" + "7" * 24
    monkeypatch.setenv("SELFREFLECT_API_KEY", secret)
    with BatchServer(small_model()) as api:
        assert (
            reflect(
                api.base_url,
                src,
                tmp_path / "out.jsonl",
                "--batch",
                str(tmp_path / "b"),
                "--batch-poll",
                "0",
            )
            == 0
        )
        assert set(api.auth) == {f"Bearer {secret}"}
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
            assert secret[:12].encode() not in path.read_bytes(), path


def run_batch_offline(requests_file, output_file, handler) -> None:
    """What ``vllm run-batch -i REQUESTS -o OUTPUT`` does: every line answered, same format."""
    from fakellm import Recorded

    rows = []
    for i, line in enumerate(requests_file.read_text().splitlines()):
        item = json.loads(line)
        reply = handler(Recorded(item["url"], {}, item["body"], 0.0))
        rows.append(
            {
                "id": f"vllm-{i}",
                "custom_id": item["custom_id"],
                "error": None,
                "response": {
                    "status_code": reply.status,
                    "request_id": f"q{i}",
                    "body": json.loads(reply.payload()),
                },
            }
        )
    output_file.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_a_server_without_files_api_gets_the_file_to_run_offline(tmp_path, src, capsys):
    handler = small_model()
    with FakeLLM(handler) as sync_server:
        assert reflect(sync_server.base_url, src, tmp_path / "sync.jsonl") == 0
    with FakeLLM(handler) as plain:  # chat completions only: /v1/files is a 404
        argv = ["--batch", str(tmp_path / "b"), "--batch-poll", "0"]
        rounds = 0
        while reflect(plain.base_url, src, tmp_path / "out.jsonl", *argv) == 1:
            err = capsys.readouterr().err
            rounds += 1
            requests = tmp_path / "b" / f"requests-{rounds:03d}.jsonl"
            output = tmp_path / "b" / f"requests-{rounds:03d}.output.jsonl"
            assert f"has no Files API: run {requests} offline into {output}" in err
            assert "vllm run-batch" in err and "Traceback" not in err
            run_batch_offline(requests, output, handler)
            assert rounds < 8
        assert plain.calls == 0  # every answer came from the offline files
    assert rounds >= 2  # the re-asks were a second file
    assert (tmp_path / "out.jsonl").read_text() == (tmp_path / "sync.jsonl").read_text()
