"""Tests for runnel.runnables._parallel: branches on the same input, output as a dict."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from runnel.runnables import (
    AddableDict,
    RunnableGenerator,
    RunnableLambda,
    RunnableMap,
    RunnableParallel,
)

from .conftest import Path

pytestmark = pytest.mark.anyio


async def test_invoke_runs_every_branch_on_the_input(path: Path) -> None:
    fan = RunnableParallel(
        {"double": lambda x: x * 2},
        square=RunnableLambda(lambda x: x * x),
        nested={"neg": lambda x: -x},
    )
    assert RunnableMap is RunnableParallel
    assert await path.invoke(fan, 3) == {"double": 6, "square": 9, "nested": {"neg": -3}}
    assert list(fan.steps) == ["double", "square", "nested"]
    assert await path.invoke(RunnableParallel(only=str), 3) == {"only": "3"}


async def test_a_dict_in_a_chain_becomes_a_parallel(path: Path) -> None:
    chain = RunnableLambda(lambda x: x + 1) | {"a": lambda x: x, "b": lambda x: x * 10}
    assert isinstance(chain.last, RunnableParallel)
    assert await path.invoke(chain, 1) == {"a": 2, "b": 20}


async def test_stream_yields_each_branch_chunk_as_it_is_produced(path: Path) -> None:
    got_first = threading.Event()

    def slow(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            yield chunk + "1"
            # Only continues once the consumer has received the first chunk: a
            # parallel that waited for whole branches would time out here.
            assert got_first.wait(10), "the first chunk was held back"
            yield chunk + "2"

    fan = RunnableParallel(a=slow, b=lambda x: x.upper())
    out = []
    if path.is_async:
        async for chunk in fan.astream("x"):
            out.append(chunk)
            got_first.set()
    else:
        for chunk in fan.stream("x"):
            out.append(chunk)
            got_first.set()
    assert all(isinstance(chunk, AddableDict) and len(chunk) == 1 for chunk in out)
    assert [c for c in out if "a" in c] == [{"a": "x1"}, {"a": "x2"}]
    assert [c for c in out if "b" in c] == [{"b": "X"}]


async def test_stream_tees_a_streamed_input_to_every_branch(path: Path) -> None:
    def chars(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            yield from chunk

    chain = chars | RunnableParallel(same=RunnableGenerator(chars), whole=lambda s: s)
    out = await path.stream(chain, "abc")
    assert [c["same"] for c in out if "same" in c] == ["a", "b", "c"]
    assert [c["whole"] for c in out if "whole" in c] == ["abc"]
    assert await path.invoke(chain, "abc") == {"same": "abc", "whole": "abc"}


async def test_max_concurrency_bounds_ainvoke() -> None:
    limit = 2
    running = peak = 0
    full = asyncio.Event()

    async def work(x: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        if running == limit:
            full.set()
        await full.wait()
        for _ in range(5):  # let a branch the bound failed to hold back start
            await asyncio.sleep(0)
        running -= 1
        return x

    fan = RunnableParallel({f"k{i}": work for i in range(6)})
    out = await fan.ainvoke(1, {"max_concurrency": limit})
    assert out == {f"k{i}": 1 for i in range(6)}
    assert peak == limit


def test_max_concurrency_bounds_invoke() -> None:
    limit = 2
    lock = threading.Lock()
    running = peak = 0
    together = threading.Barrier(limit, timeout=10)

    def work(x: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        together.wait()
        with lock:
            running -= 1
        return x

    fan = RunnableParallel({f"k{i}": work for i in range(6)})
    assert fan.invoke(1, {"max_concurrency": limit}) == {f"k{i}": 1 for i in range(6)}
    assert peak == limit


async def test_a_failing_branch_cancels_its_siblings_and_raises_its_error() -> None:
    cancelled: list[str] = []
    started = asyncio.Event()

    async def waits(x: Any) -> Any:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append("waits")
            raise

    async def fails(x: Any) -> Any:
        await started.wait()
        raise ValueError("branch failed")

    fan = RunnableParallel(waits=waits, fails=fails)
    with pytest.raises(ValueError, match="branch failed"):
        await fan.ainvoke(1)
    assert cancelled == ["waits"]


async def test_a_failing_branch_cancels_its_siblings_while_streaming() -> None:
    cancelled: list[str] = []
    started = asyncio.Event()

    async def waits(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for chunk in chunks:
            yield chunk
            started.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append("waits")
                raise

    async def fails(x: Any) -> Any:
        await started.wait()
        raise ValueError("branch failed")

    fan = RunnableParallel(waits=waits, fails=fails)
    got = []
    with pytest.raises(ValueError, match="branch failed"):
        async for chunk in fan.astream(1):
            got.append(chunk)
    assert got == [{"waits": 1}]
    assert cancelled == ["waits"]


async def test_sync_stream_re_raises_a_branch_error(path: Path) -> None:
    def fails(x: Any) -> Any:
        raise KeyError("missing")

    fan = RunnableParallel(ok=lambda x: x, bad=fails)
    with pytest.raises(KeyError, match="missing"):
        await path.stream(fan, 1)
    with pytest.raises(KeyError, match="missing"):
        await path.invoke(fan, 1)


def test_repr_and_output_schema() -> None:
    def count(text: str) -> int:
        return len(text)

    fan = RunnableParallel(n=count)
    assert repr(fan) == "{\n  n: RunnableLambda(count)\n}"
    schema = fan.get_output_jsonschema()
    assert schema["properties"]["n"]["type"] == "integer"
