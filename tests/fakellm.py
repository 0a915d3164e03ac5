"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks (no mocks).

``FakeLLM`` serves ``POST /v1/chat/completions`` from a background thread. Each request is
answered by the next scripted :class:`Reply` in the queue, else by ``handler(request)``. Every
request is recorded (path, headers, JSON body) and counted, so tests assert on prompts and on how
many calls were paid.

    with FakeLLM(handler=lambda req: chat('{"verdict": "keep"}')) as llm:
        llm.script(error(429, retry_after="1"), chat("hello"))
        client = LLMClient(base_url=llm.base_url, model="m")
"""

from __future__ import annotations

import email.utils
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted HTTP answer: status, body, headers and timing."""

    status: int = 200
    body: Any = None  # dict -> JSON, str/bytes -> raw
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait before sending anything.
    delay: float = 0.0
    #: Send the body in this many chunks with ``chunk_delay`` seconds between them.
    chunks: int = 1
    chunk_delay: float = 0.0
    #: Announce the full Content-Length but send only this many bytes, then close.
    cut_at: int | None = None

    def payload(self) -> bytes:
        """The body as bytes."""
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Recorded:
    """A request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: Any
    at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages sent."""
        return self.body.get("messages", []) if isinstance(self.body, dict) else []

    @property
    def prompt(self) -> str:
        """All message contents joined, for substring assertions."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


def chat(
    content: str,
    finish_reason: str = "stop",
    prompt_tokens: int = 10,
    completion_tokens: int = 5,
    **reply: Any,
) -> Reply:
    """A 200 chat completion whose single choice says ``content``."""
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return Reply(200, body, **reply)


def chat_json(obj: Any, fenced: bool = False, lead: str = "", **reply: Any) -> Reply:
    """A completion whose content is ``obj`` as JSON, optionally fenced or after some text."""
    text = json.dumps(obj, ensure_ascii=False)
    if fenced:
        text = f"```json\n{text}\n```"
    return chat(lead + text, **reply)


def error(
    status: int,
    retry_after: str | None = None,
    retry_after_ms: int | None = None,
    message: str = "error",
    **reply: Any,
) -> Reply:
    """An error answer in the OpenAI shape, with optional Retry-After headers."""
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    if retry_after_ms is not None:
        headers["retry-after-ms"] = str(retry_after_ms)
    body = {"error": {"message": message, "type": "fake", "code": status}}
    return Reply(status, body, headers=headers, **reply)


def http_date(seconds_from_now: float) -> str:
    """An HTTP-date ``seconds_from_now`` in the future (for Retry-After)."""
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


Handler = Callable[[Recorded], Reply]


class _Server(ThreadingHTTPServer):
    """A thread per connection; a listen backlog deep enough for 64+ simultaneous connects."""

    daemon_threads = True
    request_queue_size = 512

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up mid-answer (a run that stopped) is not the server's error."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class FakeLLM:
    """The loopback server: scripted replies first, then ``handler``; records every request."""

    def __init__(self, handler: Handler | None = None, latency: float = 0.0):
        self.handler = handler
        self.latency = latency
        self.requests: list[Recorded] = []
        self._queue: deque[Reply | Handler] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        #: Set by stop(): replies still waiting out a delay give up at once.
        self._stopped = threading.Event()

    # -- scripting ---------------------------------------------------------------------
    def script(self, *replies: Reply | Handler) -> FakeLLM:
        """Queue replies (or per-request functions) for the next requests, in order."""
        with self._lock:
            self._queue.extend(replies)
        return self

    @property
    def calls(self) -> int:
        """How many chat-completion requests reached the server."""
        with self._lock:
            return len(self.requests)

    @property
    def base_url(self) -> str:
        """The ``/v1`` base URL clients should use."""
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def _next(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            item = self._queue.popleft() if self._queue else None
        if item is None:
            if self.handler is None:
                return error(500, message="FakeLLM: nothing scripted")
            item = self.handler
        return item if isinstance(item, Reply) else item(request)

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> FakeLLM:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # no Nagle: headers and body go out at once (no 40 ms delayed-ACK stalls)
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw) if raw else None
                except json.JSONDecodeError:
                    body = raw.decode("utf-8", "replace")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(error(404, message=f"no route {self.path}"))
                    return
                request = Recorded(self.path, dict(self.headers.items()), body, time.time())
                reply = fake._next(request)
                if fake.latency:
                    time.sleep(fake.latency)
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                if reply.delay and fake._stopped.wait(reply.delay):
                    self.close_connection = True
                    return  # stopped while hanging: answer nothing
                data = reply.payload()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.cut_at is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                try:
                    if reply.cut_at is not None:
                        self.wfile.write(data[: reply.cut_at])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    n = max(1, reply.chunks)
                    step = max(1, -(-len(data) // n))
                    for i in range(0, len(data), step):
                        if i and reply.chunk_delay and fake._stopped.wait(reply.chunk_delay):
                            self.close_connection = True
                            return
                        self.wfile.write(data[i : i + step])
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        self._stopped.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.02,), name="fakellm", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (replies still delayed are dropped)."""
        self._stopped.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


REFLECTION = {
    "verdict": "revise",
    "critique": "The later turns show the answer missed the point.",
    "evidence_turns": [2],
    "revised_answer": "A better first answer.",
}


async def serve_fixed(reply: Reply, latency: float, ready: Callable[[str], None]) -> None:
    """A single-threaded asyncio server answering every request with ``reply`` after
    ``latency`` seconds (for benchmarks: no thread or GIL contention on the server side)."""
    import asyncio

    data = reply.payload()
    head = (
        f"HTTP/1.1 {reply.status} OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                header = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in header.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                await asyncio.sleep(latency)
                writer.write(head + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    host, port = server.sockets[0].getsockname()[:2]
    ready(f"http://{host}:{port}/v1")
    async with server:
        await server.serve_forever()


def serve_forever(latency: float = 0.0, fast: bool = False) -> None:
    """Run a server in the foreground and print its base URL (benchmarks, manual tries)."""
    reply = chat_json(REFLECTION)
    if fast:
        import asyncio

        asyncio.run(serve_fixed(reply, latency, lambda url: print(url, flush=True)))
        return
    with FakeLLM(lambda r: reply, latency) as fake:
        print(fake.base_url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="a loopback OpenAI-compatible fake server")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument(
        "--fast",
        action="store_true",
        help="single-threaded asyncio server, one fixed reply (benchmarks)",
    )
    args = parser.parse_args()
    serve_forever(args.latency, args.fast)
