"""The asyncio network backend under the LLM client: dropped keep-alive connections, TLS, errors."""

from __future__ import annotations

import asyncio
import json
import ssl

import httpx
import pytest
import trustme

from selfreflect.llm import ConnectionFailed, LLMClient, RetryPolicy, Timeout, Timeouts
from selfreflect.llm.transport import AsyncioStream, AsyncioTransport

ANSWER = json.dumps(
    {
        "choices": [{"message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1},
    }
).encode()
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(ANSWER)).encode()
    + b"\r\n\r\n"
    + ANSWER
)
MSGS = [{"role": "user", "content": "hello"}]


async def one_answer_per_connection(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Answer one request, keep-alive implied, then drop the connection (an idle timeout)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        await reader.readexactly(length)
        writer.write(RESPONSE)
        await writer.drain()
        await asyncio.sleep(0.05)
    except (OSError, asyncio.IncompleteReadError):
        pass  # the client hung up (the untrusted-certificate test)
    finally:
        writer.close()


async def serve(handler, tls: ssl.SSLContext | None = None) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    return server, f"{'https' if tls else 'http'}://localhost:{port}/v1"


async def stop(server: asyncio.Server) -> None:
    """Close the server and let its handlers finish closing their connections."""
    server.close()
    await asyncio.sleep(0.1)


def test_a_connection_the_server_dropped_while_idle_is_not_reused():
    async def go():
        server, url = await serve(one_answer_per_connection)
        client = LLMClient(
            url.replace("localhost", "127.0.0.1"),
            "m",
            concurrency=1,
            retry=RetryPolicy(max_retries=0),
        )
        try:
            first = await client.complete(MSGS)
            await asyncio.sleep(0.3)  # the server has closed the kept-alive connection by now
            second = await client.complete([{"role": "user", "content": "again"}])
        finally:
            await client.aclose()
            await stop(server)
        return first, second, client.usage

    first, second, usage = asyncio.run(go())
    assert first.content == second.content == "hi"
    # no retry was needed: the pool saw the dead connection and opened a new one
    assert usage.counters.get("requests") == 2 and not usage.counters.get("retries")


def test_tls_through_the_asyncio_backend():
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_tls)
    client_tls = ssl.create_default_context()
    ca.configure_trust(client_tls)

    async def go():
        server, url = await serve(one_answer_per_connection, tls=server_tls)
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
        transport = AsyncioTransport(limits=limits, ssl_context=client_tls)
        try:
            async with httpx.AsyncClient(transport=transport) as http:
                response = await http.post(url + "/chat/completions", json={"model": "m"})
                stream = response.extensions["network_stream"]
                return response, stream, stream.get_extra_info("ssl_object")
        finally:
            await stop(server)

    response, stream, ssl_object = asyncio.run(go())
    assert response.json()["choices"][0]["message"]["content"] == "hi"
    assert isinstance(stream, AsyncioStream)
    assert ssl_object is not None and ssl_object.version().startswith("TLS")


def test_an_untrusted_certificate_is_a_connection_failure_not_a_traceback():
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_tls)

    async def go():
        server, url = await serve(one_answer_per_connection, tls=server_tls)
        client = LLMClient(url, "m", retry=RetryPolicy(max_retries=0))  # the system's CAs only
        try:
            await client.complete(MSGS)
        finally:
            await client.aclose()
            await stop(server)

    with pytest.raises(ConnectionFailed, match="CERTIFICATE_VERIFY_FAILED|certificate"):
        asyncio.run(go())


def test_a_server_that_accepts_but_never_answers_hits_the_read_deadline():
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await asyncio.sleep(5)
        finally:
            writer.close()

    async def go():
        server, url = await serve(silent)
        client = LLMClient(
            url,
            "m",
            timeouts=Timeouts(connect=1, read=0.2, total=3),
            retry=RetryPolicy(max_retries=0),
        )
        try:
            await client.complete(MSGS)
        finally:
            await client.aclose()
            await stop(server)

    with pytest.raises(Timeout):
        asyncio.run(go())


def test_a_proxy_from_the_environment_carries_the_requests(monkeypatch):
    request_lines: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_lines.append((await reader.readuntil(b"\r\n")).strip())
        await one_answer_per_connection(reader, writer)

    async def go():
        server, url = await serve(proxy)
        monkeypatch.setenv("HTTP_PROXY", url.removesuffix("/v1").replace("localhost", "127.0.0.1"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        # llm.invalid cannot resolve: only the proxy can answer
        client = LLMClient("http://llm.invalid/v1", "m", retry=RetryPolicy(max_retries=0))
        try:
            return await client.complete(MSGS)
        finally:
            await client.aclose()
            await stop(server)

    assert asyncio.run(go()).content == "hi"
    assert request_lines == [b"POST http://llm.invalid/v1/chat/completions HTTP/1.1"]


def test_loopback_and_no_proxy_hosts_are_never_proxied(monkeypatch):
    from selfreflect.llm.transport import env_proxy

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "models.internal")
    monkeypatch.delenv("no_proxy", raising=False)
    assert env_proxy("https://api.openai.com/v1") == "http://proxy.internal:3128"
    assert env_proxy("http://gpu-box:8000/v1") == "http://proxy.internal:3128"
    assert env_proxy("http://models.internal:8000/v1") is None
    for url in ("http://127.0.0.1:8000/v1", "http://localhost:11434/v1", "http://[::1]:8000/v1"):
        assert env_proxy(url) is None


def test_ssl_cert_file_names_the_trusted_cas(tmp_path, monkeypatch):
    """A private CA named by SSL_CERT_FILE is trusted, as curl, requests and openssl do."""
    from selfreflect.llm import client as client_module

    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_tls)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    cached = getattr(client_module._tls_context, "cache_clear", None)
    if cached:
        cached()

    async def go():
        server, url = await serve(one_answer_per_connection, tls=server_tls)
        client = LLMClient(url, "m", retry=RetryPolicy(max_retries=0))
        try:
            return await client.complete(MSGS)
        finally:
            await client.aclose()
            await stop(server)

    try:
        assert asyncio.run(go()).content == "hi"
    finally:
        if cached:
            cached()


def test_the_transport_uses_public_interfaces_only():
    from pathlib import Path

    import selfreflect.llm.transport as transport

    source = Path(transport.__file__).read_text(encoding="utf-8")
    assert "._pool" not in source and "httpcore._" not in source and "httpx._" not in source
    assert issubclass(AsyncioTransport, httpx.AsyncBaseTransport)
    assert not issubclass(AsyncioTransport, httpx.AsyncHTTPTransport)
