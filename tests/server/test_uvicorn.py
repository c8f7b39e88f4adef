"""The streaming lifecycle on a real uvicorn over TCP: disconnects, heartbeats, shutdown."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from tests.server._live import live_server

from runnel.runnables import RunnableGenerator, RunnableLambda
from runnel.server import ServerSettings, add_routes

CORE_ONLY = ("playground", "openai", "vercel")


class Probe:
    """What a generator on the server did, visible from the test thread."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.closed = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.release: asyncio.Event | None = None

    def open_gate(self) -> None:
        assert self.loop is not None and self.release is not None
        self.loop.call_soon_threadsafe(self.release.set)


def hanging(probe: Probe, first: str | None = "first") -> RunnableGenerator:
    """Yields `first` (if any), then waits for the gate, then yields "second"."""

    async def gen(inputs: AsyncIterator[Any]) -> AsyncIterator[str]:
        async for _ in inputs:
            pass
        probe.loop = asyncio.get_running_loop()
        probe.release = asyncio.Event()
        probe.started.set()
        try:
            if first is not None:
                yield first
            await probe.release.wait()
            yield "second"
        finally:
            probe.closed.set()

    return RunnableGenerator(gen)


def app_for(runnable: Any, **options: Any) -> tuple[Starlette, ServerSettings]:
    app = Starlette()
    settings = add_routes(app, runnable, "/r", disabled_endpoints=CORE_ONLY, **options)
    return app, settings


def sse_lines(response: httpx.Response) -> Iterator[str]:
    """The response's lines. Keep a reference while the connection must stay open: a line
    iterator that is dropped (a `for` left by `break`) closes the connection."""
    return response.iter_lines()


def test_client_disconnect_cancels_the_stream_at_once() -> None:
    probe = Probe()
    app, _ = app_for(hanging(probe))
    with live_server(app) as url, httpx.Client(timeout=10) as client:
        with client.stream("POST", f"{url}/r/stream", json={"input": "x"}) as response:
            lines = sse_lines(response)
            for line in lines:
                if line == 'data: "first"':
                    break
            assert not probe.closed.wait(0.2)  # still connected: still running
        # leaving the block closes the connection mid-stream
        assert probe.closed.wait(5), "the run was not cancelled when the client left"


def test_client_disconnect_before_the_first_event_cancels_the_run() -> None:
    probe = Probe()
    app, _ = app_for(hanging(probe, first=None), heartbeat=0)
    with live_server(app) as url:
        host, port = url.removeprefix("http://").split(":")
        body = b'{"input": "x"}'
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(
                b"POST /r/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            assert probe.started.wait(5)
        assert probe.closed.wait(5)


def test_client_disconnect_cancels_an_invoke() -> None:
    started, cancelled = threading.Event(), threading.Event()

    async def slow(x: Any) -> Any:
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()

    app, _ = app_for(RunnableLambda(slow))
    with live_server(app) as url:
        host, port = url.removeprefix("http://").split(":")
        body = b'{"input": 1}'
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(
                b"POST /r/invoke HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            assert started.wait(5)
        assert cancelled.wait(5), "the invoke kept running after the client left"


def test_heartbeat_on_the_wire_while_idle() -> None:
    probe = Probe()
    app, _ = app_for(hanging(probe), heartbeat=0.05)
    seen: list[str] = []
    with (
        live_server(app) as url,
        httpx.Client(timeout=10) as client,
        client.stream("POST", f"{url}/r/stream", json={"input": "x"}) as response,
    ):
        pings = 0
        lines = sse_lines(response)
        for line in lines:
            seen.append(line)
            if line.startswith(": ping - "):
                pings += 1
                if pings == 2:
                    probe.open_gate()
            if line == "event: end":
                break
    events = [line for line in seen if line.startswith(("event:", "data:", ":"))]
    first, second = events.index('data: "first"'), events.index('data: "second"')
    between = events[first + 1 : second - 1]  # up to the "event: data" of "second"
    assert len(between) >= 2
    assert all(line.startswith(": ping - ") for line in between)


def test_heartbeat_holds_the_status_until_the_first_tick() -> None:
    probe = Probe()
    app, _ = app_for(hanging(probe, first=None), heartbeat=0.05)
    with (
        live_server(app) as url,
        httpx.Client(timeout=10) as client,
        client.stream("POST", f"{url}/r/stream", json={"input": "x"}) as response,
    ):
        # headers arrived although no event exists yet: the first ping released them
        assert response.status_code == 200
        lines = sse_lines(response)
        assert next(lines).startswith(": ping - ")
        probe.open_gate()
        rest = list(lines)
    assert 'data: "second"' in rest and "event: end" in rest


def test_shutdown_ends_open_streams_with_a_terminal_event() -> None:
    probe = Probe()
    app, settings = app_for(hanging(probe))
    with (
        live_server(app) as url,
        httpx.Client(timeout=10) as client,
        client.stream("POST", f"{url}/r/stream", json={"input": "x"}) as response,
    ):
        lines = sse_lines(response)
        for line in lines:
            if line == 'data: "first"':
                break
        settings.shutdown.trigger()
        rest = [line for line in lines if line]
    assert rest == [
        "event: error",
        'data: {"status_code": 503, "message": "server is shutting down; retry the request", '
        '"type": "ServerShuttingDown"}',
    ]
    assert probe.closed.wait(5)


def test_a_client_that_stops_reading_is_dropped_after_send_timeout() -> None:
    closed = threading.Event()
    produced: list[int] = []

    async def flood(inputs: AsyncIterator[Any]) -> AsyncIterator[str]:
        async for _ in inputs:
            pass
        try:
            while True:
                produced.append(1)
                yield "x" * 65536
        finally:
            closed.set()

    app, _ = app_for(RunnableGenerator(flood), send_timeout=0.3)
    with live_server(app) as url:
        host, port = url.removeprefix("http://").split(":")
        body = b'{"input": "x"}'
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect((host, int(port)))
            sock.sendall(
                b"POST /r/stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            # never read: the server must give up on its own
            assert closed.wait(10), "the stalled stream was never dropped"
    assert len(produced) < 2000  # bounded: it stopped producing


@pytest.mark.parametrize("endpoint", ["stream_events", "stream_log"])
def test_event_streams_disconnect_too(endpoint: str) -> None:
    probe = Probe()
    app, _ = app_for(hanging(probe))
    with live_server(app) as url, httpx.Client(timeout=10) as client:
        with client.stream("POST", f"{url}/r/{endpoint}", json={"input": "x"}) as response:
            lines = sse_lines(response)
            for line in lines:
                if line.startswith("data:") and "first" in line:
                    json.loads(line[6:])
                    break
            assert not probe.closed.wait(0.2)
        assert probe.closed.wait(5)
