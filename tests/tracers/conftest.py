"""Fixtures for the event-stream tests: fake components and one collector for both paths."""

from __future__ import annotations

import itertools
from typing import Any

import anyio.to_thread
import pytest

from runnel.embeddings import DeterministicFakeEmbedding
from runnel.language_models import GenericFakeChatModel
from runnel.output_parsers import StrOutputParser
from runnel.prompts import ChatPromptTemplate
from runnel.runnables import Runnable, RunnableSequence
from runnel.tracers import to_jsonable
from runnel.vectorstores import InMemoryVectorStore, VectorStoreRetriever

EVENT_KEYS = {"event", "name", "run_id", "parent_ids", "tags", "metadata", "data"}


def chat_model(text: str = "hi there", **kwargs: Any) -> GenericFakeChatModel:
    """A chat model that answers `text` every time, streamed word by word."""
    return GenericFakeChatModel(messages=itertools.cycle([text]), **kwargs)


def joke_chain(text: str = "hi there") -> RunnableSequence:
    """LangChain's canonical chain: prompt | chat model | StrOutputParser."""
    prompt = ChatPromptTemplate.from_template("joke about {topic}")
    return prompt | chat_model(text) | StrOutputParser()


def retriever() -> VectorStoreRetriever:
    """A retriever over two documents (an identical query text ranks first)."""
    store = InMemoryVectorStore.from_texts(
        ["harrison worked at kensho", "harrison likes spicy food"],
        embedding=DeterministicFakeEmbedding(size=16),
    )
    return store.as_retriever()


class Collector:
    """Collects the events of a run through `astream_events` or `stream_events`."""

    def __init__(self, is_async: bool) -> None:
        self.is_async = is_async

    async def __call__(
        self, runnable: Runnable[Any, Any], input: Any, **kwargs: Any
    ) -> list[dict[str, Any]]:
        if self.is_async:
            return [event async for event in runnable.astream_events(input, **kwargs)]

        def collect() -> list[dict[str, Any]]:
            return list(runnable.stream_events(input, **kwargs))

        return await anyio.to_thread.run_sync(collect)

    async def failing(
        self, runnable: Runnable[Any, Any], input: Any, **kwargs: Any
    ) -> tuple[list[dict[str, Any]], BaseException]:
        """The events delivered before the stream raised, and what it raised."""
        events: list[dict[str, Any]] = []
        if self.is_async:
            try:
                async for event in runnable.astream_events(input, **kwargs):
                    events.append(event)
            except Exception as exc:
                return events, exc
            raise AssertionError("the event stream did not raise")

        def collect() -> BaseException:
            try:
                for event in runnable.stream_events(input, **kwargs):
                    events.append(event)
            except Exception as exc:
                return exc
            raise AssertionError("the event stream did not raise")

        error = await anyio.to_thread.run_sync(collect)
        return events, error

    def __repr__(self) -> str:
        return "astream_events" if self.is_async else "stream_events"


@pytest.fixture(params=["async", "sync"])
def collect(request: pytest.FixtureRequest) -> Collector:
    """Run a runnable and return its events, once per path (async and sync)."""
    return Collector(request.param == "async")


def kinds(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(event, name) of each event."""
    return [(e["event"], e["name"]) for e in events]


def labels(events: list[dict[str, Any]]) -> dict[str, str]:
    """Run ids (and parent ids) to R0, R1, ... in order of first appearance."""
    out: dict[str, str] = {}
    for event in events:
        for run_id in [*event["parent_ids"], event["run_id"]]:
            out.setdefault(run_id, f"R{len(out)}")
    return out


def outline(events: list[dict[str, Any]]) -> list[tuple[str, str, str, list[str], list[str]]]:
    """(event, name, run label, parent labels, tags) of each event: the shape of a stream."""
    names = labels(events)
    return [
        (e["event"], e["name"], names[e["run_id"]], [names[p] for p in e["parent_ids"]], e["tags"])
        for e in events
    ]


def normalized(events: list[dict[str, Any]]) -> list[Any]:
    """Events as JSON data with run ids replaced by labels (message ids embed run ids)."""
    names = labels(events)

    def relabel(value: Any) -> Any:
        if isinstance(value, str):
            for run_id, label in names.items():
                value = value.replace(run_id, label)
            return value
        if isinstance(value, dict):
            return {k: relabel(v) for k, v in value.items()}
        if isinstance(value, list):
            return [relabel(v) for v in value]
        return value

    return [relabel(to_jsonable(e)) for e in events]


def by_run(events: list[dict[str, Any]], event: str, name: str) -> dict[str, Any]:
    """The one event of kind `event` from the run named `name`."""
    found = [e for e in events if e["event"] == event and e["name"] == name]
    assert len(found) == 1, (event, name, kinds(events))
    return found[0]
