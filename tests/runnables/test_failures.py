"""Errors inside steps, and consumers that stop early: what propagates, what gets closed."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from runnel.runnables import (
    Runnable,
    RunnableGenerator,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    RunnablePick,
)

from .conftest import Path, Recorder

pytestmark = pytest.mark.anyio


def explode(x: Any) -> Any:
    raise ZeroDivisionError("boom")


async def test_an_error_keeps_its_type_and_traceback(path: Path) -> None:
    chain = RunnableLambda(lambda x: x) | {"a": explode, "b": str} | RunnablePassthrough()
    with pytest.raises(ZeroDivisionError, match="boom") as info:
        await path.invoke(chain, 1)
    assert "explode" in [entry.name for entry in info.traceback]
    with pytest.raises(ZeroDivisionError, match="boom") as info:
        await path.stream(chain, 1)
    assert "explode" in [entry.name for entry in info.traceback]


@pytest.mark.parametrize("method", ["invoke", "stream"])
async def test_errors_are_reported_for_the_step_and_its_parents(
    path: Path, recorder: Recorder, method: str
) -> None:
    chain = RunnableLambda(lambda x: x, name="ok") | {"a": explode, "b": str}
    call = path.invoke if method == "invoke" else path.stream
    with pytest.raises(ZeroDivisionError):
        await call(chain, 1, {"callbacks": [recorder]})
    failed = [e.name for e in recorder.of("error")]
    assert failed[0] == "explode"
    assert failed[-2:] == ["RunnableParallel<a,b>", "RunnableSequence"]
    assert all(
        isinstance(e.data, ZeroDivisionError) for e in recorder.of("error") if e.name != "str"
    )
    assert recorder.of("end")[0].name == "ok"
    # Each error event names its own run and parent.
    explode_error = recorder.of("error", "explode")[0]
    assert recorder.name_of(explode_error.parent_run_id) == "RunnableParallel<a,b>"


# -- consumers that stop early ------------------------------------------------------------
class Source:
    """An endless input stream that records being closed (it is not a generator)."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def __iter__(self) -> Source:
        return self

    def __next__(self) -> str:
        return "x"

    def close(self) -> None:
        self.log.append("source closed")


