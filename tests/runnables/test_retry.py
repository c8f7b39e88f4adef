"""Tests for runnel.runnables._retry: retries, also while streaming until the first chunk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from runnel.exceptions import StreamInterrupted
from runnel.runnables import (
    Runnable,
    RunnableConfig,
    RunnableGenerator,
    RunnableLambda,
    RunnablePassthrough,
    RunnableRetry,
)

from .conftest import Path, Recorder

pytestmark = pytest.mark.anyio

NO_WAIT = {"initial": 0, "max": 0, "jitter": 0}


def failing(failures: int, error: type[Exception] = ValueError) -> tuple[RunnableLambda, list[Any]]:
    """A step that fails its first `failures` calls; the list records each call's input."""
    calls: list[Any] = []

    def step(x: Any) -> Any:
        calls.append(x)
        if len(calls) <= failures:
            raise error(f"failure {len(calls)}")
        return f"ok:{x}"

    return RunnableLambda(step, name="flaky"), calls


def retrying(runnable: Any, attempts: int = 3, **kwargs: Any) -> RunnableRetry:
    return runnable.with_retry(
        stop_after_attempt=attempts, exponential_jitter_params=NO_WAIT, **kwargs
    )


async def test_retries_until_success(path: Path) -> None:
    step, calls = failing(2)
    assert await path.invoke(retrying(step), "x") == "ok:x"
    assert calls == ["x", "x", "x"]


async def test_gives_up_after_stop_after_attempt(path: Path) -> None:
    step, calls = failing(5)
    with pytest.raises(ValueError, match="failure 2"):
        await path.invoke(retrying(step, attempts=2), "x")
    assert len(calls) == 2


async def test_retries_only_the_given_exception_types(path: Path) -> None:
    step, calls = failing(1, KeyError)
    with pytest.raises(KeyError, match="failure 1"):
        await path.invoke(retrying(step, retry_if_exception_type=(ValueError,)), "x")
    assert len(calls) == 1
    step, calls = failing(1, KeyError)
    assert await path.invoke(retrying(step, retry_if_exception_type=(LookupError,)), "x")
    assert len(calls) == 2


async def test_without_back_off(path: Path) -> None:
    step, calls = failing(2)
    retry = step.with_retry(wait_exponential_jitter=False)
    assert await path.invoke(retry, 1) == "ok:1"
    assert len(calls) == 3


def test_back_off_delays_grow_exponentially_up_to_the_cap() -> None:
    retry = RunnableLambda(str).with_retry(
        exponential_jitter_params={"initial": 1, "exp_base": 3, "max": 5, "jitter": 0}
    )
    assert [retry._delay(n) for n in (1, 2, 3)] == [1, 3, 5]
    with pytest.raises(ValueError, match="stop_after_attempt must be >= 1, got 0"):
        RunnableLambda(str).with_retry(stop_after_attempt=0)


async def test_batch_retries_each_input(path: Path) -> None:
    step, calls = failing(1)
    assert await path.batch(retrying(step), ["a"]) == ["ok:a"]
    assert calls == ["a", "a"]


async def test_later_attempts_are_tagged_for_handlers(path: Path, recorder: Recorder) -> None:
    step, _ = failing(2)
    await path.invoke(retrying(step), "x", {"callbacks": [recorder], "tags": ["t"]})
    starts = recorder.of("start", "flaky")
    assert [e.tags for e in starts] == [["t"], ["retry:attempt:2", "t"], ["retry:attempt:3", "t"]]
    assert [e.kind for e in recorder.events] == ["start", "error"] * 2 + ["start", "end"]


# -- streams -----------------------------------------------------------------------------
def flaky_stream(failures: int, *, after: int) -> tuple[RunnableGenerator, list[list[str]]]:
    """Upper-cases its input chunks; its first `failures` attempts fail after `after` outputs.

    The list records, per attempt, the input chunks it read.
    """
    attempts: list[list[str]] = []

    def step(chunks: Iterator[str]) -> Iterator[str]:
        read: list[str] = []
        attempts.append(read)
        for chunk in chunks:
            read.append(chunk)
            if len(attempts) <= failures and len(read) > after:
                raise ValueError(f"attempt {len(attempts)} failed")
            yield chunk.upper()

    return RunnableGenerator(step, name="flaky"), attempts


