"""Tests for runnel.callbacks.base: what handlers receive, when, where, and their errors."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from runnel.callbacks import AsyncCallbackHandler, BaseCallbackHandler, CallbackManager
from runnel.runnables import RunnableGenerator, RunnableLambda

pytestmark = pytest.mark.anyio


class Calls(BaseCallbackHandler):
    """Records each chain callback with its keyword arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []
        self.threads: set[int] = set()
        self.tasks: set[asyncio.Task[Any] | None] = set()

    def _record(self, method: str, arg: Any, kwargs: dict[str, Any]) -> None:
        self.threads.add(threading.get_ident())
        try:
            self.tasks.add(asyncio.current_task())
        except RuntimeError:  # no running loop
            self.tasks.add(None)
        self.calls.append((method, arg, kwargs))

    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> None:
        self._record("on_chain_start", inputs, kwargs)

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        self._record("on_chain_end", outputs, kwargs)

    def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        self._record("on_chain_error", error, kwargs)


class AsyncCalls(AsyncCallbackHandler):
    """The async twin of `Calls`: each callback awaits once before recording."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []

    async def _record(self, method: str, arg: Any, kwargs: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        self.calls.append((method, arg, kwargs))

    async def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> None:
        await self._record("on_chain_start", inputs, kwargs)

    async def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        await self._record("on_chain_end", outputs, kwargs)

    async def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        await self._record("on_chain_error", error, kwargs)


def fail(x: Any) -> Any:
    raise ValueError("step failed")


@pytest.fixture(params=["sync", "async"])
def is_async(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "async")


async def invoke(runnable: Any, input: Any, config: Any, is_async: bool) -> Any:
    if is_async:
        return await runnable.ainvoke(input, config)
    return runnable.invoke(input, config)


@pytest.mark.parametrize("handler_type", [Calls, AsyncCalls])
async def test_handlers_receive_chain_callbacks(is_async: bool, handler_type: type) -> None:
    handler = handler_type()
    chain = RunnableLambda(lambda x: x + 1, name="add") | RunnableLambda(str, name="text")
    config = {"callbacks": [handler], "tags": ["T"], "metadata": {"m": 1}, "run_name": "root"}
    assert await invoke(chain, 1, config, is_async) == "2"
    methods = [(m, arg) for m, arg, _ in handler.calls]
    assert methods == [
        ("on_chain_start", 1),
        ("on_chain_start", 1),
        ("on_chain_end", 2),
        ("on_chain_start", 2),
        ("on_chain_end", "2"),
        ("on_chain_end", "2"),
    ]
    root, add, text = (kw for m, _, kw in handler.calls if m == "on_chain_start")
    assert (root["name"], add["name"], text["name"]) == ("root", "add", "text")
    assert root["parent_run_id"] is None
    assert isinstance(root["run_id"], UUID)
    assert add["parent_run_id"] == text["parent_run_id"] == root["run_id"]
    assert (root["tags"], add["tags"], text["tags"]) == (
        ["T"],
        ["seq:step:1", "T"],
        ["seq:step:2", "T"],
    )
    assert root["metadata"] == add["metadata"] == {"m": 1}
    ends = [kw for m, _, kw in handler.calls if m == "on_chain_end"]
    assert [kw["run_id"] for kw in ends] == [add["run_id"], text["run_id"], root["run_id"]]


@pytest.mark.parametrize("handler_type", [Calls, AsyncCalls])
async def test_handlers_receive_errors_of_the_step_and_its_parents(
    is_async: bool, handler_type: type
) -> None:
    handler = handler_type()
    chain = RunnableLambda(lambda x: x, name="ok") | RunnableLambda(fail)
    with pytest.raises(ValueError, match="step failed"):
        await invoke(chain, 1, {"callbacks": [handler]}, is_async)
    errors = [(arg, kw) for m, arg, kw in handler.calls if m == "on_chain_error"]
    assert len(errors) == 2
    (step_error, step_kw), (root_error, root_kw) = errors
    assert isinstance(step_error, ValueError) and root_error is step_error
    assert step_kw["parent_run_id"] == root_kw["run_id"]
    assert step_kw["inputs"] == 1


async def test_streaming_start_has_placeholder_inputs_and_end_the_real_ones() -> None:
    handler = Calls()

    def chars(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            yield from chunk

    chain = RunnableLambda(lambda x: x, name="first") | RunnableGenerator(chars)
    assert list(chain.stream("ab", {"callbacks": [handler]})) == ["a", "b"]
    start = next(
        arg for m, arg, kw in handler.calls if m == "on_chain_start" and kw["name"] == "chars"
    )
    assert start == {"input": ""}
    end = handler.calls[-2]
    assert end[0] == "on_chain_end" and end[1] == "ab" and end[2]["inputs"] == "ab"


async def test_sync_handlers_run_inline_in_an_async_run() -> None:
    handler = Calls()
    tasks_before = len(asyncio.all_tasks())
    seen_tasks: list[int] = []

    class Counting(Calls):
        def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kw: Any) -> None:
            seen_tasks.append(len(asyncio.all_tasks()))

    chain = RunnableLambda(lambda x: x, name="a") | RunnableLambda(lambda x: x, name="b")
    async_chain = RunnableLambda(_aident, name="c") | chain
    await async_chain.ainvoke(1, {"callbacks": [handler, Counting()]})
    assert handler.threads == {threading.get_ident()}
    assert handler.tasks == {asyncio.current_task()}
    assert seen_tasks == [tasks_before] * 4
    assert len(handler.calls) == 8


async def _aident(x: Any) -> Any:
    return x


async def test_async_handlers_finish_before_a_sync_run_returns() -> None:
    handler = AsyncCalls()
    RunnableLambda(lambda x: x, name="a").invoke(1, {"callbacks": [handler]})
    assert [m for m, _, _ in handler.calls] == ["on_chain_start", "on_chain_end"]


class Broken(BaseCallbackHandler):
    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> None:
        raise RuntimeError("handler bug")


class AsyncBroken(AsyncCallbackHandler):
    async def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> None:
        raise RuntimeError("handler bug")


@pytest.mark.parametrize("handler_type", [Broken, AsyncBroken])
async def test_a_failing_handler_is_logged_and_the_run_goes_on(
    is_async: bool, handler_type: type, caplog: pytest.LogCaptureFixture
) -> None:
    other = Calls()
    with caplog.at_level(logging.WARNING, logger="runnel.callbacks"):
        out = await invoke(
            RunnableLambda(lambda x: x * 2), 2, {"callbacks": [handler_type(), other]}, is_async
        )
    assert out == 4
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        f"Error in {handler_type.__name__}.on_chain_start callback: RuntimeError('handler bug')"
    ]
    assert [m for m, _, _ in other.calls] == ["on_chain_start", "on_chain_end"]


@pytest.mark.parametrize("handler_type", [Broken, AsyncBroken])
async def test_a_failing_handler_with_raise_error_stops_the_run(
    is_async: bool, handler_type: type
) -> None:
    handler = handler_type()
    handler.raise_error = True
    ran: list[Any] = []
    with pytest.raises(RuntimeError, match="handler bug"):
        await invoke(RunnableLambda(ran.append), 1, {"callbacks": [handler]}, is_async)
    assert ran == []


async def test_ignore_chain(is_async: bool) -> None:
    class Ignoring(Calls):
        @property
        def ignore_chain(self) -> bool:
            return True

    handler = Ignoring()
    chain = RunnableLambda(lambda x: x) | RunnableLambda(fail)
    with pytest.raises(ValueError):
        await invoke(chain, 1, {"callbacks": [handler]}, is_async)
    assert handler.calls == []


async def test_a_callback_manager_may_be_passed_as_callbacks(is_async: bool) -> None:
    handler = Calls()
    await invoke(
        RunnableLambda(lambda x: x, name="a"),
        1,
        {"callbacks": CallbackManager([handler])},
        is_async,
    )
    assert [kw["name"] for m, _, kw in handler.calls if m == "on_chain_start"] == ["a"]


async def test_callbacks_must_be_handlers(is_async: bool) -> None:
    with pytest.raises(TypeError, match="callbacks must be callback handlers, got function"):
        await invoke(RunnableLambda(lambda x: x), 1, {"callbacks": [lambda: None]}, is_async)


async def test_a_managers_non_inheritable_handlers_see_only_the_top_run(is_async: bool) -> None:
    local, inherited = Calls(), Calls()
    manager = CallbackManager([local, inherited], [inherited])
    added = Calls()
    manager.add_handler(added, inherit=False)
    chain = RunnableLambda(lambda x: x, name="a") | RunnableLambda(lambda x: x, name="b")
    await invoke(chain, 1, {"callbacks": manager}, is_async)

    def started(handler: Calls) -> list[str]:
        return [kw["name"] for m, _, kw in handler.calls if m == "on_chain_start"]

    assert started(local) == started(added) == ["RunnableSequence"]
    assert started(inherited) == ["RunnableSequence", "a", "b"]
