"""Tests for runnel.output_parsers._base and ._transform: the parser bases."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from runnel.messages import AIMessage, AIMessageChunk, HumanMessage
from runnel.output_parsers import (
    BaseCumulativeTransformOutputParser,
    BaseGenerationOutputParser,
    BaseOutputParser,
    BaseTransformOutputParser,
    JsonOutputParser,
    StrOutputParser,
)
from runnel.output_parsers._base import text_of, to_generation
from runnel.outputs import ChatGeneration, Generation
from runnel.runnables import RunnableGenerator

pytestmark = pytest.mark.anyio


class Upper(BaseOutputParser[str]):
    """A parser written LangChain-style: only `parse`."""

    def parse(self, text: str) -> str:
        return text.upper()


class UpperEach(BaseTransformOutputParser[str]):
    def parse(self, text: str) -> str:
        return text.upper()


class Words(BaseCumulativeTransformOutputParser[list[str]]):
    """Re-parses the whole output on each chunk: the words so far."""

    def parse(self, text: str) -> list[str]:
        return text.split()

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        return result[0].text.split()

    def _diff(self, prev: list[str] | None, next: list[str]) -> Any:
        return next[len(prev or []) :]


class MessageKind(BaseGenerationOutputParser[str]):
    def parse_result(self, result: list[Generation], *, partial: bool = False) -> str:
        generation = result[0]
        return generation.message.type if isinstance(generation, ChatGeneration) else "text"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "plain"),
        ("", ""),
        (AIMessage("from a message"), "from a message"),
        (AIMessageChunk("a chunk"), "a chunk"),
        (AIMessage([{"type": "text", "text": "a"}, {"type": "image_url"}, "b"]), "ab"),
        (Generation(text="generated"), "generated"),
        (ChatGeneration(message=AIMessage("chat")), "chat"),
    ],
)
def test_text_of_reads_strings_messages_and_generations(value: Any, text: str) -> None:
    assert text_of(value) == text


def test_text_of_names_what_it_cannot_read() -> None:
    with pytest.raises(TypeError, match="got a int"):
        text_of(3)
    with pytest.raises(TypeError, match="got a dict"):
        to_generation({"text": "x"})


def test_to_generation_wraps_messages_in_chat_generations() -> None:
    message = AIMessage("hi")
    generation = to_generation(message)
    assert isinstance(generation, ChatGeneration) and generation.message is message
    assert to_generation("hi") == Generation(text="hi")
    same = Generation(text="x")
    assert to_generation(same) is same


async def test_parse_only_parser_invokes_on_text_messages_and_generations() -> None:
    parser = Upper()
    assert parser.invoke("abc") == "ABC"
    assert parser.invoke(AIMessage("abc")) == "ABC"
    assert parser.invoke(Generation(text="abc")) == "ABC"
    assert await parser.ainvoke(HumanMessage("abc")) == "ABC"
    assert parser.parse_result([Generation(text="x"), Generation(text="y")]) == "X"


async def test_parse_only_parser_is_a_barrier(collect: Any) -> None:
    assert not Upper().streams_input
    assert await collect(Upper(), ["ab", "cd"]) == ["ABCD"]


async def test_transform_parser_parses_each_chunk(collect: Any) -> None:
    assert UpperEach().streams_input
    assert await collect(UpperEach(), ["ab", AIMessageChunk("cd"), ""]) == ["AB", "CD", ""]


async def test_cumulative_parser_reparses_and_yields_changes(collect: Any) -> None:
    out = await collect(Words(), ["a", "b c", " ", "d"])
    assert out == [["a"], ["ab", "c"], ["ab", "c", "d"]]


async def test_cumulative_parser_streams_diffs(collect: Any) -> None:
    out = await collect(Words(diff=True), ["a b", " c", " "])
    assert out == [["a", "b"], ["c"]]


async def test_cumulative_parser_adds_up_message_chunks(collect: Any) -> None:
    out = await collect(Words(), [AIMessageChunk("a "), AIMessageChunk("b")])
    assert out == [["a"], ["a", "b"]]


async def test_generation_parser_sees_the_message() -> None:
    assert MessageKind().invoke(AIMessage("x")) == "ai"
    assert MessageKind().invoke("x") == "text"


def test_output_type_is_the_type_parameter() -> None:
    assert StrOutputParser().OutputType is str
    assert Upper().OutputType is str
    assert Words().OutputType == list[str]
    assert JsonOutputParser().OutputType is Any


def test_input_type_and_schema_accept_text_or_messages() -> None:
    schema = StrOutputParser().get_input_jsonschema()
    assert {"type": "string"} in schema["anyOf"]


def test_missing_format_instructions_say_so() -> None:
    with pytest.raises(NotImplementedError, match="Upper has no format instructions"):
        Upper().get_format_instructions()


async def test_async_paths_parse_on_the_calling_thread() -> None:
    seen: list[int] = []

    class Recording(BaseTransformOutputParser[str]):
        def parse(self, text: str) -> str:
            seen.append(threading.get_ident())
            return text

    parser = Recording()
    await parser.ainvoke("x")
    async for _ in parser.astream("y"):
        pass

    async def chunks() -> AsyncIterator[str]:
        yield "z"

    async for _ in parser.atransform(chunks()):
        pass
    assert seen == [threading.get_ident()] * 3


async def test_parser_closes_its_input_when_the_consumer_stops() -> None:
    closed: list[str] = []

    def source() -> Iterator[str]:
        try:
            yield from ["a", "b", "c"]
        finally:
            closed.append("sync")

    async def asource() -> AsyncIterator[str]:
        try:
            for chunk in ["a", "b", "c"]:
                yield chunk
        finally:
            closed.append("async")

    out = StrOutputParser().transform(source())
    assert next(out) == "a"
    out.close()  # type: ignore[attr-defined]
    aout = StrOutputParser().atransform(asource())
    assert await anext(aout) == "a"
    await aout.aclose()  # type: ignore[attr-defined]
    assert closed == ["sync", "async"]


async def test_parser_closes_its_input_when_parsing_fails(collect: Any) -> None:
    closed: list[bool] = []

    def source(_: Iterator[Any]) -> Iterator[str]:
        try:
            yield from ['{"a": 1}', " oops", ' {"b"']
        finally:
            closed.append(True)

    async def asource(_: AsyncIterator[Any]) -> AsyncIterator[str]:
        try:
            for chunk in ['{"a": 1}', " oops", ' {"b"']:
                yield chunk
        finally:
            closed.append(True)

    chain = RunnableGenerator(source, asource) | JsonOutputParser()
    with pytest.raises(ValueError, match="Invalid JSON"):
        list(chain.stream(None))
    with pytest.raises(ValueError, match="Invalid JSON"):
        async for _ in chain.astream(None):
            pass
    assert closed == [True, True]


async def test_parser_runs_are_reported_as_parser_events() -> None:
    def tokens(_: Iterator[Any]) -> Iterator[AIMessageChunk]:
        yield from [AIMessageChunk("he"), AIMessageChunk("llo")]

    async def atokens(_: AsyncIterator[Any]) -> AsyncIterator[AIMessageChunk]:
        for chunk in tokens(iter(())):
            yield chunk

    chain = RunnableGenerator(tokens, atokens) | StrOutputParser()
    events = [
        (event["event"], event["data"])
        async for event in chain.astream_events(None, version="v2")
        if event["name"] == "StrOutputParser"
    ]
    assert [kind for kind, _ in events] == [
        "on_parser_start",
        "on_parser_stream",
        "on_parser_stream",
        "on_parser_end",
    ]
    assert events[-1][1]["output"] == "hello"
