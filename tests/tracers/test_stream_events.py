"""stream_events: the synchronous event stream, run in a worker thread."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest

from runnel.output_parsers import StrOutputParser
from runnel.runnables import RunnableGenerator, RunnableLambda, RunnableParallel

from .conftest import chat_model, joke_chain, normalized, outline

pytestmark = pytest.mark.anyio

TOTAL = 10_000


class Counted:
    """A finite but long sync source and a transform step, counting and recording cleanup."""

    def __init__(self) -> None:
        self.produced = 0
        self.cleaned: list[str] = []

    def source(self, chunks: Iterator[Any]) -> Iterator[int]:
        for _ in chunks:
            pass
        try:
            for i in range(TOTAL):
                self.produced += 1
                yield i
        finally:
            self.cleaned.append("source")

    def double(self, chunks: Iterator[int]) -> Iterator[int]:
        try:
            for chunk in chunks:
                yield chunk * 2
        finally:
            self.cleaned.append("double")

    def chain(self) -> Any:
        return RunnableGenerator(self.source) | RunnableGenerator(self.double)


def _threads() -> set[threading.Thread]:
    return set(threading.enumerate())


@pytest.mark.parametrize(
    ("make", "input"),
    [
        (joke_chain, {"topic": "cats"}),
        (lambda: RunnableParallel(joke=joke_chain()), {"topic": "cats"}),
        (lambda: chat_model() | StrOutputParser() | RunnableLambda(str.upper, name="up"), "q"),
    ],
)
async def test_same_events_as_astream_events(make: Any, input: Any) -> None:
    sync = list(make().stream_events(input))
    async_ = [e async for e in make().astream_events(input)]
    assert outline(sync) == outline(async_)
    assert normalized(sync) == normalized(async_)


def test_is_a_plain_iterator_needing_no_event_loop() -> None:
    stream = joke_chain().stream_events({"topic": "cats"})
    assert iter(stream) is stream
    first = next(stream)
    assert first["event"] == "on_chain_start"
    rest = list(stream)
    assert rest[-1]["data"] == {"output": "hi there"}


def test_breaking_out_stops_the_run_and_leaves_no_thread() -> None:
    counted = Counted()
    before = _threads()
    for event in counted.chain().stream_events("go", buffer_size=8):
        if event["event"] == "on_chain_stream" and event["name"] == "RunnableSequence":
            break
    # The abandoned iterator was closed when the loop dropped it (reference counting).
    assert sorted(counted.cleaned) == ["double", "source"]
    assert counted.produced < 50
    assert _threads() == before


def test_closing_stops_the_run_and_leaves_no_thread() -> None:
    counted = Counted()
    before = _threads()
    with closing(counted.chain().stream_events("go", buffer_size=8)) as stream:
        for seen, _ in enumerate(stream):
            if seen == 10:
                break
        assert len(_threads() - before) == 1  # the producer, still waiting
    assert sorted(counted.cleaned) == ["double", "source"]
    assert counted.produced < 50
    assert _threads() == before


def test_an_unstarted_stream_starts_no_thread() -> None:
    before = _threads()
    stream = joke_chain().stream_events({"topic": "cats"})
    assert _threads() == before
    stream.close()
    assert _threads() == before


def test_failure_is_raised_after_the_events_before_it() -> None:
    def boom(text: str) -> str:
        raise ZeroDivisionError(text)

    events = []
    before = _threads()
    with pytest.raises(ZeroDivisionError, match="hi there"):
        for event in (chat_model() | RunnableLambda(lambda m: m.content) | boom).stream_events("q"):
            events.append(event)
    assert events[0]["event"] == "on_chain_start"
    assert ("on_chat_model_end", "GenericFakeChatModel") in [
        (e["event"], e["name"]) for e in events
    ]
    assert [e["event"] for e in events if e["name"] == "boom"] == ["on_chain_start"]
    assert _threads() == before


def test_unknown_version_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="'v1', 'v2'"):
        joke_chain().stream_events({"topic": "x"}, version="v9")


def test_endless_source_with_small_buffer() -> None:
    def endless(chunks: Iterator[Any]) -> Iterator[int]:
        for _ in chunks:
            pass
        yield from itertools.count()

    got = []
    for event in RunnableGenerator(endless).stream_events("x", buffer_size=2):
        if event["event"] == "on_chain_stream":
            got.append(event["data"]["chunk"])
            if len(got) == 100:
                break
    assert got == list(range(100))
