"""Tests for runnel.prompts._message: role message templates and MessagesPlaceholder."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from runnel.messages import AIMessage, ChatMessage, HumanMessage, SystemMessage
from runnel.prompts import (
    AIMessagePromptTemplate,
    ChatMessagePromptTemplate,
    ChatPromptTemplate,
    HumanMessagePromptTemplate,
    MessagesPlaceholder,
    MissingVariableError,
    SystemMessagePromptTemplate,
)


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        (SystemMessagePromptTemplate, SystemMessage("be {brief} 1")),
        (HumanMessagePromptTemplate, HumanMessage("be {brief} 1")),
        (AIMessagePromptTemplate, AIMessage("be {brief} 1")),
    ],
)
def test_role_templates_format_one_message(cls: type, expected: object) -> None:
    template = cls.from_template("be {{brief}} {n}")
    assert template.input_variables == ["n"]
    assert template.format(n=1, other=2) == expected
    assert template.format_messages(n=1) == [expected]


def test_chat_message_template_sets_the_role() -> None:
    template = ChatMessagePromptTemplate.from_template("{x}", role="critic")
    assert template.format(x="meh") == ChatMessage("meh", role="critic")


def test_additional_kwargs_are_passed_on() -> None:
    template = HumanMessagePromptTemplate.from_template("{x}", additional_kwargs={"k": 1})
    assert template.format(x="a").additional_kwargs == {"k": 1}


def test_content_blocks_are_templated() -> None:
    template = HumanMessagePromptTemplate.from_template(
        [
            "Describe {thing}",
            {"type": "image_url", "image_url": {"url": "{url}", "detail": "low"}},
            {"type": "text", "text": "in {n} words"},
            {"type": "other", "text": "{not_a_variable}"},
        ]
    )
    assert template.input_variables == ["n", "thing", "url"]
    assert template.format(thing="this", url="http://x/i.png", n=5).content == [
        {"type": "text", "text": "Describe this"},
        {"type": "image_url", "image_url": {"url": "http://x/i.png", "detail": "low"}},
        {"type": "text", "text": "in 5 words"},
        {"type": "other", "text": "{not_a_variable}"},
    ]
    with pytest.raises(MissingVariableError, match="'url'"):
        template.format(thing="a", n=1)
    with pytest.raises(ValueError, match="not allowed in templates"):
        HumanMessagePromptTemplate.from_template([{"type": "text", "text": "{x.y}"}])


def test_placeholder_formats_a_list_of_message_likes() -> None:
    placeholder = MessagesPlaceholder("history")
    assert placeholder.input_variables == ["history"]
    history = [("human", "hi"), AIMessage("hello"), {"role": "user", "content": "x"}, "y"]
    assert placeholder.format_messages(history=history) == [
        HumanMessage("hi"),
        AIMessage("hello"),
        HumanMessage("x"),
        HumanMessage("y"),
    ]


def test_placeholder_keeps_the_last_n_messages() -> None:
    placeholder = MessagesPlaceholder("h", n_messages=2)
    messages = [HumanMessage(str(i)) for i in range(4)]
    assert placeholder.format_messages(h=messages) == messages[2:]
    with pytest.raises(ValidationError):
        MessagesPlaceholder("h", n_messages=0)


def test_placeholder_required_optional_and_wrong_type() -> None:
    with pytest.raises(MissingVariableError, match="'history'"):
        MessagesPlaceholder("history").format_messages()
    optional = MessagesPlaceholder("history", optional=True)
    assert optional.input_variables == [] and optional.optional_variables == ["history"]
    assert optional.format_messages() == []
    with pytest.raises(ValueError, match="'history' of a MessagesPlaceholder must be a list"):
        optional.format_messages(history="not a list")


def test_message_templates_add_into_chat_prompts() -> None:
    prompt = SystemMessagePromptTemplate.from_template("{a}") + ("human", "{b}")  # noqa: RUF005
    assert isinstance(prompt, ChatPromptTemplate)
    assert prompt.format_messages(a=1, b=2) == [SystemMessage("1"), HumanMessage("2")]
