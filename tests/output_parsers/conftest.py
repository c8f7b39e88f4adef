"""Fixtures for the output parser tests: one test drives both the sync and the async path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from runnel.runnables import Runnable

Collect = Callable[[Runnable[Any, Any], list[Any]], Awaitable[list[Any]]]


@pytest.fixture(params=["sync", "async"])
def collect(request: pytest.FixtureRequest) -> Collect:
    """Feed chunks to `transform` (sync) or `atransform` (async) and return the outputs."""

    async def run(parser: Runnable[Any, Any], chunks: list[Any]) -> list[Any]:
        if request.param == "sync":
            return list(parser.transform(iter(chunks)))

        async def source() -> AsyncIterator[Any]:
            for chunk in chunks:
                yield chunk

        return [value async for value in parser.atransform(source())]

    return run


@pytest.fixture(params=["sync", "async"])
def interleave(request: pytest.FixtureRequest) -> Collect:
    """Like `collect`, but return the log of inputs read (``("in", chunk)``) and outputs
    produced, in the order they happened: it shows when each value was yielded."""

    async def run(parser: Runnable[Any, Any], chunks: list[Any]) -> list[Any]:
        log: list[Any] = []
        if request.param == "sync":

            def source() -> Iterator[Any]:
                for chunk in chunks:
                    log.append(("in", chunk))
                    yield chunk

            for value in parser.transform(source()):
                log.append(value)
            return log

        async def asource() -> AsyncIterator[Any]:
            for chunk in chunks:
                log.append(("in", chunk))
                yield chunk

        async for value in parser.atransform(asource()):
            log.append(value)
        return log

    return run
