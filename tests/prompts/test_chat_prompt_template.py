"""Tests for runnel.prompts._chat: ChatPromptTemplate."""

from __future__ import annotations

from typing import Any

import pytest

from runnel.messages import AIMessage, HumanMessage, SystemMessage
from runnel.prompt_values import ChatPromptValue
from runnel.prompts import (
    ChatPromptTemplate,
    HumanMessagePromptTemplate,
    MessagesPlaceholder,
    MissingVariableError,
    PromptTemplate,
    SystemMessagePromptTemplate,
)

pytestmark = pytest.mark.anyio

PROMPT = ChatPromptTemplate.from_messages(
    [
        ("system", "You are {name}."),
        ("placeholder", "{history}"),
        ("human", "{question}"),
        ("ai", "Thinking about {question}..."),
        ("assistant", "Done."),
        SystemMessage("Literal {braces} stay."),
        MessagesPlaceholder("extra", optional=True),
        HumanMessagePromptTemplate.from_template("P.S. {ps}"),
        "plain {ps}",
        {"role": "user", "content": "dict {ps}"},
    ]
)


def test_variables_are_read_from_every_message() -> None:
    assert PROMPT.input_variables == ["name", "ps", "question"]
    assert PROMPT.optional_variables == ["extra", "history"]
    assert set(PROMPT.input_types) == {"history", "extra"}


def test_format_messages_renders_every_kind_in_order() -> None:
    messages = PROMPT.format_messages(
        name="Bob", question="Why?", ps="bye", history=[("human", "hi"), ("ai", "hey")]
    )
    assert messages == [
        SystemMessage("You are Bob."),
        HumanMessage("hi"),
        AIMessage("hey"),
        HumanMessage("Why?"),
        AIMessage("Thinking about Why?..."),
        AIMessage("Done."),
        SystemMessage("Literal {braces} stay."),
        HumanMessage("P.S. bye"),
        HumanMessage("plain bye"),
        HumanMessage("dict bye"),
    ]


async def test_invoke_returns_a_chat_prompt_value(collect_prompt: Any) -> None:
    prompt = ChatPromptTemplate.from_template("tell me a joke about {topic}")
    value = prompt.invoke({"topic": "parrot"})
    assert value == ChatPromptValue(messages=[HumanMessage("tell me a joke about parrot")])
    assert prompt.invoke("parrot") == value
    assert await prompt.ainvoke({"topic": "parrot"}) == value
    assert await collect_prompt(prompt, {"topic": "parrot"}) == [value]


def test_format_renders_the_messages_as_text() -> None:
    prompt = ChatPromptTemplate.from_messages([("system", "Be {tone}."), ("human", "{q}")])
    assert prompt.format(tone="brief", q="Hi?") == "System: Be brief.\nHuman: Hi?"
    assert prompt.format_prompt(tone="x", q="y").to_messages() == [
        SystemMessage("Be x."),
        HumanMessage("y"),
    ]


def test_missing_variables_are_key_errors_naming_them() -> None:
    with pytest.raises(KeyError) as caught:
        PROMPT.invoke({"name": "Bob", "ps": "x"})
    assert isinstance(caught.value, MissingVariableError)
    assert str(caught.value).startswith(
        "The input to ChatPromptTemplate is missing the variable 'question': expected "
        "['name', 'ps', 'question'], received ['name', 'ps']."
    )
    required = ChatPromptTemplate.from_messages([MessagesPlaceholder("history")])
    with pytest.raises(MissingVariableError, match="missing the variable 'history'"):
        required.format_messages()
    assert required.invoke([("human", "bare list for the only variable")]).to_messages() == [
        HumanMessage("bare list for the only variable")
    ]


def test_placeholder_tuples() -> None:
    optional = ChatPromptTemplate.from_messages([("placeholder", "{h}")])
    assert optional.optional_variables == ["h"] and optional.format_messages() == []
    required = ChatPromptTemplate.from_messages([("placeholder", ("{h}", False))])
    assert required.input_variables == ["h"]
    with pytest.raises(ValueError, match="Invalid placeholder 'h'"):
        ChatPromptTemplate.from_messages([("placeholder", "h")])


