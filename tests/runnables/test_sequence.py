"""Tests for runnel.runnables._sequence: steps in a row, and how their streams connect."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from runnel.runnables import (
    AddableDict,
    RunnableGenerator,
    RunnableLambda,
    RunnableParallel,
    RunnableSequence,
)

from .conftest import Path

pytestmark = pytest.mark.anyio


def making(log: list[Any], tag: str = "made") -> Any:
    """A generator step that splits each input chunk into characters, logging each one."""

    def chars(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            for ch in chunk:
                log.append((tag, ch))
                yield ch

    return chars


def upper(chunks: Iterator[str]) -> Iterator[str]:
    """A parser-like step: one output chunk per input chunk."""
    for chunk in chunks:
        yield chunk.upper()


async def test_invoke_feeds_each_output_to_the_next_step(path: Path) -> None:
    chain = RunnableLambda(lambda x: x + 1) | (lambda x: x * 10) | str
    assert await path.invoke(chain, 1) == "20"
    assert await path.stream(chain, 1) == ["20"]
    assert await path.batch(chain, [1, 2]) == ["20", "30"]


def test_a_sequence_needs_two_steps() -> None:
    with pytest.raises(ValueError, match="at least 2 steps, got 1"):
        RunnableSequence(RunnableLambda(lambda x: x))
    chain = RunnableSequence(first=RunnableLambda(str), middle=[len], last=lambda n: n + 1)
    assert len(chain.steps) == 3
    assert chain.middle == [chain.steps[1]]
    assert chain.invoke(123) == 4


async def test_streaming_steps_interleave_chunk_by_chunk(path: Path) -> None:
    log: list[Any] = []
    chain = making(log) | RunnableGenerator(upper) | making(log, "again")
    out = await path.stream(chain, "abc", log=log)
    assert out == ["A", "B", "C"]
    assert log == [
        ("made", "a"),
        ("again", "A"),
        ("got", "A"),
        ("made", "b"),
        ("again", "B"),
        ("got", "B"),
        ("made", "c"),
        ("again", "C"),
        ("got", "C"),
    ]


async def test_async_generator_steps_interleave_chunk_by_chunk() -> None:
    log: list[Any] = []

    async def achars(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        async for chunk in chunks:
            for ch in chunk:
                log.append(("made", ch))
                yield ch

    chain = achars | RunnableGenerator(upper)
    async for chunk in chain.astream("ab"):
        log.append(("got", chunk))
    assert log == [("made", "a"), ("got", "A"), ("made", "b"), ("got", "B")]


async def test_a_barrier_in_the_middle_holds_output_until_upstream_is_done(path: Path) -> None:
    log: list[Any] = []
    chain = making(log) | RunnableLambda(lambda text: text + "!") | making(log, "again")
    out = await path.stream(chain, "ab", log=log)
    assert out == ["a", "b", "!"]
    first_got = log.index(("got", "a"))
    assert log[:first_got] == [("made", "a"), ("made", "b"), ("again", "a")]
    assert log[first_got:] == [
        ("got", "a"),
        ("again", "b"),
        ("got", "b"),
        ("again", "!"),
        ("got", "!"),
    ]


async def test_a_barrier_adds_string_chunks(path: Path) -> None:
    seen: list[Any] = []
    chain = making([]) | RunnableLambda(lambda x: seen.append(x) or len(x))
    assert await path.stream(chain, "abc") == [3]
    assert seen == ["abc"]


async def test_a_barrier_merges_dict_chunks_per_key(path: Path) -> None:
    seen: list[Any] = []
    fan = RunnableParallel(a=making([]), b=RunnableGenerator(upper))
    chain = fan | RunnableLambda(lambda x: seen.append(x) or sorted(x))
    assert await path.stream(chain, "xy") == [["a", "b"]]
    assert seen == [{"a": "xy", "b": "XY"}]
    assert isinstance(seen[0], AddableDict)


class Opaque:
    """A chunk type without `+`."""

    def __init__(self, n: int) -> None:
        self.n = n


async def test_a_barrier_keeps_the_last_chunk_when_chunks_do_not_add(path: Path) -> None:
    def opaque(chunks: Iterator[Any]) -> Iterator[Any]:
        for chunk in chunks:
            yield Opaque(chunk)
            yield Opaque(chunk + 1)

    def mixed(chunks: Iterator[Any]) -> Iterator[Any]:
        for _ in chunks:
            yield "text"
            yield 7

    read = RunnableLambda(lambda x: x)
    (last,) = await path.stream(opaque | read, 1)
    assert isinstance(last, Opaque) and last.n == 2
    assert await path.stream(mixed | read, None) == [7]


async def test_transform_streams_through_every_step(path: Path) -> None:
    chain = RunnableGenerator(upper) | RunnableGenerator(upper)
    assert await path.transform(chain, ["a", "b"]) == ["A", "B"]
    assert await path.invoke(chain, "ab") == "AB"


def test_repr_lists_the_steps() -> None:
    chain = RunnableLambda(str, name="first") | RunnableLambda(len, name="second")
    assert repr(chain) == "RunnableLambda(first)\n| RunnableLambda(second)"
