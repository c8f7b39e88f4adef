"""Tests for runnel.runnables._passthrough: passing, assigning and picking dict keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from runnel.runnables import (
    RunnableAssign,
    RunnableConfig,
    RunnableGenerator,
    RunnableLambda,
    RunnablePassthrough,
    RunnablePick,
)

from .conftest import Path

pytestmark = pytest.mark.anyio


def chars(chunks: Iterator[str]) -> Iterator[str]:
    for chunk in chunks:
        yield from chunk


async def test_passthrough_passes_each_chunk_unchanged(path: Path) -> None:
    assert await path.invoke(RunnablePassthrough(), {"a": 1}) == {"a": 1}
    log: list[Any] = []
    chain = RunnableGenerator(chars) | RunnablePassthrough()
    assert await path.stream(chain, "ab", log=log) == ["a", "b"]


async def test_passthrough_calls_its_function_with_the_whole_input(path: Path) -> None:
    seen: list[Any] = []
    chain = RunnableGenerator(chars) | RunnablePassthrough(seen.append)
    assert await path.stream(chain, "abc") == ["a", "b", "c"]
    assert await path.invoke(RunnablePassthrough(seen.append), "x") == "x"
    assert seen == ["abc", "x"]


async def test_passthrough_awaits_an_async_function() -> None:
    seen: list[Any] = []

    async def record(x: Any) -> None:
        seen.append(x)

    passthrough = RunnablePassthrough(record)
    assert [c async for c in passthrough.astream("x")] == ["x"]
    assert await passthrough.ainvoke("y") == "y"
    assert seen == ["x", "y"]
    with pytest.raises(TypeError, match="only has an async function: use ainvoke"):
        passthrough.invoke("z")


async def test_passthrough_uses_each_twin_on_its_path(path: Path) -> None:
    seen: list[Any] = []

    async def arecord(x: Any) -> None:
        seen.append(("async", x))

    passthrough = RunnablePassthrough(lambda x: seen.append(("sync", x)), arecord)
    await path.invoke(passthrough, 1)
    await path.stream(passthrough, 2)
    kind = "async" if path.is_async else "sync"
    assert seen == [(kind, 1), (kind, 2)]


async def test_passthrough_function_may_take_the_config(path: Path) -> None:
    seen: list[Any] = []

    def record(x: Any, config: RunnableConfig) -> None:
        seen.append((x, config["tags"]))

    await path.invoke(RunnablePassthrough(record), 1, {"tags": ["t"]})
    await path.stream(RunnablePassthrough(record), 2, {"tags": ["u"]})
    assert seen == [(1, ["t"]), (2, ["u"])]


async def test_passthrough_function_gets_chunks_that_do_not_add(path: Path) -> None:
    def dicts(chunks: Iterator[Any]) -> Iterator[Any]:
        for _ in chunks:
            yield {"a": 1}
            yield {"b": 2}

    seen: list[Any] = []
    chain = RunnableGenerator(dicts) | RunnablePassthrough(seen.append)
    assert await path.stream(chain, None) == [{"a": 1}, {"b": 2}]
    assert seen == [{"b": 2}]


async def test_assign_adds_computed_keys(path: Path) -> None:
    assign = RunnablePassthrough.assign(total=lambda d: d["a"] + d["b"], same=RunnablePassthrough())
    assert isinstance(assign, RunnableAssign)
    out = await path.invoke(assign, {"a": 1, "b": 2})
    assert out == {"a": 1, "b": 2, "total": 3, "same": {"a": 1, "b": 2}}
    assert assign.get_name() == "RunnableAssign<total,same>"


async def test_assign_streams_the_input_keys_first_then_the_new_keys_chunks(path: Path) -> None:
    spell = RunnableLambda(lambda d: d["word"]) | chars
    assign = RunnablePassthrough.assign(letters=spell)
    out = await path.stream(assign, {"word": "hi"})
    assert out == [{"word": "hi"}, {"letters": "h"}, {"letters": "i"}]


async def test_assign_replaces_an_input_key_it_computes(path: Path) -> None:
    assign = RunnablePassthrough.assign(a=lambda d: d["a"] * 10)
    assert await path.stream(assign, {"a": 1, "b": 2}) == [{"b": 2}, {"a": 10}]
    assert await path.invoke(assign, {"a": 1, "b": 2}) == {"a": 10, "b": 2}


async def test_runnable_assign_method(path: Path) -> None:
    chain = RunnableLambda(lambda x: {"x": x}).assign(y=lambda d: d["x"] + 1)
    assert await path.invoke(chain, 1) == {"x": 1, "y": 2}


async def test_assign_needs_a_dict(path: Path) -> None:
    assign = RunnablePassthrough.assign(y=lambda d: 1)
    with pytest.raises(TypeError, match="needs a dict input, got int"):
        await path.invoke(assign, 3)
    with pytest.raises(TypeError, match="needs a dict input, got str"):
        await path.stream(assign, "x")


async def test_pick_one_key_gives_its_value(path: Path) -> None:
    pick = RunnablePick("a")
    assert await path.invoke(pick, {"a": 1, "b": 2}) == 1
    assert await path.invoke(pick, {"b": 2}) is None
    assert pick.get_name() == "RunnablePick<a>"


async def test_pick_several_keys_gives_a_dict(path: Path) -> None:
    pick = RunnablePick(["a", "c"])
    assert await path.invoke(pick, {"a": 1, "b": 2, "c": 3}) == {"a": 1, "c": 3}
    assert pick.get_name() == "RunnablePick<a,c>"


async def test_pick_streams_the_picked_keys_chunks(path: Path) -> None:
    fan = RunnableLambda(lambda x: x) | {"a": chars, "b": lambda s: s.upper()}
    assert await path.stream(fan.pick("a"), "xy") == ["x", "y"]
    picked = await path.stream(fan.pick(["b"]), "xy")
    assert picked == [{"b": "XY"}]


async def test_pick_needs_a_dict(path: Path) -> None:
    with pytest.raises(TypeError, match="RunnablePick needs a dict input, got list"):
        await path.invoke(RunnablePick("a"), [1])


async def test_passthrough_awaits_an_async_callable_object() -> None:
    seen: list[Any] = []

    class Record:
        async def __call__(self, x: Any) -> None:
            seen.append(x)

    assert await RunnablePassthrough(Record()).ainvoke(1) == 1
    assert seen == [1]
