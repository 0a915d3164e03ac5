"""httpx's HTTP transport with httpcore's sockets on plain asyncio streams.

httpcore talks to sockets through a pluggable network backend (``httpcore.AsyncNetworkBackend``).
Its default on asyncio goes through anyio, which opens a cancel scope for every read and write
and rebuilds a dict of socket attributes each time the pool asks whether an idle connection is
still usable. At a few hundred calls per second that layer was a quarter of the LLM step's CPU.
This backend does the same job with ``asyncio.open_connection`` and ``asyncio.timeout``, and
:class:`AsyncioTransport` drives an httpcore connection pool on it behind httpx's public
transport interface (``httpx.AsyncBaseTransport``), mapping httpcore's errors to httpx's.
Behind a proxy from the environment the client uses httpx's own transport instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import select
import socket
import ssl
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator
from typing import Any

import httpcore
import httpx

#: A ``setsockopt`` argument tuple, as httpcore's network backends take it.
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection: an asyncio reader/writer pair with httpcore's timeouts and errors."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Up to ``max_bytes`` bytes; ``b""`` at end of stream."""
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError:
            raise httpcore.ReadTimeout(f"no data for {timeout}s") from None
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Send ``buffer``, waiting while the socket's send buffer is full."""
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError:
            raise httpcore.WriteTimeout(f"could not send for {timeout}s") from None
        except (OSError, RuntimeError) as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        """Close the connection (no TLS close_notify round trip, as httpcore's own backends)."""
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Upgrade this connection to TLS in place."""
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError:
            self._writer.close()
            raise httpcore.ConnectTimeout(f"TLS handshake took over {timeout}s") from None
        except OSError as exc:  # ssl.SSLError included
            self._writer.close()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        """What httpcore asks of a connection: TLS object, addresses, socket, readability."""
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":
            # an idle connection is "readable" when the server closed it or sent something
            return (
                self._reader.at_eof()
                or self._writer.is_closing()
                or self._reader.exception() is not None
                or is_socket_readable(self._writer.get_extra_info("socket"))
            )
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Opens :class:`AsyncioStream` connections."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """A TCP connection (asyncio sets TCP_NODELAY itself)."""
        local = (local_address, 0) if local_address else None
        return await _connect(
            asyncio.open_connection(host, port, local_addr=local), timeout, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """A Unix-socket connection."""
        return await _connect(asyncio.open_unix_connection(path), timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        """Pause this task."""
        await asyncio.sleep(seconds)


async def _connect(
    opening: Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]],
    timeout: float | None,
    options: Iterable[SocketOption] | None,
) -> AsyncioStream:
    """Await a connection within ``timeout``, set the socket options, map errors to httpcore's."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await opening
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"connect took over {timeout}s") from None
    except OSError as exc:
        raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
    sock: socket.socket = writer.get_extra_info("socket")
    for option in options or ():
        sock.setsockopt(*option)
    return AsyncioStream(reader, writer)


def is_socket_readable(sock: socket.socket | None) -> bool:
    """True when an idle socket has data or was closed by the other side (poll, no wait)."""
    if sock is None or sock.fileno() < 0:
        return True
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll() on this platform
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)


#: httpcore's exceptions and the httpx ones the client (and httpx's own transport) raises.
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
)


@contextlib.contextmanager
def httpx_errors() -> Iterator[None]:
    """Raise httpcore's transport errors as the matching httpx ones."""
    try:
        yield
    except Exception as exc:
        for theirs, ours in _ERRORS:
            if isinstance(exc, theirs):
                raise ours(str(exc) or type(exc).__name__) from exc
        raise


class _ResponseStream(httpx.AsyncByteStream):
    """An httpcore response body as httpx reads it, with errors mapped."""

    def __init__(self, stream: Any):
        self.stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with httpx_errors():
            async for chunk in self.stream:
                yield chunk

    async def aclose(self) -> None:
        if hasattr(self.stream, "aclose"):
            with httpx_errors():
                await self.stream.aclose()


class AsyncioTransport(httpx.AsyncBaseTransport):
    """An httpx transport over an httpcore connection pool that runs on :class:`AsyncioBackend`.

    The same pool as ``httpx.AsyncHTTPTransport`` builds (limits, TLS context, socket options),
    reached through public interfaces only: httpx's transport API and httpcore's pool and
    network-backend API.
    """

    def __init__(
        self,
        *,
        limits: httpx.Limits,
        ssl_context: ssl.SSLContext | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ):
        self.pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            socket_options=socket_options,
            network_backend=AsyncioBackend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request through the pool; the body is streamed back."""
        url = request.url
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,  # type: ignore[arg-type]  # an async byte stream
            extensions=request.extensions,
        )
        with httpx_errors():
            response = await self.pool.handle_async_request(core)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close every connection of the pool."""
        await self.pool.aclose()


def env_proxy(url: str) -> str | None:
    """The proxy the environment sets for ``url`` (HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, minus
    NO_PROXY), as httpx and openai-python honour it; never for a loopback server."""
    target = httpx.URL(url)
    host = target.host
    if host == "localhost" or _is_loopback(host) or urllib.request.proxy_bypass(host):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(target.scheme) or proxies.get("all")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