async def test_a_stream_failing_before_its_first_chunk_is_retried(path: Path) -> None:
    step, attempts = flaky_stream(2, after=0)
    log: list[Any] = []
    assert await path.stream(retrying(step), "ab", log=log) == ["AB"]
    assert log == [("got", "AB")]
    assert len(attempts) == 3


async def test_a_stream_failing_after_a_chunk_raises_stream_interrupted(path: Path) -> None:
    step, attempts = flaky_stream(1, after=2)
    chain = RunnablePassthrough() | retrying(step)
    got: list[str] = []
    with pytest.raises(StreamInterrupted) as info:
        await path.transform(chain, ["a", "b", "c"], log=got)
    assert got == [("got", "A"), ("got", "B")]
    assert info.value.partial == "AB"
    assert info.value.chunks == 2
    assert isinstance(info.value.__cause__, ValueError)
    assert info.value.error is info.value.__cause__
    assert str(info.value.__cause__) == "attempt 1 failed"
    assert "after 2 chunk(s)" in str(info.value)
    assert len(attempts) == 1


async def test_a_stream_error_that_is_not_retried_is_raised_as_is(path: Path) -> None:
    step, attempts = flaky_stream(1, after=1)
    retry = retrying(step, retry_if_exception_type=(KeyError,))
    with pytest.raises(ValueError, match="attempt 1 failed"):
        await path.transform(retry, ["a", "b"])
    assert len(attempts) == 1


def chars(chunks: Iterator[str]) -> Iterator[str]:
    for chunk in chunks:
        yield from chunk


async def test_a_retried_step_in_a_chain_reads_its_whole_input_again(path: Path) -> None:
    attempts: list[list[str]] = []
    log: list[Any] = []

    def reads_two_then_fails(chunks: Iterator[str]) -> Iterator[str]:
        read: list[str] = []
        attempts.append(read)
        for chunk in chunks:
            read.append(chunk)
            if len(attempts) == 1 and len(read) == 2:
                raise ValueError("failed before any output")
            if len(attempts) > 1:
                log.append(("read", chunk))
                yield chunk.upper()

    step = RunnableGenerator(reads_two_then_fails)
    chain = chars | retrying(step) | RunnablePassthrough()
    assert await path.stream(chain, "abc", log=log) == ["A", "B", "C"]
    assert attempts == [["a", "b"], ["a", "b", "c"]]
    # The retried attempt still streams, replayed input and fresh input alike.
    assert log == [
        ("read", "a"),
        ("got", "A"),
        ("read", "b"),
        ("got", "B"),
        ("read", "c"),
        ("got", "C"),
    ]


async def test_retry_in_a_chain_after_chunks_raises_stream_interrupted(path: Path) -> None:
    step, _ = flaky_stream(1, after=1)
    chain = chars | retrying(step)
    with pytest.raises(StreamInterrupted) as info:
        await path.stream(chain, "abc")
    assert info.value.partial == "A"


async def test_streamed_attempts_are_tagged_too(path: Path, recorder: Recorder) -> None:
    step, _ = flaky_stream(1, after=0)
    out = await path.stream(retrying(step), "ab", {"callbacks": [recorder]})
    assert out == ["AB"]
    assert [e.tags for e in recorder.of("start", "flaky")] == [[], ["retry:attempt:2"]]
    assert [e.kind for e in recorder.events] == ["start", "error", "start", "end"]


async def test_binding_a_retry_keeps_retrying(path: Path, recorder: Recorder) -> None:
    seen: list[Any] = []

    class Flaky(Runnable[Any, Any]):
        def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
            seen.append((kwargs, sorted(config["tags"])))
            if len(seen) < 2:
                raise ValueError("first attempt")
            return "ok"

    retry = retrying(Flaky()).with_config(tags=["t"]).bind(k=1)
    assert await path.invoke(retry, None, {"callbacks": [recorder]}) == "ok"
    assert seen == [({"k": 1}, ["t"]), ({"k": 1}, ["t"])]
    assert [e.tags for e in recorder.of("start")] == [["t"], ["retry:attempt:2", "t"]]
