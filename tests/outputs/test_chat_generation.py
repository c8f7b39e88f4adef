"""Chat generations and their chunks."""

from __future__ import annotations

import pytest

from runnel.messages import AIMessage, AIMessageChunk, HumanMessageChunk
from runnel.outputs import ChatGeneration, ChatGenerationChunk, merge_chat_generation_chunks


def test_text_is_derived_from_the_message():
    generation = ChatGeneration(message=AIMessage(["a", {"type": "text", "text": "b"}]))
    assert generation.text == "ab"
    assert generation.type == "ChatGeneration"


def test_dump_keeps_the_message_fields():
    message = AIMessage("x", tool_calls=[{"name": "f", "args": {}, "id": "1"}])
    generation = ChatGeneration(message=message)
    assert generation.model_dump()["message"]["tool_calls"] == message.tool_calls
    assert ChatGeneration.model_validate(generation.model_dump()) == generation


def test_chunks_add_messages_and_info():
    total = ChatGenerationChunk(
        message=AIMessageChunk("a", response_metadata={"finish_reason": "stop"}),
        generation_info={"finish_reason": "stop"},
    ) + ChatGenerationChunk(
        message=AIMessageChunk("b", response_metadata={"finish_reason": "stop"}),
        generation_info={"finish_reason": "stop"},
    )
    assert total.text == "ab"
    assert total.message == AIMessageChunk("ab", response_metadata={"finish_reason": "stop"})
    assert total.generation_info == {"finish_reason": "stop"}
    assert total.type == "ChatGenerationChunk"


def test_adding_a_list_and_bulk_merge():
    chunks = [ChatGenerationChunk(message=AIMessageChunk(t)) for t in "abc"]
    assert (chunks[0] + chunks[1:]).text == "abc"
    merged = merge_chat_generation_chunks(chunks)
    assert merged is not None
    assert merged == chunks[0] + chunks[1] + chunks[2]
    assert merge_chat_generation_chunks([]) is None
    assert merge_chat_generation_chunks(chunks[:1]) is chunks[0]


def test_chunks_of_different_message_classes_do_not_add():
    with pytest.raises(TypeError, match="HumanMessageChunk"):
        ChatGenerationChunk(message=AIMessageChunk("a")) + ChatGenerationChunk(
            message=HumanMessageChunk("b")
        )


def test_chunk_needs_a_message_chunk():
    with pytest.raises(ValueError):
        ChatGenerationChunk(message=AIMessage("a"))
