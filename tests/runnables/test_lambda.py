"""Tests for runnel.runnables._lambda: functions as runnables, and the `chain` decorator."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from runnel.exceptions import RecursionLimitError, RunnelError
from runnel.runnables import (
    Runnable,
    RunnableConfig,
    RunnableGenerator,
    RunnableLambda,
    chain,
)

from .conftest import Path

pytestmark = pytest.mark.anyio


async def test_plain_function(path: Path) -> None:
    add_one = RunnableLambda(lambda x: x + 1)
    assert await path.invoke(add_one, 1) == 2
    assert await path.stream(add_one, 1) == [2]
    assert await path.transform(RunnableLambda(lambda s: s + "!"), ["a", "b"]) == ["ab!"]


async def test_async_function(path: Path) -> None:
    async def add_one(x: int) -> int:
        return x + 1

    runnable = RunnableLambda(add_one)
    if path.is_async:
        assert await runnable.ainvoke(1) == 2
        assert [c async for c in runnable.astream(1)] == [2]
    else:
        with pytest.raises(TypeError, match="add_one is an async function: use ainvoke"):
            runnable.invoke(1)
        with pytest.raises(TypeError, match="add_one is an async function"):
            list(runnable.stream(1))


async def test_sync_and_async_twins_are_each_used_by_their_path(path: Path) -> None:
    async def afunc(x: int) -> str:
        return "async"

    runnable = RunnableLambda(lambda x: "sync", afunc)
    assert await path.invoke(runnable, 1) == ("async" if path.is_async else "sync")
    with pytest.raises(TypeError, match="pass the sync version as func"):
        RunnableLambda(afunc, afunc)


async def test_a_sync_function_runs_in_a_worker_thread_under_ainvoke() -> None:
    threads = []
    runnable = RunnableLambda(lambda x: threads.append(threading.get_ident()))
    await runnable.ainvoke(1)
    await runnable.ainvoke(2, {"callbacks": []})
    assert len(threads) == 2
    assert threading.get_ident() not in threads


async def test_function_with_a_config_parameter_receives_the_config(path: Path) -> None:
    def read(x: int, config: RunnableConfig) -> Any:
        return (x, config["tags"], config["metadata"], config["configurable"])

    out = await path.invoke(
        RunnableLambda(read), 1, {"tags": ["t"], "metadata": {"m": 1}, "thread_id": "th"}
    )
    assert out == (1, ["t"], {"m": 1}, {"thread_id": "th"})


async def test_async_function_with_a_config_parameter() -> None:
    async def read(x: int, config: RunnableConfig) -> Any:
        return config["tags"]

    assert await RunnableLambda(read).ainvoke(1, {"tags": ["a"]}) == ["a"]


async def test_a_returned_runnable_is_invoked_on_the_same_input(path: Path) -> None:
    double = RunnableLambda(lambda x: x * 2)
    router = RunnableLambda(lambda x: double if x > 0 else (lambda y: -y) | double)
    assert await path.invoke(router, 3) == 6
    assert await path.invoke(router, -3) == 6
    assert await path.stream(router, 4) == [8]


async def test_a_returned_runnable_streams(path: Path) -> None:
    def chars(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            yield from chunk

    router = RunnableLambda(lambda x: RunnableGenerator(chars))
    assert await path.stream(router, "ab") == ["a", "b"]


async def test_recursion_limit(path: Path) -> None:
    recursive = RunnableLambda(lambda n: n if n == 0 else recurse)
    recurse: Runnable[Any, Any] = recursive
    with pytest.raises(RecursionLimitError) as info:
        await path.invoke(recursive, 1, {"recursion_limit": 5})
    assert isinstance(info.value, RecursionError)
    assert isinstance(info.value, RunnelError)
    assert "Recursion limit reached when invoking RunnableLambda" in str(info.value)
    assert "recursion_limit" in str(info.value)
    with pytest.raises(RecursionError):
        await path.stream(recursive, 1, {"recursion_limit": 5})
    # Each returned runnable uses up one level: 3 levels need a limit of 3.
    steps = RunnableLambda(lambda n: n if n == 0 else steps_down)
    steps_down = RunnableLambda(lambda n: n - 1) | steps
    assert await path.invoke(steps, 3, {"recursion_limit": 3}) == 0
    with pytest.raises(RecursionLimitError):
        await path.invoke(steps, 3, {"recursion_limit": 2})


async def test_generator_function_streams_its_items_after_its_whole_input(path: Path) -> None:
    seen = []

    def words(text: str) -> Iterator[str]:
        seen.append(text)
        for word in text.split():
            yield word + " "

    def chars(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            yield from chunk

    runnable = RunnableLambda(words)
    assert await path.stream(runnable, "a bc") == ["a ", "bc "]
    assert await path.invoke(runnable, "a bc") == "a bc "
    assert await path.stream(chars | runnable, "x y") == ["x ", "y "]
    assert seen == ["a bc", "a bc", "x y"]


async def test_async_generator_function_streams_its_items() -> None:
    async def words(text: str) -> AsyncIterator[str]:
        for word in text.split():
            yield word

    runnable = RunnableLambda(words)
    assert [c async for c in runnable.astream("a b")] == ["a", "b"]
    assert await runnable.ainvoke("a b") == "ab"


def test_chain_decorator_makes_a_named_runnable() -> None:
    @chain
    def shout(text: str) -> str:
        return text.upper()

    assert isinstance(shout, RunnableLambda)
    assert shout.get_name() == "shout"
    assert shout.invoke("hi") == "HI"
    assert (shout | (lambda s: s + "!")).invoke("a") == "A!"


def test_a_lambda_needs_a_callable() -> None:
    with pytest.raises(TypeError, match="RunnableLambda needs a callable, got int"):
        RunnableLambda(3)  # type: ignore[arg-type]


class AddOne:
    """A callable object whose `__call__` is async."""

    async def __call__(self, x: int) -> int:
        return x + 1


class Words:
    """A callable object whose `__call__` is an async generator."""

    async def __call__(self, text: str) -> AsyncIterator[str]:
        for word in text.split():
            yield word


async def test_async_callable_objects_are_awaited() -> None:
    assert await RunnableLambda(AddOne()).ainvoke(1) == 2
    assert [c async for c in RunnableLambda(Words()).astream("a b")] == ["a", "b"]
    with pytest.raises(TypeError, match="is an async function"):
        RunnableLambda(AddOne()).invoke(1)
    assert await (RunnableLambda(lambda x: x) | AddOne()).ainvoke(1) == 2
