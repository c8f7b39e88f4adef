"""The AI SDK wire without HTTP: `useChat` bodies in, UI message chunks out."""

from __future__ import annotations

from typing import Any

import pytest

from runnel.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from runnel.server._errors import HTTPProblem
from runnel.server._ui_messages import parse_ui_chat_request, ui_messages_to_messages
from runnel.server._ui_parts import (
    CustomData,
    Finished,
    Part,
    ReasoningDelta,
    TextDelta,
    ToolCallDelta,
    ToolFailed,
    ToolFinished,
    ToolStarted,
)
from runnel.server._ui_stream import UIStreamEncoder

USAGE = {"input_tokens": 42, "output_tokens": 9, "total_tokens": 51}


def encode(parts: list[Part], **options: Any) -> list[dict[str, Any]]:
    encoder = UIStreamEncoder(message_id="msg_1", run_id="r-1", **options)
    return encoder.start() + [chunk for part in parts for chunk in encoder.feed(part)]


def text_message(role: str, text: str, id: str = "m") -> dict[str, Any]:
    return {"id": id, "role": role, "parts": [{"type": "text", "text": text}]}


# -- what useChat sends ---------------------------------------------------------------------


def test_the_body_use_chat_sends_is_read() -> None:
    request = parse_ui_chat_request(
        {
            "id": "chat-1",
            "messages": [text_message("user", "hi", "u1")],
            "trigger": "regenerate-message",
            "messageId": "a1",
            "config": {"tags": ["x"]},
            "temperature": 1,
        }
    )
    assert request.chat_id == "chat-1"
    assert request.messages == [HumanMessage("hi", id="u1")]
    assert (request.trigger, request.message_id) == ("regenerate-message", "a1")
    assert request.config == {"tags": ["x"]}
    assert request.extra == {"temperature": 1}


def test_user_parts_become_content_blocks() -> None:
    (message,) = ui_messages_to_messages(
        [
            {
                "id": "u1",
                "role": "user",
                "parts": [
                    {"type": "text", "text": "what is this?"},
                    {"type": "file", "mediaType": "image/png", "url": "data:image/png;base64,AA"},
                    {
                        "type": "file",
                        "mediaType": "application/pdf",
                        "url": "data:application/pdf;base64,BB",
                        "filename": "a.pdf",
                    },
                ],
            }
        ]
    )
    assert message.content == [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}},
        {
            "type": "file",
            "url": "data:application/pdf;base64,BB",
            "mime_type": "application/pdf",
            "filename": "a.pdf",
        },
    ]


def test_assistant_steps_become_ai_and_tool_messages() -> None:
    messages = ui_messages_to_messages(
        [
            text_message("system", "be brief"),
            text_message("user", "weather in Paris and Rome?"),
            {
                "id": "a1",
                "role": "assistant",
                "parts": [
                    {"type": "step-start"},
                    {"type": "reasoning", "text": "two calls"},
                    {
                        "type": "dynamic-tool",
                        "toolName": "weather",
                        "toolCallId": "c1",
                        "state": "output-available",
                        "input": {"city": "Paris"},
                        "output": {"temp_c": 18},
                    },
                    {
                        "type": "tool-weather",
                        "toolCallId": "c2",
                        "state": "output-error",
                        "input": {"city": "Rome"},
                        "errorText": "timeout",
                    },
                    {
                        "type": "tool-weather",
                        "toolCallId": "c3",
                        "state": "input-available",
                        "input": {"city": "Oslo"},
                    },
                    {"type": "step-start"},
                    {"type": "text", "text": "Paris: 18 C."},
                    {"type": "data-run", "data": {"run_id": "r"}},
                ],
            },
        ]
    )
    system, user, calls, paris, rome, answer = messages
    assert isinstance(system, SystemMessage) and isinstance(user, HumanMessage)
    assert isinstance(calls, AIMessage) and calls.id == "a1" and calls.content == ""
    assert [(c["id"], c["name"], c["args"]) for c in calls.tool_calls] == [
        ("c1", "weather", {"city": "Paris"}),
        ("c2", "weather", {"city": "Rome"}),
    ]
    assert paris == ToolMessage('{"temp_c": 18}', tool_call_id="c1", name="weather")
    assert isinstance(rome, ToolMessage) and rome.status == "error" and rome.content == "timeout"
    assert answer == AIMessage("Paris: 18 C.")


@pytest.mark.parametrize(
    ("messages", "fragment"),
    [
        (None, "non-empty array"),
        ([], "non-empty array"),
        (["hi"], "messages[0] must be an object"),
        ([{"role": "user", "parts": "hi"}], "messages[0].parts"),
        ([{"role": "tool", "parts": []}], "messages[0].role"),
    ],
)
def test_malformed_messages_are_400s_naming_the_message(messages: Any, fragment: str) -> None:
    with pytest.raises(HTTPProblem, match=fragment.replace("[", r"\[").replace("]", r"\]")) as e:
        parse_ui_chat_request({"id": "c", "messages": messages})
    assert e.value.status_code == 400


