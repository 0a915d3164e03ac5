"""Offline batch inference through the OpenAI Batch API (Files + Batches endpoints).

A run goes in rounds. Each round replays the step over its input with a :class:`BatchClient`:
an answer already in the cache is used, a request never answered is collected instead of sent
(the call raises :class:`Deferred`). The collected requests are written as a Batch API input
file (``custom_id``, ``method``, ``url``, ``body``: the file vLLM's ``run-batch`` also reads),
uploaded to ``/v1/files``, run as a batch (``/v1/batches``), polled, and its output and error
files downloaded; every answer goes into the cache under the key a synchronous call would use.
Re-asks come out of the next round's replay as a follow-up batch. When a round collects
nothing, the last replay runs through the cache alone, so the output is exactly what a
synchronous run with the same answers writes, and a later synchronous run pays nothing.

The job's state (the batch in flight) is kept in ``DIR/state.json``: rerunning the command
resumes that batch instead of creating a new one. A server without the Files API (a plain vLLM
or llama.cpp server) gets nothing uploaded: the run stops saying which file to run offline
(``vllm run-batch -i DIR/requests-NNN.jsonl -o DIR/requests-NNN.output.jsonl``), and the rerun
reads that output file. Per-request errors are kept in
``DIR/failures.jsonl``: a 4xx is final for that request (a 400 to a strict schema moves the
request down the response-format ladder, as synchronously); a 5xx, a 429 or an expired request
is sent again in the next round, at most ``max_retries`` times.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from selfreflect.llm.cache import Cache
from selfreflect.llm.client import Completion, LLMClient, _parse_completion, read_api_key
from selfreflect.llm.errors import LLMError, RequestRejected, ServerError

ENDPOINT = "/v1/chat/completions"
DONE = ("completed", "failed", "expired", "cancelled")


class Deferred(LLMError):
    """The answer to this request is not back from the batch yet."""

    reason = "batch_unanswered"


class BatchFailed(RuntimeError):
    """The Batch API refused or failed the job as a whole (the run stops; a rerun starts anew)."""


class BatchNotDone(RuntimeError):
    """The batch is still running after the wait allowed (a rerun resumes it)."""


class BatchClient(LLMClient):
    """An LLMClient that answers from the cache and collects every other request for a batch."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        cache: Cache,
        failures: dict[str, LLMError],
        pending: dict[str, dict[str, Any]],
        **kw: Any,
    ):
        super().__init__(base_url, model, cache=cache, **kw)
        self.failures = failures
        self.pending = pending

    async def complete(
        self,
        messages: list[dict[str, Any]],
        params: dict[str, Any] | None = None,
        *,
        prompt_version: str = "",
        response_format: dict[str, Any] | None = None,
    ) -> Completion:
        body, _, key = self.request(messages, dict(params or {}), prompt_version, response_format)
        assert self.cache is not None
        hit = self.cached(key)
        if hit is not None:
            return hit
        if key in self.failures:
            raise self.failures[key]
        self.pending[key] = body
        raise Deferred("the batch has not answered this request")


