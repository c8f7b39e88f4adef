"""Tests for runnel.output_parsers._string: StrOutputParser."""

from __future__ import annotations

from typing import Any

import pytest

from runnel.language_models import GenericFakeChatModel
from runnel.messages import AIMessage, AIMessageChunk
from runnel.output_parsers import StrOutputParser
from runnel.outputs import ChatGeneration, ChatGenerationChunk, GenerationChunk
from runnel.prompts import ChatPromptTemplate

pytestmark = pytest.mark.anyio


async def test_yields_one_string_per_chunk_empty_ones_included(collect: Any) -> None:
    chunks = [AIMessageChunk("Hel"), AIMessageChunk(""), "lo", GenerationChunk(text="!")]
    assert await collect(StrOutputParser(), chunks) == ["Hel", "", "lo", "!"]


async def test_reads_the_text_blocks_of_list_content(collect: Any) -> None:
    chunk = AIMessageChunk([{"type": "text", "text": "a", "index": 0}, {"type": "tool_use"}])
    generation = ChatGenerationChunk(message=AIMessageChunk("b"))
    assert await collect(StrOutputParser(), [chunk, generation]) == ["a", "b"]


async def test_invoke_returns_the_whole_text() -> None:
    parser = StrOutputParser()
    assert parser.invoke(AIMessage("whole")) == "whole"
    assert await parser.ainvoke("text") == "text"
    assert parser.invoke(ChatGeneration(message=AIMessage("gen"))) == "gen"
    assert parser.parse("x") == "x"


async def test_streams_model_tokens_through_a_chain() -> None:
    model = GenericFakeChatModel(messages=iter(["Why did the parrot talk?"] * 3))
    chain = ChatPromptTemplate.from_template("tell me a joke about {topic}") | model
    chain = chain | StrOutputParser()
    streamed = list(chain.stream({"topic": "parrots"}))
    assert all(isinstance(chunk, str) for chunk in streamed)
    assert len(streamed) > 1
    assert "".join(streamed) == "Why did the parrot talk?"
    assert "".join([c async for c in chain.astream({"topic": "parrots"})]) == "".join(streamed)
    assert chain.invoke({"topic": "parrots"}) == "Why did the parrot talk?"
