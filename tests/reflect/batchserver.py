"""A loopback OpenAI Batch API: ``/v1/files`` (upload, content) and ``/v1/batches`` (create,
retrieve), answering each request line with a chat handler as ``FakeLLM`` does.

A batch moves validating -> in_progress -> completed over ``polls`` retrievals (or stays
in_progress while ``hold`` is set). ``fail_next`` makes the next batch fail as a whole (as
input validation does); ``expire_after=N`` makes the next batch answer only its first N lines
and expire the rest (``batch_expired`` lines in the error file). A line whose handler reply
is not a 200 goes to the error file with its status and body, as the Batch API writes it.
"""

from __future__ import annotations

import email.parser
import itertools
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fakellm import Recorded, Reply


class BatchServer:
    """The Files and Batches endpoints on 127.0.0.1, in a daemon thread."""

    def __init__(self, handler: Callable[[Recorded], Reply], polls: int = 2):
        self.handler = handler
        self.polls = polls
        self.hold = False
        self.fail_next = False
        self.expire_after: int | None = None
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.created = 0
        self.lines_answered = 0
        self.auth: list[str | None] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    # -- the API ---------------------------------------------------------------------------
    def upload(self, content_type: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        message = email.parser.BytesParser().parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        parts = {
            p.get_param("name", header="content-disposition"): p for p in message.get_payload()
        }
        if "file" not in parts or (
            parts.get("purpose") is None or parts["purpose"].get_payload(decode=True) != b"batch"
        ):
            return 400, {"error": {"message": "file and purpose=batch are required"}}
        data = parts["file"].get_payload(decode=True)
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = data
        return 200, {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "purpose": "batch",
            "filename": parts["file"].get_filename(),
        }

    def create(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("input_file_id") not in self.files:
            return 404, {"error": {"message": "no such file"}}
        if body.get("endpoint") != "/v1/chat/completions":
            return 400, {"error": {"message": "unsupported endpoint"}}
        batch_id = f"batch_{next(self._ids)}"
        self.created += 1
        self.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "status": "validating",
            "input_file_id": body["input_file_id"],
            "endpoint": body["endpoint"],
            "polls": 0,
            "fail": self.fail_next,
            "expire_after": self.expire_after,
        }
        self.fail_next = False
        self.expire_after = None
        return 200, self.public(batch_id)

    def public(self, batch_id: str) -> dict[str, Any]:
        return {
            k: v
            for k, v in self.batches[batch_id].items()
            if k not in ("polls", "fail", "expire_after")
        }

    def retrieve(self, batch_id: str) -> tuple[int, dict[str, Any]]:
        batch = self.batches.get(batch_id)
        if batch is None:
            return 404, {"error": {"message": "no such batch"}}
        if batch["status"] in ("validating", "in_progress") and not self.hold:
            batch["polls"] += 1
            if batch["fail"]:
                batch["status"] = "failed"
                batch["errors"] = {
                    "data": [{"code": "invalid_request", "message": "line 1: model not available"}]
                }
            elif batch["polls"] >= self.polls:
                self.run(batch)
            else:
                batch["status"] = "in_progress"
        return 200, self.public(batch_id)

    def run(self, batch: dict[str, Any]) -> None:
        out, err = [], []
        lines = self.files[batch["input_file_id"]].decode().splitlines()
        for i, line in enumerate(lines):
            item = json.loads(line)
            cid = item["custom_id"]
            if batch["expire_after"] is not None and i >= batch["expire_after"]:
                err.append(
                    {
                        "id": f"r{i}",
                        "custom_id": cid,
                        "response": None,
                        "error": {
                            "code": "batch_expired",
                            "message": "This request could not be executed before "
                            "the completion window expired.",
                        },
                    }
                )
                continue
            request = Recorded(item["url"], {}, item["body"], time.time())
            reply = self.handler(request)
            body = json.loads(reply.payload() or b"null")
            entry = {
                "id": f"r{i}",
                "custom_id": cid,
                "response": {"status_code": reply.status, "request_id": f"q{i}", "body": body},
                "error": None,
            }
            (out if reply.status == 200 else err).append(entry)
            self.lines_answered += 1
        for name, rows in (("output_file_id", out), ("error_file_id", err)):
            if rows:
                file_id = f"file-{next(self._ids)}"
                self.files[file_id] = "".join(json.dumps(r) + "\n" for r in rows).encode()
                batch[name] = file_id
        batch["status"] = "expired" if batch["expire_after"] is not None else "completed"
        batch["request_counts"] = {"total": len(lines), "completed": len(out), "failed": len(err)}

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> BatchServer:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def reply(self, status: int, body: Any, raw: bytes | None = None) -> None:
                data = raw if raw is not None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                api.auth.append(self.headers.get("Authorization"))
                with api._lock:
                    if self.path == "/v1/files":
                        self.reply(*api.upload(self.headers["Content-Type"], raw))
                    elif self.path == "/v1/batches":
                        self.reply(*api.create(json.loads(raw)))
                    else:
                        self.reply(404, {"error": {"message": f"no route {self.path}"}})

            def do_GET(self) -> None:  # noqa: N802
                parts = self.path.strip("/").split("/")
                with api._lock:
                    if parts[:2] == ["v1", "batches"] and len(parts) == 3:
                        self.reply(*api.retrieve(parts[2]))
                    elif parts[:2] == ["v1", "files"] and parts[3:] == ["content"]:
                        data = api.files.get(parts[2])
                        if data is None:
                            self.reply(404, {"error": {"message": "no such file"}})
                        else:
                            self.reply(200, None, raw=data)
                    else:
                        self.reply(404, {"error": {"message": f"no route {self.path}"}})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> BatchServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
