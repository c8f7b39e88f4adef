"""Failures, backpressure and cancellation of astream_events and astream_log."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import anyio
import pytest

from runnel.callbacks import BaseCallbackHandler
from runnel.output_parsers import StrOutputParser
from runnel.runnables import RunnableConfig, RunnableGenerator, RunnableLambda, RunnableParallel
from runnel.tools import tool

from .conftest import Collector, chat_model, kinds

pytestmark = pytest.mark.anyio

BUFFER = 8
SLACK = 4  # items a producer may make past a full buffer: chunks already on their way


class Counted:
    """An endless async source and a transform step, both counting and recording cleanup."""

    def __init__(self) -> None:
        self.produced = 0
        self.transformed = 0
        self.cleaned: list[str] = []

    async def source(self, chunks: AsyncIterator[Any]) -> AsyncIterator[int]:
        async for _ in chunks:
            pass
        try:
            for i in itertools.count():
                self.produced += 1
                yield i
                await asyncio.sleep(0)  # as a source awaiting its next item would
        finally:
            self.cleaned.append("source")

    async def double(self, chunks: AsyncIterator[int]) -> AsyncIterator[int]:
        try:
            async for chunk in chunks:
                self.transformed += 1
                yield chunk * 2
        finally:
            self.cleaned.append("double")

    def chain(self) -> Any:
        return RunnableGenerator(self.source) | RunnableGenerator(self.double)


def _other_tasks(baseline: set[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
    return asyncio.all_tasks() - baseline - {asyncio.current_task()}  # type: ignore[operator]


async def _let_others_run(turns: int = 500) -> None:
    """Give every other task many chances to run (no timing involved)."""
    for _ in range(turns):
        await asyncio.sleep(0)


async def test_an_error_ends_the_stream_after_the_events_before_it(collect: Collector) -> None:
    class Bad(Exception):
        pass

    def boom(text: str) -> str:
        raise Bad(text)

    chain = chat_model() | StrOutputParser() | RunnableLambda(boom)
    events, error = await collect.failing(chain, "q")
    assert type(error) is Bad
    assert error.args == ("hi there",)
    assert kinds(events) == [
        ("on_chain_start", "RunnableSequence"),
        ("on_chat_model_start", "GenericFakeChatModel"),
        ("on_chat_model_stream", "GenericFakeChatModel"),
        ("on_parser_start", "StrOutputParser"),
        ("on_parser_stream", "StrOutputParser"),
        ("on_chain_start", "boom"),
        ("on_chat_model_stream", "GenericFakeChatModel"),
        ("on_parser_stream", "StrOutputParser"),
        ("on_chat_model_stream", "GenericFakeChatModel"),
        ("on_parser_stream", "StrOutputParser"),
        ("on_chat_model_end", "GenericFakeChatModel"),
        ("on_parser_end", "StrOutputParser"),
    ]


async def test_an_error_in_the_middle_of_a_stream_keeps_the_chunks_before_it(
    collect: Collector,
) -> None:
    def tokens(chunks: Any) -> Any:
        for _ in chunks:
            pass
        yield "a"
        yield "b"
        raise ConnectionError("dropped")

    events, error = await collect.failing(RunnableGenerator(tokens), "x")
    assert type(error) is ConnectionError
    assert [(e["event"], e["data"]) for e in events] == [
        ("on_chain_start", {"input": "x"}),
        ("on_chain_stream", {"chunk": "a"}),
        ("on_chain_stream", {"chunk": "b"}),
    ]


async def test_a_consumer_that_stops_reading_stops_the_producer() -> None:
    counted = Counted()
    baseline = asyncio.all_tasks()
    stream = counted.chain().astream_events("go", buffer_size=BUFFER)
    seen = 0
    async for _ in stream:
        seen += 1
        if seen == 5:
            break  # no aclose(): the stream is simply not read any more
    await _let_others_run()
    stalled_at = counted.produced
    assert stalled_at < BUFFER + SLACK
    await _let_others_run()
    assert counted.produced == stalled_at
    assert counted.cleaned == []  # suspended, not finished
    with anyio.fail_after(5):
        await stream.aclose()  # type: ignore[attr-defined]
    assert sorted(counted.cleaned) == ["double", "source"]
    assert _other_tasks(baseline) == set()


async def test_a_run_whose_own_output_does_not_stream_is_still_bounded() -> None:
    # The root yields nothing until its input ends (never, here): the producer must
    # wait for room from inside the run, at twice the buffer.
    counted = Counted()
    chain = RunnableGenerator(counted.source) | RunnableLambda(lambda numbers: "never")
    stream = chain.astream_events("go", buffer_size=BUFFER)
    async for _ in stream:
        break
    await _let_others_run()
    stalled_at = counted.produced
    assert BUFFER < stalled_at < 2 * BUFFER + SLACK
    await _let_others_run()
    assert counted.produced == stalled_at
    with anyio.fail_after(5):
        await stream.aclose()  # type: ignore[attr-defined]
    assert counted.cleaned == ["source"]


async def test_a_slow_consumer_gets_every_event_in_order() -> None:
    async def numbers(chunks: AsyncIterator[Any]) -> AsyncIterator[int]:
        async for _ in chunks:
            pass
        for i in range(200):
            yield i

    got = []
    async for event in RunnableGenerator(numbers).astream_events("x", buffer_size=3):
        if event["event"] == "on_chain_stream":
            got.append(event["data"]["chunk"])
        await _let_others_run(3)
    assert got == list(range(200))


async def test_break_and_aclose_stop_the_run_and_leave_no_task() -> None:
    counted = Counted()
    baseline = asyncio.all_tasks()
    stream = counted.chain().astream_events("go", buffer_size=BUFFER)
    async for event in stream:
        if event["event"] == "on_chain_stream" and event["name"] == "RunnableSequence":
            break
    await stream.aclose()  # type: ignore[attr-defined]
    assert sorted(counted.cleaned) == ["double", "source"]
    assert counted.produced < BUFFER + SLACK
    assert _other_tasks(baseline) == set()
    produced = counted.produced
    await _let_others_run()
    assert counted.produced == produced


async def test_cancelling_the_consumer_stops_the_run_and_leaves_no_task() -> None:
    counted = Counted()
    baseline = asyncio.all_tasks()
    reached = asyncio.Event()

    async def consume() -> None:
        async for event in counted.chain().astream_events("go", buffer_size=BUFFER):
            if event["event"] == "on_chain_stream":
                reached.set()

    task = asyncio.ensure_future(consume())
    await reached.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(counted.cleaned) == ["double", "source"]
    assert _other_tasks(baseline) == set()
    produced = counted.produced
    await _let_others_run()
    assert counted.produced == produced


async def test_cancelling_with_a_full_buffer_and_an_erroring_tool_does_not_hang() -> None:
    # The tool's failure is reported (on_tool_error) while the buffer is full and the
    # consumer is gone: reporting must not wait for room that never comes.
    model = chat_model(" ".join(["w"] * 300))
    finished: list[str] = []

    @tool
    async def research(topic: str, config: RunnableConfig) -> str:
        """Read a long answer."""
        text = ""
        try:
            async for chunk in model.astream(topic, config):
                text += str(chunk.content)
        finally:
            finished.append("research")
        return text

    baseline = asyncio.all_tasks()
    stream = research.astream_events({"topic": "x"}, buffer_size=4)
    async for _ in stream:
        break
    await _let_others_run()
    with anyio.fail_after(5):
        await stream.aclose()  # type: ignore[attr-defined]
    assert finished == ["research"]
    assert _other_tasks(baseline) == set()


async def test_abandoned_log_stream_is_bounded_and_closes() -> None:
    counted = Counted()
    baseline = asyncio.all_tasks()
    stream = counted.chain().astream_log("go", buffer_size=BUFFER)
    async for _ in stream:
        break
    await _let_others_run()
    assert counted.produced < BUFFER + SLACK
    with anyio.fail_after(5):  # a guard: closing must not wait for room in the buffer
        await stream.aclose()  # type: ignore[attr-defined]
    assert sorted(counted.cleaned) == ["double", "source"]
    assert _other_tasks(baseline) == set()


async def test_a_sync_handler_runs_inline_on_the_event_loop_thread() -> None:
    calls: list[tuple[str, int, bool]] = []

    class Recorder(BaseCallbackHandler):
        def _record(self, name: str) -> None:
            try:
                asyncio.get_running_loop()
                in_loop = True
            except RuntimeError:
                in_loop = False
            calls.append((name, threading.get_ident(), in_loop))

        def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
            self._record("chain_start")

        def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
            self._record("chat_model_start")

        def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
            self._record("token")

        def on_llm_end(self, response: Any, **kwargs: Any) -> None:
            self._record("llm_end")

        def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
            self._record("chain_end")

    chain = chat_model() | StrOutputParser()
    loop_thread = threading.get_ident()
    config: RunnableConfig = {"callbacks": [Recorder()]}

    async def via_events() -> None:
        assert [e async for e in chain.astream_events("q", config)]

    async def via_astream() -> None:
        assert "".join([c async for c in chain.astream("q", config)]) == "hi there"

    async def via_ainvoke() -> None:
        assert await chain.ainvoke("q", config) == "hi there"

    for run, tokens in ((via_events, 3), (via_astream, 3), (via_ainvoke, 0)):
        calls.clear()
        await run()
        names = [name for name, _, _ in calls]
        assert names.count("token") == tokens, run
        assert {"chain_start", "chat_model_start", "llm_end", "chain_end"} <= set(names)
        assert {(thread, in_loop) for _, thread, in_loop in calls} == {(loop_thread, True)}
    # A handler sees each callback as it happens: before the event stream ends.
    calls.clear()
    async with aclosing(chain.astream_events("q", config)) as stream:
        async for event in stream:
            if event["event"] == "on_chat_model_stream":
                assert "token" in [name for name, _, _ in calls]
                break


async def test_branches_waiting_for_room_together_are_all_woken() -> None:
    # Parallel branches run as tasks: several wait for room in a full buffer at once,
    # and a slow consumer must wake every one of them, or the run never ends.
    async def words(chunks: AsyncIterator[Any]) -> AsyncIterator[str]:
        async for _ in chunks:
            pass
        for i in range(60):
            yield f"w{i} "

    branches = {name: RunnableGenerator(words) for name in ("a", "b", "c")}
    chain = RunnableParallel(branches) | RunnableLambda(lambda whole: len(whole))
    events = []
    with anyio.fail_after(10):
        async for event in chain.astream_events("go", buffer_size=2):
            events.append(event)
            await _let_others_run(3)
    assert events[-1]["event"] == "on_chain_end" and events[-1]["data"]["output"] == 3
    streamed = [
        e for e in events if e["event"] == "on_chain_stream" and e["name"] != "RunnableSequence"
    ]
    assert len(streamed) >= 3 * 60
