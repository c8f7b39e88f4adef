"""`FakeProviderServer`: an in-process HTTP server that speaks the providers' protocols.

It serves every provider's routes at once (see `runnel.testing` for the paths), answers
each model request with the next scripted `Reply` rendered in that route's protocol, and
records what it saw: the requests, and every client that went away mid-stream.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anyio.to_thread

from runnel.testing._script import Reply
from runnel.testing._wire import Frame, Request, Response, Route, Stream

__all__ = ["Disconnect", "FakeProviderServer"]

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    408: "Request Timeout",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    529: "Overloaded",
}


@dataclass(frozen=True)
class Disconnect:
    """A client that closed its connection before a stream ended."""

    path: str
    tokens_sent: int


class FakeProviderServer:
    """A scriptable server on 127.0.0.1 (a free port) for the providers' official SDKs.

    Use it as a context manager (``with`` or ``async with``); it runs in a thread of its
    own, so sync and async clients alike can talk to it. Queue replies with `push` (or
    pass them in); each model request takes the next one, or `default` when the queue is
    empty (a 500 error naming the problem when there is none).

    Args:
        replies: Replies to queue.
        default: The reply used once the queue is empty.
        routes: The routes served; by default every provider's.
    """

    def __init__(
        self,
        *replies: Reply,
        default: Reply | None = None,
        routes: Sequence[Route] | None = None,
    ) -> None:
        self.default = default
        self.requests: list[Request] = []
        self.disconnects: list[Disconnect] = []
        self._replies: deque[Reply] = deque(replies)
        self._routes = list(routes) if routes is not None else _default_routes()
        self._lock = threading.Lock()
        self._disconnected = threading.Condition(self._lock)
        self._port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None

    # -- scripting and inspection -----------------------------------------------------------
    @property
    def url(self) -> str:
        """The server's root, ``http://127.0.0.1:<port>`` (append the provider's prefix)."""
        if not self._port:
            raise RuntimeError("FakeProviderServer is not running: use it in a with block")
        return f"http://127.0.0.1:{self._port}"

    def push(self, *replies: Reply | str) -> None:
        """Queue replies (a string is a plain text reply)."""
        with self._lock:
            self._replies.extend(Reply(r) if isinstance(r, str) else r for r in replies)

    def wait_for_disconnect(self, timeout: float = 5.0) -> Disconnect:
        """Block until a client has gone away mid-stream; the first such disconnect.

        Raises:
            TimeoutError: no client went away within `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._disconnected:
            while not self.disconnects:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no client disconnected mid-stream in {timeout}s")
                self._disconnected.wait(left)
            return self.disconnects[0]

    async def await_disconnect(self, timeout: float = 5.0) -> Disconnect:  # noqa: ASYNC109
        """Async twin of `wait_for_disconnect`."""
        return await anyio.to_thread.run_sync(self.wait_for_disconnect, timeout)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Start serving (what entering the context does)."""
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="runnel-fake-provider", daemon=True
        )
        self._thread.start()
        ready.wait()
        if not self._port:
            raise RuntimeError("FakeProviderServer could not start")

    def stop(self) -> None:
        """Stop serving and close every connection (what leaving the context does)."""
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join()
        self._thread = self._loop = None
        self._port = 0

    def __enter__(self) -> FakeProviderServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> FakeProviderServer:
        await anyio.to_thread.run_sync(self.start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await anyio.to_thread.run_sync(self.stop)

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main(ready))
        finally:
            ready.set()
            loop.close()

    async def _main(self, ready: threading.Event) -> None:
        self._stopped = asyncio.Event()
        connections: set[asyncio.Task[None]] = set()

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            connections.add(task)
            try:
                await self._connection(reader, writer)
            except asyncio.CancelledError:
                pass  # the server is stopping: end quietly
            finally:
                connections.discard(task)

        server = await asyncio.start_server(accept, "127.0.0.1", 0)
        self._port = server.sockets[0].getsockname()[1]
        ready.set()
        async with server:
            await self._stopped.wait()
            server.close()
            for task in list(connections):
                task.cancel()
            await asyncio.gather(*connections, return_exceptions=True)

    # -- HTTP -------------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await _read_request(reader)) is not None:
                with self._lock:
                    self.requests.append(request)
                if not await self._respond(request, reader, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    def _next_reply(self) -> Reply | None:
        with self._lock:
            return self._replies.popleft() if self._replies else self.default

    async def _respond(
        self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        route = next((r for r in self._routes if r.matches(request.method, request.path)), None)
        if route is None:
            body = {"error": {"message": f"no fake route for {request.method} {request.path}"}}
            await _write_whole(writer, Response(404, body))
            return True
        reply = self._next_reply() if route.scripted else None
        if route.scripted and reply is None:
            message = "FakeProviderServer has no scripted reply left (push one or set default)"
            body = route.error_body(500, message)
            await _write_whole(writer, Response(500, body, {"x-should-retry": "false"}))
            return True
        if reply is not None and reply.first_byte_delay:
            await asyncio.sleep(reply.first_byte_delay)
        if reply is not None and reply.status >= 400:
            headers = {}
            if reply.retry_after is not None:
                headers["retry-after"] = f"{reply.retry_after:g}"
                headers["retry-after-ms"] = f"{reply.retry_after * 1000:g}"
            body = route.error_body(reply.status, reply.error_message)
            await _write_whole(writer, Response(reply.status, body, headers))
            return True
        answer = route.handler(request, reply)
        if isinstance(answer, Response):
            await _write_whole(writer, answer)
            return True
        return await self._stream(request, reply or Reply(), route, answer, reader, writer)

    async def _stream(
        self,
        request: Request,
        reply: Reply,
        route: Route,
        stream: Stream,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        headers = {
            "content-type": stream.content_type,
            "cache-control": "no-cache",
            "transfer-encoding": "chunked",
            **stream.headers,
        }
        writer.write(_head(200, headers))
        eof = asyncio.ensure_future(reader.read(1))
        tokens = 0
        if reply.drop_after == 0:
            await writer.drain()
            writer.transport.abort()
            eof.cancel()
            return False
        try:
            for frame in _frames(stream, reply, route, tokens_before_error=reply.error_after):
                if frame.token and reply.delay:
                    await asyncio.wait({eof}, timeout=reply.delay)
                if eof.done():
                    self._record_disconnect(request.path, tokens)
                    return False
                writer.write(b"%x\r\n%s\r\n" % (len(frame.data), frame.data))
                await writer.drain()
                if frame.token:
                    tokens += 1
                    if reply.drop_after is not None and tokens >= reply.drop_after:
                        writer.transport.abort()
                        return False
            writer.write(b"0\r\n\r\n")
            await writer.drain()
            return True
        except ConnectionError:
            self._record_disconnect(request.path, tokens)
            return False
        finally:
            eof.cancel()

    def _record_disconnect(self, path: str, tokens: int) -> None:
        with self._disconnected:
            self.disconnects.append(Disconnect(path, tokens))
            self._disconnected.notify_all()


def _frames(
    stream: Stream, reply: Reply, route: Route, tokens_before_error: int | None
) -> Iterable[Frame]:
    """The frames to write, with the reply's faults applied."""
    tokens = 0
    for frame in stream.frames:
        if frame.terminal and not reply.terminal:
            continue
        if tokens_before_error is not None and tokens >= tokens_before_error:
            for data in route.error_frames(reply.error_message):
                yield Frame(data)
            return
        yield frame
        tokens += frame.token


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    line = await reader.readline()
    if not line.strip():
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while size := int((await reader.readline()).split(b";")[0], 16):
            body += await reader.readexactly(size)
            await reader.readline()
        await reader.readline()
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    parts = urlsplit(target)
    return Request(method, parts.path, dict(parse_qsl(parts.query)), headers, body)


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _write_whole(writer: asyncio.StreamWriter, response: Response) -> None:
    body = response.body
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "content-type": "application/json",
        "content-length": str(len(data)),
        **response.headers,
    }
    writer.write(_head(response.status, headers) + data)
    await writer.drain()


def _default_routes() -> list[Route]:
    """Every provider's routes (each provider module lists its own in ``ROUTES``)."""
    import importlib

    routes: list[Route] = []
    for name in ("openai", "anthropic", "google", "cohere", "mistral", "ollama"):
        try:
            module: Any = importlib.import_module(f"runnel.testing._{name}")
        except ModuleNotFoundError as error:
            if error.name != f"runnel.testing._{name}":
                raise
            continue
        routes.extend(module.ROUTES)
    return routes
