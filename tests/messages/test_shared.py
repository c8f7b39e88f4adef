"""Messages built on the fast path share frozen empty lists and fields sets."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from runnel.language_models import GenericFakeChatModel
from runnel.messages import AIMessage, AIMessageChunk, message_chunk_to_message
from runnel.outputs import ChatGenerationChunk

LIST_FIELDS = ("tool_calls", "invalid_tool_calls", "tool_call_chunks")


def test_plain_chunks_share_their_empty_lists() -> None:
    a, b = AIMessageChunk("a"), AIMessageChunk("b", id="x", response_metadata={"k": 1})
    for name in LIST_FIELDS:
        assert getattr(a, name) == []
        assert getattr(a, name) is getattr(b, name)
    assert a.model_dump()["tool_calls"] == []
    assert json.loads(a.model_dump_json())["tool_call_chunks"] == []


@pytest.mark.parametrize("change", ["append", "extend", "iadd", "setitem", "clear"])
def test_changing_the_shared_list_in_place_raises(change: str) -> None:
    chunk, other = AIMessageChunk("a"), AIMessageChunk("b")
    with pytest.raises(TypeError, match="assign a new list"):
        if change == "append":
            chunk.tool_calls.append({"name": "f", "args": {}, "id": "1", "type": "tool_call"})
        elif change == "extend":
            chunk.tool_call_chunks.extend([])
        elif change == "iadd":
            chunk.invalid_tool_calls += []
        elif change == "setitem":
            chunk.tool_calls[0:0] = []
        else:
            chunk.tool_calls.clear()
    assert other.tool_calls == []


def test_assigning_a_new_list_works() -> None:
    chunk = AIMessageChunk("a")
    chunk.tool_call_chunks = [
        {"name": "f", "args": "{}", "id": "1", "index": 0, "type": "tool_call_chunk"}
    ]
    assert len(chunk.tool_call_chunks) == 1
    assert AIMessageChunk("b").tool_call_chunks == []


def test_copies_and_unpickled_chunks_own_plain_lists() -> None:
    chunk = AIMessageChunk("a")
    for other in (copy.deepcopy(chunk), pickle.loads(pickle.dumps(chunk))):
        assert type(other.tool_calls) is list
        other.tool_calls.append({"name": "f", "args": {}, "id": "1", "type": "tool_call"})
        assert chunk.tool_calls == []
    assert type(copy.copy(chunk.tool_calls)) is list


def test_messages_own_their_lists() -> None:
    assert type(AIMessage("a").tool_calls) is list
    message = message_chunk_to_message(AIMessageChunk("a"))
    assert type(message.tool_calls) is list and type(message.invalid_tool_calls) is list
    message.tool_calls.append({"name": "f", "args": {}, "id": "1", "type": "tool_call"})
    assert AIMessageChunk("b").tool_calls == []


def test_a_streamed_answer_owns_its_lists() -> None:
    model = GenericFakeChatModel(messages=iter(["hello there"]))
    answer = model.invoke("hi")
    assert type(answer.tool_calls) is list
    answer.tool_calls.append({"name": "f", "args": {}, "id": "1", "type": "tool_call"})
    assert len(answer.tool_calls) == 1


def test_fields_sets_are_shared_until_a_field_is_assigned() -> None:
    a, b = AIMessageChunk("a"), AIMessageChunk("b")
    assert a.model_fields_set == {"content"}
    assert a.model_fields_set is b.model_fields_set
    a.name = "bob"
    assert a.model_fields_set == {"content", "name"}
    assert b.model_fields_set == {"content"}
    assert a.model_dump(exclude_unset=True) == {"content": "a", "name": "bob"}
    with pytest.raises(TypeError, match="shared by messages"):
        b.model_fields_set.add("id")


def test_copies_of_generations_own_their_fields_set() -> None:
    gen = ChatGenerationChunk(message=AIMessageChunk("a"))
    other = ChatGenerationChunk(message=AIMessageChunk("b"))
    assert gen.model_fields_set is other.model_fields_set
    copied = gen.model_copy(update={"generation_info": {"k": 1}})
    assert copied.model_fields_set == {"message", "generation_info"}
    assert gen.model_fields_set == {"message"}
    gen.generation_info = {"x": 1}
    assert other.model_fields_set == {"message"}
    assert type(pickle.loads(pickle.dumps(other)).model_fields_set) is set