# -- what useChat reads ---------------------------------------------------------------------


def test_a_text_answer_is_the_reference_example_a() -> None:
    chunks = encode(
        [TextDelta("Hello"), TextDelta(" world"), Finished("Hello world", "stop", None)]
    )
    assert chunks == [
        {"type": "start", "messageId": "msg_1", "messageMetadata": {"run_id": "r-1"}},
        {"type": "start-step"},
        {"type": "text-start", "id": "text_0"},
        {"type": "text-delta", "id": "text_0", "delta": "Hello"},
        {"type": "text-delta", "id": "text_0", "delta": " world"},
        {"type": "text-end", "id": "text_0"},
        {"type": "finish-step"},
        {"type": "finish"},
    ]


def test_a_tool_run_then_text_is_two_steps_like_example_b() -> None:
    parts: list[Part] = [
        ToolStarted("run-7", "get_weather", {"city": "Paris"}),
        ToolFinished("run-7", "get_weather", ToolMessage('{"temp_c": 18}', tool_call_id="x")),
        TextDelta("It is 18 C in Paris."),
        CustomData("progress", {"done": True}),
        Finished("It is 18 C in Paris.", "stop", USAGE),  # type: ignore[arg-type]
    ]
    assert encode(parts)[2:] == [
        {
            "type": "tool-input-available",
            "toolCallId": "run-7",
            "toolName": "get_weather",
            "input": {"city": "Paris"},
            "dynamic": True,
        },
        {
            "type": "tool-output-available",
            "toolCallId": "run-7",
            "output": '{"temp_c": 18}',
            "dynamic": True,
        },
        {"type": "finish-step"},
        {"type": "start-step"},
        {"type": "text-start", "id": "text_0"},
        {"type": "text-delta", "id": "text_0", "delta": "It is 18 C in Paris."},
        {"type": "data-progress", "data": {"done": True}},
        {"type": "text-end", "id": "text_0"},
        {"type": "message-metadata", "messageMetadata": {"usage": USAGE}},
        {"type": "finish-step"},
        {"type": "finish"},
    ]


def test_a_tool_call_in_the_answer_streams_its_input() -> None:
    parts: list[Part] = [
        TextDelta("Let me check."),
        ToolCallDelta(0, "call_1", "get_weather", '{"city":'),
        ToolCallDelta(0, None, None, '"Paris"}'),
        ToolCallDelta(1, None, "clock", ""),
        Finished(None, "tool_calls", None),
    ]
    assert encode(parts, sdk_version=7)[4:] == [
        {"type": "text-end", "id": "text_0"},
        {
            "type": "tool-input-start",
            "toolCallId": "call_1",
            "toolName": "get_weather",
            "dynamic": True,
        },
        {"type": "tool-input-delta", "toolCallId": "call_1", "inputTextDelta": '{"city":'},
        {"type": "tool-input-delta", "toolCallId": "call_1", "inputTextDelta": '"Paris"}'},
        {
            "type": "tool-input-start",
            "toolCallId": "call_r-1_1",
            "toolName": "clock",
            "dynamic": True,
        },
        {
            "type": "tool-input-available",
            "toolCallId": "call_1",
            "toolName": "get_weather",
            "input": {"city": "Paris"},
            "dynamic": True,
        },
        {
            "type": "tool-input-available",
            "toolCallId": "call_r-1_1",
            "toolName": "clock",
            "input": {},
            "dynamic": True,
        },
        {"type": "finish-step"},
        {"type": "finish", "finishReason": "tool-calls"},
    ]


def test_reasoning_and_text_are_separate_blocks() -> None:
    chunks = encode([ReasoningDelta("hmm"), TextDelta("yes"), ReasoningDelta("more")])
    assert [c["type"] for c in chunks[2:]] == [
        "reasoning-start",
        "reasoning-delta",
        "reasoning-end",
        "text-start",
        "text-delta",
        "text-end",
        "reasoning-start",
        "reasoning-delta",
    ]
    assert chunks[2]["id"] != chunks[5]["id"] != chunks[8]["id"]


def test_errors_use_the_endpoint_text_and_end_the_message() -> None:
    encoder = UIStreamEncoder("m", "r", sdk_version=6, error_text=lambda exc: f"oops: {exc}")
    failed = encoder.feed(ToolFailed("t1", "weather", ValueError("down")))
    assert failed == [
        {
            "type": "tool-output-error",
            "toolCallId": "t1",
            "errorText": "oops: down",
            "dynamic": True,
        }
    ]
    assert encoder.error(RuntimeError("boom")) == [
        {"type": "error", "errorText": "oops: boom"},
        {"type": "finish-step"},
        {"type": "finish", "finishReason": "error"},
    ]


def test_the_default_error_text_is_the_ai_sdk_one() -> None:
    assert UIStreamEncoder("m", "r").error(RuntimeError("secret"))[0] == {
        "type": "error",
        "errorText": "An error occurred.",
    }
