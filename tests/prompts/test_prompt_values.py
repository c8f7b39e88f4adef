"""Tests for runnel.prompt_values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from runnel.messages import AIMessage, ChatMessage, HumanMessage, SystemMessage
from runnel.prompt_values import (
    ChatPromptValue,
    ChatPromptValueConcrete,
    PromptValue,
    StringPromptValue,
)


def test_string_prompt_value_reads_as_text_or_one_human_message() -> None:
    value = StringPromptValue(text="Hello")
    assert value.to_string() == "Hello"
    assert value.to_messages() == [HumanMessage("Hello")]
    assert repr(value) == "StringPromptValue(text='Hello')"
    assert isinstance(value, PromptValue)


def test_chat_prompt_value_reads_as_role_lines_or_messages() -> None:
    messages = [
        SystemMessage("Be kind."),
        HumanMessage("Hi"),
        AIMessage("Hey"),
        ChatMessage("Hm", role="critic"),
    ]
    value = ChatPromptValue(messages=messages)
    assert value.to_string() == "System: Be kind.\nHuman: Hi\nAI: Hey\ncritic: Hm"
    assert value.to_messages() == messages
    assert value.to_messages() is not value.messages


def test_concrete_chat_prompt_value_parses_message_dicts() -> None:
    value = ChatPromptValueConcrete.model_validate(
        {"messages": [{"type": "human", "content": "x"}, {"type": "ai", "content": "y"}]}
    )
    assert value.to_messages() == [HumanMessage("x"), AIMessage("y")]
    assert value.type == "ChatPromptValueConcrete"


def test_dumps_keep_the_message_fields() -> None:
    dumped = ChatPromptValue(messages=[AIMessage("x", name="bot")]).model_dump()
    assert dumped["messages"][0]["name"] == "bot"
    assert dumped["type"] == "ChatPromptValue"


def test_prompt_values_are_immutable() -> None:
    with pytest.raises(ValidationError):
        StringPromptValue(text="a").text = "b"  # type: ignore[misc]
