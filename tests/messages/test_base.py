"""What every message shares: text, repr, pretty printing, the dict form, fast construction."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from runnel.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    message_to_dict,
    messages_to_dict,
)
from runnel.messages._base import construct


def test_content_may_be_positional_or_keyword():
    assert HumanMessage("hi") == HumanMessage(content="hi")


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError, match="tool_call_ids"):
        AIMessage("x", tool_call_ids=["1"])


def test_content_must_be_text_or_blocks():
    with pytest.raises(ValidationError):
        HumanMessage(5)  # type: ignore[arg-type]


def test_numeric_id_becomes_a_string():
    assert HumanMessage("x", id=5).id == "5"  # type: ignore[arg-type]


def test_text_joins_strings_and_text_blocks_only():
    message = HumanMessage(
        ["a", {"type": "text", "text": "b"}, {"type": "image_url", "image_url": "u"}, "c"]
    )
    assert message.text == "abc"
    assert AIMessage("plain").text == "plain"


def test_repr_skips_type_and_defaults():
    assert repr(AIMessageChunk("The", id="x")) == (
        "AIMessageChunk(content='The', additional_kwargs={}, response_metadata={}, id='x')"
    )
    assert repr(HumanMessage("hi", name="bob")) == (
        "HumanMessage(content='hi', additional_kwargs={}, response_metadata={}, name='bob')"
    )
    assert "chunk_position='last'" in repr(AIMessageChunk("", chunk_position="last"))


def test_pretty_repr():
    assert HumanMessage("hi", name="bob").pretty_repr() == (
        "=" * 32 + " Human Message " + "=" * 33 + "\nName: bob\n\nhi"
    )
    message = AIMessage(
        "ok",
        tool_calls=[{"name": "f", "args": {"x": 1}, "id": "c1"}],
        invalid_tool_calls=[{"name": "g", "args": "{{", "id": "c2", "error": "bad"}],
    )
    assert message.pretty_repr().splitlines()[2:] == [
        "ok",
        "Tool Calls:",
        "  f (c1)",
        " Call ID: c1",
        "  Args:",
        "    x: 1",
        "Invalid Tool Calls:",
        "  g (c2)",
        " Call ID: c2",
        "  Error: bad",
        "  Args:",
        "    {{",
    ]
    assert all(len(line) == 80 for line in (m.pretty_repr().splitlines()[0] for m in [message]))
    assert "\x1b[1m Ai Message \x1b[0m" not in message.pretty_repr()
    assert "\x1b[1mAi Message\x1b[0m" in message.pretty_repr(html=True)


def test_pretty_print(capsys):
    SystemMessage("be brief").pretty_print()
    assert capsys.readouterr().out.endswith("\n\nbe brief\n")


def test_message_to_dict_has_type_and_data():
    assert message_to_dict(HumanMessage("hi")) == {
        "type": "human",
        "data": {
            "content": "hi",
            "additional_kwargs": {},
            "response_metadata": {},
            "type": "human",
            "name": None,
            "id": None,
        },
    }
    assert [d["type"] for d in messages_to_dict([AIMessage("a"), AIMessageChunk("b")])] == [
        "ai",
        "AIMessageChunk",
    ]


def test_construct_matches_model_construct():
    values = AIMessageChunk(
        "x", id="1", tool_call_chunks=[{"name": "f", "args": "{}", "id": "c", "index": 0}]
    ).__dict__
    fast = construct(AIMessageChunk, dict(values))
    slow = AIMessageChunk.model_construct(**values)
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_dump() == slow.model_dump()
    assert repr(fast) == repr(slow)
    fast.content = "changed"  # still a normal, mutable model
    assert fast.content == "changed"