@pytest.mark.parametrize(
    ("message", "error", "text"),
    [
        (("critic", "{x}"), ValueError, "Unknown message role 'critic'"),
        (("human",), ValueError, r"A message tuple is \(role, template\)"),
        ({"content": "x"}, ValueError, "needs a 'role' and a 'content'"),
        (42, TypeError, "Cannot make a message template of a int"),
        (("human", "{x.secret}"), ValueError, "not allowed in templates"),
    ],
)
def test_bad_messages_are_refused(message: Any, error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text):
        ChatPromptTemplate.from_messages([message])


def test_template_classes_can_stand_for_roles() -> None:
    prompt = ChatPromptTemplate.from_messages([(SystemMessagePromptTemplate, "{a}")])
    assert prompt.format_messages(a="x") == [SystemMessage("x")]


def test_mustache_chat_prompts() -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "{{#rules}}- {{.}}\n{{/rules}}"), ("human", "{{q}} {not_a_variable}")],
        template_format="mustache",
    )
    assert prompt.input_variables == ["q", "rules"]
    assert prompt.format_messages(rules=["a", "b"], q="Hi") == [
        SystemMessage("- a\n- b\n"),
        HumanMessage("Hi {not_a_variable}"),
    ]


def test_partial_removes_variables() -> None:
    partial = PROMPT.partial(name="Bob", history=[("ai", "earlier")])
    assert partial.input_variables == ["ps", "question"]
    assert partial.optional_variables == ["extra"]
    messages = partial.format_messages(question="Q", ps="P")
    assert messages[:2] == [SystemMessage("You are Bob."), AIMessage("earlier")]


def test_nested_chat_prompts_are_formatted_in_place() -> None:
    inner = ChatPromptTemplate.from_messages([("system", "{rules}"), ("placeholder", "{h}")])
    outer = ChatPromptTemplate.from_messages([inner, ("human", "{q}")])
    assert outer.input_variables == ["q", "rules"]
    assert outer.optional_variables == ["h"]
    assert outer.format_messages(rules="r", q="q") == [SystemMessage("r"), HumanMessage("q")]


def test_chat_prompts_add_up() -> None:
    first = ChatPromptTemplate.from_messages([("system", "{a}")]).partial(a="A")
    second = ChatPromptTemplate.from_messages([("human", "{b}")])
    joined = first + second + ("ai", "{c}") + [AIMessage("fixed"), "{d}"]
    assert joined.input_variables == ["b", "c", "d"]
    assert joined.format_messages(b="B", c="C", d="D") == [
        SystemMessage("A"),
        HumanMessage("B"),
        AIMessage("C"),
        AIMessage("fixed"),
        HumanMessage("D"),
    ]
    assert len(joined) == 5 and isinstance(joined[0], SystemMessagePromptTemplate)


def test_input_schema_types_placeholders_as_message_lists() -> None:
    schema = PROMPT.get_input_jsonschema()
    assert schema["title"] == "PromptInput"
    assert schema["required"] == ["name", "ps", "question"]
    assert schema["properties"]["question"] == {"title": "Question", "type": "string"}
    assert schema["properties"]["history"]["anyOf"][0]["type"] == "array"
    model = PROMPT.get_input_schema()
    parsed = model.model_validate(
        {"name": "n", "ps": "p", "question": "q", "history": [{"type": "human", "content": "x"}]}
    )
    assert parsed.history == [HumanMessage("x")]  # type: ignore[attr-defined]


def test_from_template_builds_one_human_message() -> None:
    prompt = ChatPromptTemplate.from_template("{a} and {b}")
    assert prompt.messages == [
        HumanMessagePromptTemplate(prompt=PromptTemplate.from_template("{a} and {b}"))
    ]
    assert prompt.input_variables == ["a", "b"]
