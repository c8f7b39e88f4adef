"""`runnel.messages.__all__` lists exactly its public names."""

from __future__ import annotations

import inspect

import runnel.messages


def test_all_lists_exactly_the_public_names():
    public = {
        name
        for name, value in vars(runnel.messages).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert sorted(runnel.messages.__all__) == sorted(public)
    assert len(runnel.messages.__all__) == len(set(runnel.messages.__all__))


def test_langchain_names_are_there():
    for name in [
        "AIMessage",
        "AIMessageChunk",
        "AnyMessage",
        "BaseMessage",
        "BaseMessageChunk",
        "ChatMessage",
        "ChatMessageChunk",
        "HumanMessage",
        "HumanMessageChunk",
        "InputTokenDetails",
        "InvalidToolCall",
        "OutputTokenDetails",
        "SystemMessage",
        "SystemMessageChunk",
        "ToolCall",
        "ToolCallChunk",
        "ToolMessage",
        "ToolMessageChunk",
        "UsageMetadata",
        "convert_to_messages",
        "get_buffer_string",
        "message_chunk_to_message",
        "message_to_dict",
        "messages_from_dict",
        "messages_to_dict",
    ]:
        assert name in runnel.messages.__all__, name
