"""Tests for runnel.runnables._fallbacks: fallbacks, also while streaming until a chunk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from runnel.exceptions import StreamInterrupted
from runnel.runnables import (
    RunnableGenerator,
    RunnableLambda,
    RunnablePassthrough,
    RunnableWithFallbacks,
)

from .conftest import Path, Recorder

pytestmark = pytest.mark.anyio


def raises(error: Exception, calls: list[Any] | None = None) -> RunnableLambda:
    def fail(x: Any) -> Any:
        if calls is not None:
            calls.append(x)
        raise error

    return RunnableLambda(fail, name=f"raises_{type(error).__name__}")


def chars(chunks: Iterator[str]) -> Iterator[str]:
    for chunk in chunks:
        yield from chunk


async def test_the_first_fallback_that_succeeds_answers(path: Path) -> None:
    calls: list[Any] = []
    runnable = raises(ValueError("primary"), calls).with_fallbacks(
        [raises(ValueError("second"), calls), lambda x: f"third:{x}", lambda x: "unused"]
    )
    assert isinstance(runnable, RunnableWithFallbacks)
    assert await path.invoke(runnable, 1) == "third:1"
    assert calls == [1, 1]
    assert await path.batch(runnable, [1, 2]) == ["third:1", "third:2"]


async def test_when_every_runnable_fails_the_first_error_is_raised(path: Path) -> None:
    runnable = raises(ValueError("primary")).with_fallbacks([raises(ValueError("fallback"))])
    with pytest.raises(ValueError, match="primary"):
        await path.invoke(runnable, 1)
    with pytest.raises(ValueError, match="primary"):
        await path.stream(runnable, 1)


async def test_only_exceptions_to_handle_fall_back(path: Path) -> None:
    calls: list[Any] = []
    runnable = raises(KeyError("k")).with_fallbacks(
        [raises(ValueError("unused"), calls)], exceptions_to_handle=(ValueError,)
    )
    with pytest.raises(KeyError):
        await path.invoke(runnable, 1)
    with pytest.raises(KeyError):
        await path.stream(runnable, 1)
    assert calls == []
    # A fallback's unhandled error is raised as is.
    runnable = raises(ValueError("v")).with_fallbacks(
        [raises(KeyError("k"))], exceptions_to_handle=(ValueError,)
    )
    with pytest.raises(KeyError):
        await path.invoke(runnable, 1)


async def test_exception_key_passes_the_error_to_the_next_fallback(path: Path) -> None:
    seen: list[Any] = []

    def second(d: dict[str, Any]) -> Any:
        seen.append(d)
        raise ValueError("second")

    def third(d: dict[str, Any]) -> str:
        seen.append(d)
        return f"{d['q']} after {d['error']}"

    runnable = raises(ValueError("first")).with_fallbacks([second, third], exception_key="error")
    assert await path.invoke(runnable, {"q": "?"}) == "? after second"
    assert [str(d["error"]) for d in seen] == ["first", "second"]
    assert await path.stream(runnable, {"q": "?"}) == ["? after second"]
    with pytest.raises(TypeError, match="exception_key='error' the input must be a dict, got int"):
        await path.invoke(runnable, 1)


async def test_fallback_runs_are_children(path: Path, recorder: Recorder) -> None:
    runnable = raises(ValueError("x")).with_fallbacks([RunnableLambda(str, name="backup")])
    await path.invoke(runnable, 1, {"callbacks": [recorder]})
    root = recorder.start("RunnableWithFallbacks")
    assert recorder.start("raises_ValueError").parent_run_id == root.run_id
    assert recorder.start("backup").parent_run_id == root.run_id
    assert [e.kind for e in recorder.of("error")] == ["error"]


# -- streams -----------------------------------------------------------------------------
def stream_failing(after: int, message: str = "broken") -> RunnableGenerator:
    def step(chunks: Iterator[str]) -> Iterator[str]:
        for n, chunk in enumerate(chunks):
            if n == after:
                raise ValueError(message)
            yield chunk.upper()

    return RunnableGenerator(step, name="broken")


async def test_a_stream_failing_before_its_first_chunk_falls_back(path: Path) -> None:
    runnable = stream_failing(0).with_fallbacks([RunnableGenerator(chars)])
    log: list[Any] = []
    assert await path.stream(runnable, "xy", log=log) == ["x", "y"]
    assert log == [("got", "x"), ("got", "y")]


async def test_a_stream_failing_after_a_chunk_raises_stream_interrupted(path: Path) -> None:
    runnable = stream_failing(2, "mid-stream").with_fallbacks([RunnableGenerator(chars)])
    got: list[Any] = []
    with pytest.raises(StreamInterrupted) as info:
        await path.transform(runnable, ["a", "b", "c"], log=got)
    assert got == [("got", "A"), ("got", "B")]
    assert info.value.partial == "AB"
    assert isinstance(info.value.__cause__, ValueError)
    assert str(info.value.__cause__) == "mid-stream"


async def test_fallback_in_a_chain_replays_the_input(path: Path) -> None:
    def reads_all_then_fails(chunks: Iterator[str]) -> Iterator[str]:
        for _ in chunks:
            pass
        raise ValueError("late")
        yield  # a generator

    step = RunnableGenerator(reads_all_then_fails).with_fallbacks([RunnableGenerator(chars)])
    chain = chars | step | RunnablePassthrough()
    assert await path.stream(chain, "abc") == ["a", "b", "c"]


async def test_fallback_in_a_chain_with_exception_key(path: Path) -> None:
    def to_dict(chunks: Iterator[str]) -> Iterator[dict[str, str]]:
        for chunk in chunks:
            yield {"text": chunk}

    def needs_more(d: dict[str, Any]) -> str:
        raise ValueError("primary")

    backup = RunnableLambda(lambda d: f"{d['text']}|{d['error']}")
    chain = (
        chars
        | RunnableGenerator(to_dict)
        | RunnableLambda(needs_more).with_fallbacks([backup], exception_key="error")
    )
    assert await path.stream(chain, "ab") == ["b|primary"]
