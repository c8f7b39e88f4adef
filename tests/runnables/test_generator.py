"""Tests for runnel.runnables._generator: generator functions over the input stream."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from runnel.runnables import RunnableConfig, RunnableGenerator, RunnableLambda

from .conftest import Path

pytestmark = pytest.mark.anyio


def chars(chunks: Iterator[str]) -> Iterator[str]:
    for chunk in chunks:
        yield from chunk


async def achars(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    async for chunk in chunks:
        for ch in chunk:
            yield ch


async def test_sync_generator_under_every_path(path: Path) -> None:
    # langchain-core refuses a sync generator under astream; runnel runs it.
    runnable = RunnableGenerator(chars)
    assert await path.stream(runnable, "ab") == ["a", "b"]
    assert await path.invoke(runnable, "ab") == "ab"
    assert await path.transform(runnable, ["ab", "c"]) == ["a", "b", "c"]


async def test_sync_generator_under_astream_runs_in_a_worker_thread() -> None:
    threads = []

    def record(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            threads.append(threading.get_ident())
            yield chunk

    assert [c async for c in RunnableGenerator(record).astream("x")] == ["x"]
    assert threads and threading.get_ident() not in threads


async def test_async_generator() -> None:
    runnable = RunnableGenerator(achars)
    assert [c async for c in runnable.astream("ab")] == ["a", "b"]
    assert await runnable.ainvoke("ab") == "ab"
    with pytest.raises(TypeError, match="achars is an async generator: use astream"):
        list(runnable.stream("ab"))


async def test_sync_and_async_twins_are_each_used_by_their_path(path: Path) -> None:
    async def atwin(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        async for _ in chunks:
            yield "async"

    def twin(chunks: Iterator[str]) -> Iterator[str]:
        for _ in chunks:
            yield "sync"

    runnable = RunnableGenerator(twin, atwin)
    assert await path.stream(runnable, "x") == ["async" if path.is_async else "sync"]


async def test_a_generator_function_in_a_chain_becomes_a_generator_step(path: Path) -> None:
    chain = RunnableLambda(lambda x: x) | chars
    assert isinstance(chain.last, RunnableGenerator)
    assert chain.last.get_name() == "chars"
    assert await path.stream(chain, "xy") == ["x", "y"]
    achain = RunnableLambda(lambda x: x) | achars
    assert isinstance(achain.last, RunnableGenerator)
    assert [c async for c in achain.astream("xy")] == ["x", "y"]


async def test_generator_with_a_config_parameter(path: Path) -> None:
    def tagged(chunks: Iterator[str], config: RunnableConfig) -> Iterator[Any]:
        for chunk in chunks:
            yield (chunk, config["tags"])

    out = await path.stream(RunnableGenerator(tagged), "x", {"tags": ["t"]})
    assert out == [("x", ["t"])]


def test_a_generator_step_needs_a_callable() -> None:
    with pytest.raises(TypeError, match="needs a generator function, got int"):
        RunnableGenerator(3)  # type: ignore[arg-type]


class Doubled:
    """A callable object whose `__call__` is an async generator over the input stream."""

    async def __call__(self, chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        async for chunk in chunks:
            yield chunk * 2


async def test_an_async_generator_callable_object() -> None:
    runnable = RunnableGenerator(Doubled())
    assert [c async for c in runnable.astream("a")] == ["aa"]
    with pytest.raises(TypeError, match="is an async generator"):
        list(runnable.stream("a"))