class AsyncSource:
    """An endless async input stream that records being closed."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def __aiter__(self) -> AsyncSource:
        return self

    async def __anext__(self) -> str:
        return "x"

    async def aclose(self) -> None:
        self.log.append("source closed")


def step(name: str, log: list[str]) -> RunnableGenerator:
    """A streaming step that records its `finally`."""

    def passing(chunks: Iterator[str]) -> Iterator[str]:
        log.append(f"{name} opened")
        try:
            yield from chunks
        finally:
            log.append(f"{name} closed")

    return RunnableGenerator(passing, name=name)


def astep(name: str, log: list[str]) -> RunnableGenerator:
    async def passing(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        log.append(f"{name} opened")
        try:
            async for chunk in chunks:
                yield chunk
        finally:
            log.append(f"{name} closed")

    return RunnableGenerator(passing, name=name)


def as_dicts(chunks: Iterator[str]) -> Iterator[dict[str, str]]:
    for chunk in chunks:
        yield {"c": chunk}


NO_WAIT = {"initial": 0, "max": 0, "jitter": 0}

SHAPES: dict[str, Callable[[Runnable[Any, Any], Runnable[Any, Any]], Runnable[Any, Any]]] = {
    "sequence": lambda one, two: one | two,
    "retry": lambda one, two: one.with_retry(exponential_jitter_params=NO_WAIT) | two,
    "fallbacks": lambda one, two: one.with_fallbacks([RunnablePassthrough()]) | two,
    "parallel": lambda one, two: one | RunnableParallel(two=two, same=RunnablePassthrough()),
    # The assigned key only comes after the whole input: `two` reads the passthrough.
    "assign": lambda one, two: (
        one
        | RunnableGenerator(as_dicts)
        | RunnablePassthrough.assign(n=RunnableLambda(len))
        | RunnablePick("c")
        | two
    ),
    "bound": lambda one, two: one.with_config(tags=["t"]) | two.bind(),
}


@pytest.fixture(params=[False, True], ids=["quiet", "listened"])
def config(request: pytest.FixtureRequest, recorder: Recorder) -> dict[str, Any]:
    return {"callbacks": [recorder]} if request.param else {}


CLOSED = ["one closed", "one opened", "source closed", "two closed", "two opened"]


@pytest.mark.parametrize("shape", SHAPES)
async def test_closing_a_stream_closes_every_upstream_step(
    path: Path, shape: str, config: dict[str, Any]
) -> None:
    log: list[str] = []
    chain = SHAPES[shape](step("one", log), step("two", log))
    if path.is_async:
        it = chain.atransform(AsyncSource(log), config)
        while "two opened" not in log:
            await anext(it)
        await it.aclose()
    else:
        sync_it = chain.transform(Source(log), config)
        while "two opened" not in log:
            next(sync_it)
        sync_it.close()
    assert sorted(set(log)) == CLOSED


@pytest.mark.parametrize("shape", SHAPES)
async def test_closing_an_async_stream_closes_async_steps(
    shape: str, config: dict[str, Any]
) -> None:
    log: list[str] = []
    tasks = asyncio.all_tasks()
    chain = SHAPES[shape](astep("one", log), astep("two", log))
    it = chain.atransform(AsyncSource(log), config)
    while "two opened" not in log:
        await anext(it)
    await it.aclose()
    assert sorted(set(log)) == CLOSED
    assert asyncio.all_tasks() == tasks


async def test_every_started_run_ends_or_fails_when_a_stream_is_closed(
    path: Path, recorder: Recorder
) -> None:
    log: list[str] = []
    chain = step("one", log) | {"two": step("two", log), "three": RunnablePassthrough()}
    if path.is_async:
        it = chain.atransform(AsyncSource(log), {"callbacks": [recorder]})
        await anext(it)
        await it.aclose()
    else:
        sync_it = chain.transform(Source(log), {"callbacks": [recorder]})
        next(sync_it)
        sync_it.close()
    started = {e.run_id for e in recorder.of("start")}
    finished = {e.run_id for e in recorder.of("end") + recorder.of("error")}
    assert len(started) == 5
    assert started == finished


async def test_cancelling_the_consumer_closes_every_step_and_leaves_no_task(
    recorder: Recorder,
) -> None:
    log: list[str] = []
    produced = asyncio.Event()

    async def stalls(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        try:
            async for chunk in chunks:
                yield chunk
                produced.set()
                await asyncio.Event().wait()
        finally:
            log.append("stalls closed")

    tasks = asyncio.all_tasks()
    chain = (
        astep("one", log)
        | RunnableParallel(stalls=stalls, two=step("two", log))
        | astep("three", log)
    )

    two_streams = asyncio.Event()

    async def consume() -> None:
        async for chunk in chain.atransform(AsyncSource(log), {"callbacks": [recorder]}):
            if "two" in chunk:
                two_streams.set()

    task = asyncio.create_task(consume())
    await produced.wait()
    await two_streams.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(e for e in set(log) if "opened" not in e) == [
        "one closed",
        "source closed",
        "stalls closed",
        "three closed",
        "two closed",
    ]
    assert asyncio.all_tasks() == tasks
    # Every run that started was reported as ended or failed.
    started = {e.run_id for e in recorder.of("start")}
    assert len(started) == 6
    assert started == {e.run_id for e in recorder.of("end") + recorder.of("error")}
    root_error = recorder.of("error", "RunnableSequence")[-1].data
    assert isinstance(root_error, asyncio.CancelledError)


async def test_cancelling_ainvoke_reports_every_started_run(recorder: Recorder) -> None:
    started = asyncio.Event()

    async def stalls(x: Any) -> Any:
        started.set()
        await asyncio.Event().wait()

    chain = RunnableLambda(lambda x: x, name="first") | {"stalls": stalls, "ok": str}
    task = asyncio.create_task(chain.ainvoke(1, {"callbacks": [recorder]}))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    errors = {e.name: e.data for e in recorder.of("error")}
    assert {"stalls", "RunnableParallel<stalls,ok>", "RunnableSequence"} <= set(errors)
    assert all(isinstance(error, asyncio.CancelledError) for error in errors.values())
    started = {e.run_id for e in recorder.of("start")}
    assert started == {e.run_id for e in recorder.of("end") + recorder.of("error")}


def test_an_abandoned_parallel_stream_leaves_no_thread() -> None:
    log: list[str] = []
    baseline = set(threading.enumerate())  # other tests' idle workers may exit meanwhile
    fan = RunnableParallel(a=step("a", log), b=step("b", log), c=step("c", log))
    it = fan.transform(Source(log))
    while not {"a opened", "b opened", "c opened"} <= set(log):
        next(it)
    assert set(threading.enumerate()) - baseline
    it.close()
    assert set(threading.enumerate()) <= baseline
    assert sorted(e for e in set(log) if "opened" not in e) == [
        "a closed",
        "b closed",
        "c closed",
        "source closed",
    ]
