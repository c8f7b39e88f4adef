"""Server-sent events: the framing, and a response that streams them well.

`EventStreamResponse` is Starlette's `StreamingResponse` with the lifecycle a model stream
needs (sse-starlette is not used: importing it patches uvicorn globally):

* the status line waits for the first frame (or the first heartbeat tick), so a failure
  before any output is a real HTTP status with a JSON body;
* a `: ping` comment only after `heartbeat` seconds without a frame;
* a client that disconnects, or stops reading for `send_timeout` seconds, cancels the
  run at once and its generator is closed (`aclose`) so provider streams close too;
* when the server begins to shut down an open stream gets a terminal frame and ends.

Frames come from an async iterable of bytes run in a task of its own, so the response can
wait on it with a timeout without cancelling the generator; frames that pile up while a
write is in progress go out together in the next one.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from dataclasses import dataclass

import anyio
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from runnel.server._shutdown import Shutdown

__all__ = ["SSE_HEADERS", "EventStreamResponse", "comment", "frame", "ping"]

SSE_HEADERS = {"Cache-Control": "no-cache", "Connection": "keep-alive", "X-Accel-Buffering": "no"}
"""Headers every event stream carries (LangServe's, via sse-starlette 1.8)."""

_SEP = "\r\n"
_CLEANUP_SECONDS = 5.0


def frame(event: str | None = None, data: str | None = None, *, id: str | None = None) -> bytes:
    """One SSE event, CRLF-separated: `event: <name>`, `data: <line>` per line, blank line.

    `frame("end")` is an event with no data; `frame(data="[DONE]")` has no event name.
    """
    lines: list[str] = []
    if id is not None:
        lines.append(f"id: {id}")
    if event is not None:
        lines.append(f"event: {event}")
    if data is not None:
        lines.extend(f"data: {line}" for line in data.splitlines() or [""])
    lines.append("")
    return (_SEP.join(lines) + _SEP).encode("utf-8")


def comment(text: str) -> bytes:
    """An SSE comment line (ignored by clients), e.g. a heartbeat."""
    return f": {text}{_SEP}{_SEP}".encode()


def ping() -> bytes:
    """The heartbeat comment, as sse-starlette writes it: `: ping - <UTC time>`."""
    return comment(f"ping - {datetime.datetime.now(datetime.UTC)}")


@dataclass(slots=True)
class _Failure:
    error: Exception


class _Done:
    pass


_DONE = _Done()
_BUFFER_BYTES = 64 * 1024


class _FrameBuffer:
    """Frames on their way from the run to the socket: coalesced, bounded in bytes.

    The producer `put`s frames (waiting while `limit` bytes are unsent) and finally
    `close`s with how the run ended; the sender `take`s everything buffered at once, so a
    fast run costs one write per wake-up rather than one per frame. asyncio only.
    """

    __slots__ = ("_loop", "_reader", "_writer", "end", "frames", "limit", "size")

    def __init__(self, limit: int = _BUFFER_BYTES) -> None:
        self.frames: list[bytes] = []
        self.size = 0
        self.limit = limit
        self.end: _Failure | _Done | None = None
        self._loop = asyncio.get_running_loop()
        self._reader: asyncio.Future[None] | None = None
        self._writer: asyncio.Future[None] | None = None

    async def put(self, frame: bytes) -> None:
        """Queue a frame; wait while the buffer is full."""
        self.frames.append(frame)
        self.size += len(frame)
        _wake(self._reader)
        while self.size >= self.limit:
            self._writer = self._loop.create_future()
            await self._writer

    def close(self, end: _Failure | _Done) -> None:
        """The run ended (after its last `put`)."""
        self.end = end
        _wake(self._reader)

    async def take(self, idle: float | None) -> list[bytes] | None:
        """Everything buffered (possibly nothing once closed); None after `idle` seconds."""
        if not self.frames and self.end is None:
            reader = self._reader = self._loop.create_future()
            timer = self._loop.call_later(idle, _wake, reader) if idle else None
            try:
                await reader
            finally:
                self._reader = None
                if timer is not None:
                    timer.cancel()
            if not self.frames and self.end is None:
                return None
        frames, self.frames, self.size = self.frames, [], 0
        _wake(self._writer)
        return frames


def _wake(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


@dataclass(slots=True)
class _State:
    started: bool = False
    finished: bool = False
    disconnected: bool = False
    shutting_down: bool = False


class EventStreamResponse(StreamingResponse):
    """Stream SSE frames with hold-until-first-frame, idle heartbeats and clean endings.

    Args:
        content: The frames (bytes), terminal frame included (e.g. `event: end`).
        on_error: Frames to send when `content` raises after the response started.
        error_response: The response for an error before the first frame.
        on_shutdown: Frames that end an open stream when the server shuts down.
        heartbeat: Seconds of silence before a ping (0 = no pings, and the response
            waits for the first frame however long it takes).
        send_timeout: Seconds one write may take before the client is given up on.
        shutdown: The server's shutdown signal (None = not watched).
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        content: AsyncIterable[bytes],
        *,
        on_error: Callable[[Exception], bytes],
        error_response: Callable[[Exception], Response],
        on_shutdown: bytes = b"",
        heartbeat: float = 15.0,
        send_timeout: float | None = 30.0,
        shutdown: Shutdown | None = None,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(
            content,
            headers={**SSE_HEADERS, **(headers or {})},
            media_type=media_type,
            background=background,
        )
        self._content = content
        self._on_error = on_error
        self._error_response = error_response
        self._on_shutdown = on_shutdown
        self._heartbeat = heartbeat
        self._send_timeout = send_timeout
        self._shutdown = shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = _State()
        buffer = _FrameBuffer()
        early_error: list[Exception] = []
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self._produce, buffer)
            tasks.start_soon(self._watch_disconnect, receive, state, tasks.cancel_scope)
            if self._shutdown is not None:
                tasks.start_soon(self._watch_shutdown, self._shutdown, state, tasks.cancel_scope)
            await self._deliver(buffer, send, state, early_error)
            tasks.cancel_scope.cancel()
        if state.disconnected:
            return
        if early_error:
            await self._error_response(early_error[0])(scope, receive, send)
        elif state.shutting_down and not state.finished:
            await self._end_for_shutdown(scope, receive, send, state)
        if self.background is not None and state.finished:
            await self.background()

    async def _produce(self, buffer: _FrameBuffer) -> None:
        iterator: AsyncIterator[bytes] = aiter(self._content)
        try:
            async for chunk in iterator:
                await buffer.put(chunk)
        except Exception as exc:
            buffer.close(_Failure(exc))
        else:
            buffer.close(_DONE)
        finally:
            closer = getattr(iterator, "aclose", None)
            if closer is not None:
                with anyio.move_on_after(_CLEANUP_SECONDS, shield=True):
                    await closer()

    async def _deliver(
        self,
        buffer: _FrameBuffer,
        send: Send,
        state: _State,
        early_error: list[Exception],
    ) -> None:
        heartbeat = self._heartbeat if self._heartbeat > 0 else None
        frames = await buffer.take(heartbeat)
        if frames == [] and isinstance(buffer.end, _Failure):
            early_error.append(buffer.end.error)
            return
        state.started = True
        if not await self._send(send, state, start=True):
            return
        while True:
            body = ping() if frames is None else b"".join(frames)
            if body and not await self._send(send, state, body):
                return
            if frames is not None and buffer.end is not None and not buffer.frames:
                break
            frames = await buffer.take(heartbeat)
        if isinstance(buffer.end, _Failure) and not await self._send(
            send, state, self._on_error(buffer.end.error)
        ):
            return
        if await self._send(send, state, b"", more_body=False):
            state.finished = True

    async def _send(
        self,
        send: Send,
        state: _State,
        body: bytes = b"",
        *,
        start: bool = False,
        more_body: bool = True,
    ) -> bool:
        """Write one message; False (and the stream abandoned) if the client stalls."""
        message: Message = (
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
            if start
            else {"type": "http.response.body", "body": body, "more_body": more_body}
        )
        try:
            async with asyncio.timeout(self._send_timeout):
                await send(message)
        except TimeoutError:
            state.disconnected = True
            return False
        return True

    @staticmethod
    async def _watch_disconnect(receive: Receive, state: _State, scope: anyio.CancelScope) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                state.disconnected = True
                scope.cancel()
                return

    @staticmethod
    async def _watch_shutdown(shutdown: Shutdown, state: _State, scope: anyio.CancelScope) -> None:
        await shutdown.wait()
        state.shutting_down = True
        scope.cancel()

    async def _end_for_shutdown(
        self, scope: Scope, receive: Receive, send: Send, state: _State
    ) -> None:
        if not state.started:
            from runnel.server._errors import HTTPProblem

            problem = HTTPProblem(503, "server is shutting down", headers={"Retry-After": "1"})
            await self._error_response(problem)(scope, receive, send)
            return
        with anyio.move_on_after(self._send_timeout or _CLEANUP_SECONDS):
            await send(
                {"type": "http.response.body", "body": self._on_shutdown, "more_body": False}
            )
            state.finished = True
