"""Human messages and their chunks."""

from __future__ import annotations

from runnel.messages import BaseMessageChunk, HumanMessage, HumanMessageChunk


def test_types():
    assert HumanMessage("x").type == "human"
    chunk = HumanMessageChunk("x")
    assert chunk.type == "HumanMessageChunk"
    assert isinstance(chunk, HumanMessage)
    assert isinstance(chunk, BaseMessageChunk)


def test_chunks_add():
    total = HumanMessageChunk("a", id="1") + HumanMessageChunk("b", additional_kwargs={"k": "v"})
    assert total == HumanMessageChunk("ab", id="1", additional_kwargs={"k": "v"})
