"""Turning strings, (role, content) tuples and dicts into messages."""

from __future__ import annotations

import pytest

from runnel.messages import (
    AIMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    convert_to_messages,
)


@pytest.mark.parametrize(
    ("role", "cls"),
    [
        ("human", HumanMessage),
        ("user", HumanMessage),
        ("ai", AIMessage),
        ("assistant", AIMessage),
        ("system", SystemMessage),
        ("developer", SystemMessage),
    ],
)
def test_role_tuples(role, cls):
    [message] = convert_to_messages([(role, "x")])
    assert type(message) is cls
    assert message.content == "x"


def test_strings_messages_lists_and_content_blocks():
    existing = AIMessage("kept")
    assert convert_to_messages(
        ["hi", existing, ["user", ["a", {"type": "text", "text": "b"}]]]
    ) == [
        HumanMessage("hi"),
        existing,
        HumanMessage(["a", {"type": "text", "text": "b"}]),
    ]


def test_developer_role_is_remembered():
    [message] = convert_to_messages([("developer", "x")])
    assert message.additional_kwargs == {"__openai_role__": "developer"}


def test_dicts_with_role_or_type_and_extra_fields():
    messages = convert_to_messages(
        [
            {"role": "user", "content": "x", "name": "n", "id": "i", "foo": "bar"},
            {"type": "ai", "content": "y"},
            {"role": "tool", "content": "t", "tool_call_id": "1", "status": "error"},
        ]
    )
    assert messages == [
        HumanMessage("x", name="n", id="i", additional_kwargs={"foo": "bar"}),
        AIMessage("y"),
        ToolMessage("t", tool_call_id="1", status="error"),
    ]


def test_assistant_dicts_with_tool_calls_in_either_form():
    [openai_form, langchain_form] = convert_to_messages(
        [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "1",
                        "type": "function",
                        "function": {"name": "f", "arguments": '{"a": 1}'},
                    },
                    {"id": "2", "type": "function", "function": {"name": "g", "arguments": "{bad"}},
                ],
            },
            {
                "role": "ai",
                "content": "",
                "tool_calls": [{"name": "f", "args": {"a": 1}, "id": "1"}],
            },
        ]
    )
    assert openai_form.content == ""
    assert openai_form.tool_calls == [
        {"name": "f", "args": {"a": 1}, "id": "1", "type": "tool_call"}
    ]
    assert [(bad["name"], bad["args"]) for bad in openai_form.invalid_tool_calls] == [("g", "{bad")]
    assert langchain_form.tool_calls == openai_form.tool_calls


def test_prompt_value_like_objects_give_their_messages():
    class Prompt:
        def to_messages(self):
            return [HumanMessage("from prompt")]

    assert convert_to_messages(Prompt()) == [HumanMessage("from prompt")]


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ([("wizard", "x")], "Unknown message role 'wizard'"),
        ([{"role": "wizard", "content": "x"}], "Unknown message role 'wizard'"),
        ([{"role": "user"}], "needs a 'content'"),
        ([{"content": "x"}], "needs a 'role'"),
        ([("tool", "x")], "needs a 'tool_call_id'"),
        ([("user", "x", "extra")], r"must be \(role, content\)"),
    ],
)
def test_bad_input_raises_value_error_naming_the_problem(bad, match):
    with pytest.raises(ValueError, match=match):
        convert_to_messages(bad)


def test_unsupported_types_raise_type_error():
    with pytest.raises(TypeError, match="int"):
        convert_to_messages([3])  # type: ignore[list-item]
