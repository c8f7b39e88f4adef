"""Tests for runnel.callbacks.manager: custom events dispatched from inside a run."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import UUID

import pytest

from runnel.callbacks import (
    AsyncCallbackHandler,
    BaseCallbackHandler,
    adispatch_custom_event,
    dispatch_custom_event,
)
from runnel.runnables import RunnableConfig, RunnableGenerator, RunnableLambda

pytestmark = pytest.mark.anyio


class Events(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any, UUID, list[str] | None, dict[str, Any] | None]] = []
        self.runs: dict[str, UUID] = {}

    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> None:
        self.runs[kwargs["name"]] = kwargs["run_id"]

    def on_custom_event(
        self,
        name: str,
        data: Any,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.events.append((name, data, run_id, tags, metadata))


class AsyncEvents(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any, UUID]] = []
        self.runs: dict[str, UUID] = {}

    async def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> None:
        self.runs[kwargs["name"]] = kwargs["run_id"]

    async def on_custom_event(
        self,
        name: str,
        data: Any,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.events.append((name, data, run_id))


def progress(x: int) -> int:
    dispatch_custom_event("progress", {"at": x})
    return x


async def test_dispatch_reaches_handlers_with_the_dispatching_run() -> None:
    handler = Events()
    chain = RunnableLambda(lambda x: x + 1, name="first") | progress
    config: RunnableConfig = {"callbacks": [handler], "tags": ["T"], "metadata": {"m": 1}}
    calls = [lambda: chain.invoke(1, config), lambda: chain.ainvoke(1, config)]
    for call in calls:
        result = call()
        assert (await result if not isinstance(result, int) else result) == 2
        # The event names the run of `progress` it came from.
        assert handler.events[-1] == (
            "progress",
            {"at": 2},
            handler.runs["progress"],
            ["seq:step:2", "T"],
            {"m": 1},
        )
    assert list(chain.stream(1, config)) == [2]
    assert handler.events[-1][2] == handler.runs["progress"]
    assert len(handler.events) == 3


async def test_async_dispatch_reaches_async_handlers() -> None:
    handler = AsyncEvents()

    async def step(x: int) -> int:
        await adispatch_custom_event("step", x)
        return x

    async def stream(chunks: AsyncIterator[int]) -> AsyncIterator[int]:
        async for chunk in chunks:
            await adispatch_custom_event("chunk", chunk)
            yield chunk

    chain = RunnableLambda(step) | RunnableGenerator(stream)
    assert [c async for c in chain.astream(5, {"callbacks": [handler]})] == [5]
    assert handler.events == [
        ("step", 5, handler.runs["step"]),
        ("chunk", 5, handler.runs["stream"]),
    ]


async def test_sync_dispatch_from_a_generator_and_a_worker_thread() -> None:
    handler = Events()

    def chars(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            for ch in chunk:
                dispatch_custom_event("chunk", ch)
                yield ch

    def count(text: str) -> int:
        dispatch_custom_event("count", len(text))
        return len(text)

    # Under ainvoke both sync functions run in worker threads.
    chain = RunnableGenerator(chars) | count
    assert await chain.ainvoke("ab", {"callbacks": [handler]}) == 2
    assert [event[:3] for event in handler.events] == [
        ("chunk", "a", handler.runs["chars"]),
        ("chunk", "b", handler.runs["chars"]),
        ("count", 2, handler.runs["count"]),
    ]


async def test_dispatch_with_an_explicit_config() -> None:
    handler = Events()

    def step(x: int, config: RunnableConfig) -> int:
        dispatch_custom_event("explicit", x, config=config)
        return x

    RunnableLambda(step).invoke(7, {"callbacks": [handler]})
    assert handler.events[0][:3] == ("explicit", 7, handler.runs["step"])


async def test_dispatch_in_a_run_nobody_listens_to_does_nothing() -> None:
    assert RunnableLambda(progress).invoke(1) == 1

    async def step(x: int) -> int:
        await adispatch_custom_event("quiet", x)
        return x

    assert await RunnableLambda(step).ainvoke(1) == 1


async def test_dispatch_outside_a_run_raises() -> None:
    with pytest.raises(RuntimeError, match="dispatch_custom_event was called outside of a run"):
        dispatch_custom_event("lost", 1)
    with pytest.raises(RuntimeError, match="outside of a run"):
        await adispatch_custom_event("lost", 1)


async def test_ignore_custom_event() -> None:
    class Ignoring(Events):
        @property
        def ignore_custom_event(self) -> bool:
            return True

    handler = Ignoring()
    RunnableLambda(progress).invoke(1, {"callbacks": [handler]})
    assert handler.events == []
    assert "progress" in handler.runs


async def test_async_handlers_get_sync_dispatched_events_in_a_sync_run() -> None:
    handler = AsyncEvents()
    assert RunnableLambda(progress).invoke(4, {"callbacks": [handler]}) == 4
    assert handler.events == [("progress", {"at": 4}, handler.runs["progress"])]
