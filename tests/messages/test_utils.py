"""The message union, dict round trips, chunk-to-message and buffer strings."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from runnel.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    ChatMessage,
    ChatMessageChunk,
    HumanMessage,
    HumanMessageChunk,
    SystemMessage,
    ToolMessage,
    ToolMessageChunk,
    get_buffer_string,
    message_chunk_to_message,
    messages_from_dict,
    messages_to_dict,
)

ALL = [
    SystemMessage("s"),
    HumanMessage("h", name="n"),
    AIMessage("a", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "1"}]),
    ToolMessage("t", tool_call_id="1", artifact={"raw": 1}),
    ChatMessage("c", role="critic"),
    HumanMessageChunk("hc"),
    AIMessageChunk("ac", tool_call_chunks=[{"name": "f", "args": "{", "id": "1", "index": 0}]),
    ToolMessageChunk("tc", tool_call_id="2"),
    ChatMessageChunk("cc", role="r"),
]


def test_dict_round_trip_keeps_classes_and_fields():
    assert messages_from_dict(messages_to_dict(ALL)) == ALL


def test_messages_from_dict_rejects_unknown_types():
    with pytest.raises(ValueError, match="Unknown message type 'wizard'"):
        messages_from_dict([{"type": "wizard", "data": {}}])


def test_any_message_validates_by_type():
    class Holder(BaseModel):
        messages: list[AnyMessage]

    holder = Holder.model_validate({"messages": [m.model_dump() for m in ALL]})
    assert holder.messages == ALL
    assert Holder.model_validate(holder.model_dump()) == holder
    with pytest.raises(ValidationError):
        Holder.model_validate({"messages": [{"type": "wizard", "content": "x"}]})


def test_message_chunk_to_message():
    chunk = AIMessageChunk(
        "x",
        id="1",
        tool_call_chunks=[{"name": "a", "args": '{"b": 1', "id": "c", "index": 0}],
        chunk_position="last",
        usage_metadata={"input_tokens": 1, "output_tokens": 2, "total_tokens": 3},
    )
    message = message_chunk_to_message(chunk)
    assert message == AIMessage(
        "x",
        id="1",
        tool_calls=[{"name": "a", "args": {"b": 1}, "id": "c"}],
        usage_metadata={"input_tokens": 1, "output_tokens": 2, "total_tokens": 3},
    )
    assert type(message_chunk_to_message(ChatMessageChunk("x", role="r"))) is ChatMessage
    assert message_chunk_to_message(ToolMessageChunk("x", tool_call_id="1")) == ToolMessage(
        "x", tool_call_id="1"
    )
    human = HumanMessage("x")
    assert message_chunk_to_message(human) is human


def test_get_buffer_string():
    messages = [
        SystemMessage("s"),
        HumanMessage("h"),
        AIMessage("a", tool_calls=[{"name": "f", "args": {}, "id": "1"}]),
        ToolMessage("t", tool_call_id="1"),
        ChatMessage("c", role="critic"),
        AIMessage(["x", {"type": "text", "text": "y"}]),
    ]
    assert get_buffer_string(messages) == (
        "System: s\nHuman: h\n"
        "AI: a[{'name': 'f', 'args': {}, 'id': '1', 'type': 'tool_call'}]\n"
        "Tool: t\ncritic: c\nAI: xy"
    )
    assert (
        get_buffer_string(
            [messages[1], AIMessage("b")],
            human_prefix="U",
            ai_prefix="B",
            message_separator=" | ",
        )
        == "U: h | B: b"
    )