def batch_line(custom_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """One line of a Batch API input file."""
    return {"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body}


class BatchJob:
    """The Files/Batches side of a batch run, its state kept in ``directory``."""

    def __init__(
        self,
        directory: str | Path,
        base_url: str,
        *,
        api_key_env: str,
        poll_seconds: float = 30.0,
        wait_seconds: float | None = None,
        max_retries: int = 4,
        timeout: float = 120.0,
        log: Callable[[str], None] = lambda line: None,
    ):
        self.dir = Path(directory)
        self.base_url = base_url.rstrip("/")
        self.api_key_env = api_key_env
        self.poll_seconds = poll_seconds
        self.wait_seconds = wait_seconds
        self.max_retries = max_retries
        self.timeout = timeout
        self.log = log
        self.counters: dict[str, int] = {}

    # -- state -----------------------------------------------------------------------------
    def _state_path(self) -> Path:
        return self.dir / "state.json"

    def state(self) -> dict[str, Any]:
        """The job's state: the batch in flight, the round, attempts per failed request."""
        path = self._state_path()
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        return {"round": 0, "batch": None, "offline": None, "attempts": {}}

    def save(self, state: dict[str, Any]) -> None:
        """Write the state atomically."""
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self._state_path().with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
        tmp.replace(self._state_path())

    def failures(self) -> dict[str, LLMError]:
        """Final per-request errors of earlier rounds (custom_id -> the error)."""
        out: dict[str, LLMError] = {}
        path = self.dir / "failures.jsonl"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                item = json.loads(line)
                status = item.get("status")
                out[item["custom_id"]] = (
                    RequestRejected(item["message"], status)
                    if status and 400 <= status < 500 and status != 429
                    else ServerError(item["message"])
                )
        return out

    def _fail(self, custom_id: str, status: int | None, message: str) -> None:
        with open(self.dir / "failures.jsonl", "a", encoding="utf-8") as f:
            f.write(
                json.dumps({"custom_id": custom_id, "status": status, "message": message[:300]})
                + "\n"
            )

    def _count(self, name: str, n: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + n

    # -- HTTP ------------------------------------------------------------------------------
    def _http(self) -> httpx.Client:
        headers = {"User-Agent": "selfreflect"}
        key = read_api_key(self.api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return httpx.Client(
            base_url=self.base_url, headers=headers, timeout=self.timeout, trust_env=False
        )

    @staticmethod
    def _check(response: httpx.Response, what: str) -> httpx.Response:
        if response.status_code >= 400:
            try:
                detail = response.json().get("error", {}).get("message") or response.text
            except ValueError:
                detail = response.text
            raise BatchFailed(f"{what}: HTTP {response.status_code}: {str(detail)[:200]}")
        return response

    # -- one round -------------------------------------------------------------------------
    def run_round(self, pending: dict[str, dict[str, Any]], cache: Cache) -> None:
        """Send ``pending`` as a batch (or resume the batch in flight), wait, store answers."""
        state = self.state()
        if state.get("offline"):
            self._read_offline(state, cache)
            return
        with self._http() as http:
            if state["batch"] is None:
                state["round"] += 1
                name = f"requests-{state['round']:03d}.jsonl"
                lines = "".join(
                    json.dumps(batch_line(k, b), ensure_ascii=False) + "\n"
                    for k, b in pending.items()
                )
                self.dir.mkdir(parents=True, exist_ok=True)
                (self.dir / name).write_text(lines, encoding="utf-8")
                response = http.post(
                    "/files",
                    data={"purpose": "batch"},
                    files={"file": (name, lines.encode("utf-8"), "application/jsonl")},
                )
                if response.status_code in (404, 405):  # no Files API: run the file offline
                    state["offline"] = name
                    self.save(state)
                    self._count("batch_requests", len(pending))
                    raise BatchNotDone(self._offline_hint(name))
                uploaded = self._check(response, "uploading the batch input file").json()
                created = self._check(
                    http.post(
                        "/batches",
                        json={
                            "input_file_id": uploaded["id"],
                            "endpoint": ENDPOINT,
                            "completion_window": "24h",
                            "metadata": {"selfreflect_round": str(state["round"])},
                        },
                    ),
                    "creating the batch",
                ).json()
                state["batch"] = created["id"]
                self.save(state)
                self._count("batches")
                self._count("batch_requests", len(pending))
                self.log(f"batch {created['id']}: {len(pending)} requests ({name})")
            else:
                self.log(f"resuming batch {state['batch']}")
            batch = self._wait(http, state["batch"])
            status = batch.get("status")
            if status == "failed":
                errors = (batch.get("errors") or {}).get("data") or [{}]
                state["batch"] = None
                self.save(state)
                raise BatchFailed(
                    f"batch {batch['id']} failed: "
                    f"{errors[0].get('message') or errors[0].get('code') or '?'}"
                )
            answered = self._collect(http, batch, cache, state)
            state["batch"] = None
            self.save(state)
            self.log(f"batch {batch['id']} {status}: {answered} answers")

    def _offline_output(self, name: str) -> Path:
        return self.dir / name.replace(".jsonl", ".output.jsonl")

    def _offline_hint(self, name: str) -> str:
        return (
            f"the server at {self.base_url} has no Files API: run {self.dir / name} "
            f"offline into {self._offline_output(name)} (e.g. vllm run-batch -i "
            f"{self.dir / name} -o {self._offline_output(name)} --model MODEL), then "
            "rerun the same command"
        )

    def _read_offline(self, state: dict[str, Any], cache: Cache) -> None:
        """Store the answers of the round run offline (``requests-NNN.output.jsonl``)."""
        name = state["offline"]
        path = self._offline_output(name)
        if not path.exists():
            raise BatchNotDone(self._offline_hint(name))
        lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        answered = self._store(lines, cache, state)
        state["offline"] = None
        self.save(state)
        self.log(f"{path.name}: {answered} answers")

    def _wait(self, http: httpx.Client, batch_id: str) -> dict[str, Any]:
        start = time.monotonic()
        while True:
            batch = self._check(http.get(f"/batches/{batch_id}"), f"polling batch {batch_id}")
            data = batch.json()
            if data.get("status") in DONE:
                return data
            if self.wait_seconds is not None and time.monotonic() - start >= self.wait_seconds:
                raise BatchNotDone(
                    f"batch {batch_id} is still {data.get('status')}; rerun the "
                    "same command to resume it"
                )
            time.sleep(self.poll_seconds)

    def _lines(self, http: httpx.Client, file_id: str | None) -> list[dict[str, Any]]:
        if not file_id:
            return []
        text = self._check(
            http.get(f"/files/{file_id}/content"), f"downloading file {file_id}"
        ).text
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def _collect(
        self, http: httpx.Client, batch: dict[str, Any], cache: Cache, state: dict[str, Any]
    ) -> int:
        """Store the answers of ``batch`` in ``cache``; note its errors; count."""
        lines = self._lines(http, batch.get("output_file_id")) + self._lines(
            http, batch.get("error_file_id")
        )
        return self._store(lines, cache, state)

    def _store(self, lines: list[dict[str, Any]], cache: Cache, state: dict[str, Any]) -> int:
        """Store the answers of Batch API output/error ``lines`` in ``cache``; note errors."""
        answered = 0
        attempts: dict[str, int] = state.setdefault("attempts", {})
        for item in lines:
            custom_id = item.get("custom_id")
            response = item.get("response") or {}
            status = response.get("status_code")
            if custom_id is None:
                continue
            if status == 200 and not item.get("error"):
                body = json.dumps(response.get("body")).encode("utf-8")
                try:
                    completion = _parse_completion(httpx.Response(200, content=body))
                except LLMError as exc:
                    self._fail(custom_id, None, str(exc))
                    continue
                cache.put(custom_id, completion.to_cache())
                answered += 1
                for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
                    self._count(f"batch_{name}", int(completion.usage.get(name) or 0))
                continue
            self._count("batch_errors")
            error = item.get("error") or (response.get("body") or {}).get("error") or {}
            message = f"HTTP {status}: " if status else ""
            message += str(error.get("message") or error.get("code") or "error")
            if status and 400 <= status < 500 and status not in (408, 409, 429):
                self._fail(custom_id, status, message)
                continue
            attempts[custom_id] = attempts.get(custom_id, 0) + 1  # 5xx, 429, expired: again
            if attempts[custom_id] > self.max_retries:
                self._fail(custom_id, status, f"{message} (after {attempts[custom_id]} batches)")
        return answered
