"""AI messages and the addition of their chunks."""

from __future__ import annotations

import json
from functools import reduce
from operator import add

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runnel.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessageChunk,
    add_ai_message_chunks,
    merge_message_chunks,
)


def tool_chunk(index, args, name=None, id=None):
    return AIMessageChunk(
        "", tool_call_chunks=[{"name": name, "args": args, "id": id, "index": index}]
    )


# -- construction -------------------------------------------------------------------------------


def test_tool_calls_missing_type_or_id_are_completed():
    message = AIMessage(
        "", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}, {"name": "g", "args": {}}]
    )
    assert message.tool_calls == [
        {"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"},
        {"name": "g", "args": {}, "id": None, "type": "tool_call"},
    ]


def test_tool_call_args_must_be_a_dict():
    with pytest.raises(ValueError, match="args"):
        AIMessage("", tool_calls=[{"name": "f", "args": "{}", "id": "1"}])


def test_chunk_derives_tool_calls_from_tool_call_chunks():
    chunk = AIMessageChunk(
        "",
        tool_call_chunks=[
            {"name": "f", "args": '{"b": 2', "id": "c1", "index": 0},
            {"name": "g", "args": "", "id": "c2", "index": 1},
            {"name": "h", "args": None, "id": "c3", "index": 2},
            {"name": "i", "args": "{{", "id": "c4", "index": 3},
            {"name": "j", "args": "[1, 2]", "id": "c5", "index": 4},
        ],
    )
    assert chunk.tool_calls == [
        {"name": "f", "args": {"b": 2}, "id": "c1", "type": "tool_call"},
        {"name": "g", "args": {}, "id": "c2", "type": "tool_call"},
        {"name": "h", "args": {}, "id": "c3", "type": "tool_call"},
    ]
    assert [(bad["name"], bad["args"]) for bad in chunk.invalid_tool_calls] == [
        ("i", "{{"),
        ("j", "[1, 2]"),
    ]
    assert all(bad["type"] == "invalid_tool_call" for bad in chunk.invalid_tool_calls)
    assert all(bad["error"] is None for bad in chunk.invalid_tool_calls)


def test_chunk_built_from_tool_calls_gets_unindexed_chunks():
    chunk = AIMessageChunk("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}])
    assert chunk.tool_call_chunks == [
        {"name": "f", "args": '{"a": 1}', "id": "c1", "index": None, "type": "tool_call_chunk"}
    ]


def test_isinstance_of_the_message_class():
    assert isinstance(AIMessageChunk("x"), AIMessage)
    assert AIMessageChunk("x").type == "AIMessageChunk"
    assert AIMessage("x").type == "ai"


# -- addition, field by field -------------------------------------------------------------------


def test_text_content_concatenates():
    assert (AIMessageChunk("Hel") + AIMessageChunk("lo")).content == "Hello"


def test_additional_kwargs_concatenate_streamed_text_and_sum_counters():
    left = AIMessageChunk(
        "", additional_kwargs={"function_call": {"name": "f", "arguments": '{"a'}, "n": 1}
    )
    right = AIMessageChunk(
        "", additional_kwargs={"function_call": {"name": "f", "arguments": '": 1}'}, "n": 2}
    )
    assert (left + right).additional_kwargs == {
        "function_call": {"name": "f", "arguments": '{"a": 1}'},
        "n": 3,
    }


def test_repeated_finish_reason_and_model_name_are_not_doubled():
    meta = {"model_name": "gpt-x", "finish_reason": "stop", "model_provider": "openai"}
    total = AIMessageChunk("a", response_metadata=meta) + AIMessageChunk(
        "b", response_metadata=meta
    )
    assert total.response_metadata == meta


def test_response_metadata_keeps_the_last_non_empty_value():
    chunks = [
        AIMessageChunk("", response_metadata={"model_name": "m1"}),
        AIMessageChunk("", response_metadata={"finish_reason": "stop", "model_name": "m2"}),
        AIMessageChunk("", response_metadata={"finish_reason": ""}),
    ]
    assert merge_message_chunks(chunks).response_metadata == {
        "model_name": "m2",
        "finish_reason": "stop",
    }


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["lc_run--1", "provider-id"], "provider-id"),
        (["run-1", "lc_2", "p"], "p"),
        (["p1", "p2"], "p1"),
        (["lc_run--1", "run-2"], "lc_run--1"),
        ([None, "lc_run--1"], "lc_run--1"),
        ([None, None], None),
    ],
)
def test_id_prefers_the_first_provider_id(ids, expected):
    chunks = [AIMessageChunk(str(i), id=id_) for i, id_ in enumerate(ids)]
    assert merge_message_chunks(chunks).id == expected


def test_name_is_the_first_given():
    assert (AIMessageChunk("a") + AIMessageChunk("b", name="bot")).name == "bot"
    assert (AIMessageChunk("a", name="x") + AIMessageChunk("b", name="y")).name == "x"


def test_usage_metadata_counters_add_recursively():
    left = AIMessageChunk(
        "", usage_metadata={"input_tokens": 10, "output_tokens": 1, "total_tokens": 11}
    )
    right = AIMessageChunk(
        "",
        usage_metadata={
            "input_tokens": 0,
            "output_tokens": 2,
            "total_tokens": 2,
            "output_token_details": {"reasoning": 1},
        },
    )
    assert (left + right).usage_metadata == {
        "input_tokens": 10,
        "output_tokens": 3,
        "total_tokens": 13,
        "output_token_details": {"reasoning": 1},
    }
    assert (AIMessageChunk("") + left).usage_metadata == left.usage_metadata
    assert (AIMessageChunk("") + AIMessageChunk("")).usage_metadata is None


def test_chunk_position_is_last_if_either_side_is():
    assert (
        AIMessageChunk("a") + AIMessageChunk("", chunk_position="last")
    ).chunk_position == "last"
    assert (
        AIMessageChunk("a", chunk_position="last") + AIMessageChunk("b")
    ).chunk_position == "last"
    assert (AIMessageChunk("a") + AIMessageChunk("b")).chunk_position is None


def test_tool_call_chunks_merge_by_index_and_parse_partial_json():
    total = merge_message_chunks(
        [
            tool_chunk(0, '{"a": ', name="add", id="c1"),
            tool_chunk(1, "", name="mul", id="c2"),
            tool_chunk(0, "1, "),
            tool_chunk(1, '{"x": 2}'),
            tool_chunk(0, '"b": 2'),
        ]
    )
    assert [(c["name"], c["args"], c["id"]) for c in total.tool_call_chunks] == [
        ("add", '{"a": 1, "b": 2', "c1"),
        ("mul", '{"x": 2}', "c2"),
    ]
    assert total.tool_calls == [
        {"name": "add", "args": {"a": 1, "b": 2}, "id": "c1", "type": "tool_call"},
        {"name": "mul", "args": {"x": 2}, "id": "c2", "type": "tool_call"},
    ]
    assert total.invalid_tool_calls == []


def test_repeated_tool_name_and_id_are_not_doubled():
    total = tool_chunk(0, '{"a"', name="f", id="c1") + tool_chunk(0, ": 1}", name="f", id="c1")
    assert total.tool_calls == [{"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}]


def test_tool_call_chunks_without_index_are_not_merged():
    total = tool_chunk(None, '{"a":', name="add") + tool_chunk(None, "1}")
    assert total.tool_calls == [{"name": "add", "args": {}, "id": None, "type": "tool_call"}]
    assert [(bad["name"], bad["args"]) for bad in total.invalid_tool_calls] == [(None, "1}")]


def test_empty_tool_args_finalize_to_an_empty_dict():
    total = tool_chunk(0, "", name="now", id="c1") + AIMessageChunk("", chunk_position="last")
    assert total.tool_calls == [{"name": "now", "args": {}, "id": "c1", "type": "tool_call"}]


def test_adding_text_keeps_parsed_tool_calls():
    call = tool_chunk(0, '{"a": 1}', name="f", id="c1")
    total = call + AIMessageChunk("done")
    assert total.tool_calls == call.tool_calls
    assert total.content == "done"


def test_adding_different_classes_names_both():
    with pytest.raises(TypeError, match=r"HumanMessageChunk.*AIMessageChunk"):
        AIMessageChunk("a") + HumanMessageChunk("b")


def test_adding_a_non_chunk_is_a_type_error():
    with pytest.raises(TypeError):
        AIMessageChunk("a") + "b"  # type: ignore[operator]
    with pytest.raises(TypeError):
        AIMessageChunk("a") + AIMessage("b")  # type: ignore[operator]


def test_adding_a_list_of_chunks():
    rest = [AIMessageChunk("b"), AIMessageChunk("c")]
    assert (AIMessageChunk("a") + rest).content == "abc"


def test_addition_does_not_change_its_operands():
    left, right = tool_chunk(0, '{"a', name="f", id="c"), tool_chunk(0, '": 1}')
    left_before, right_before = left.model_copy(deep=True), right.model_copy(deep=True)
    left + right
    assert (left, right) == (left_before, right_before)


def test_add_ai_message_chunks_and_empty_merge():
    assert add_ai_message_chunks(AIMessageChunk("a"), AIMessageChunk("b")).content == "ab"
    assert add_ai_message_chunks(AIMessageChunk("a")).content == "a"
    with pytest.raises(ValueError, match="at least one"):
        merge_message_chunks([])


# -- algebra ------------------------------------------------------------------------------------

STREAM = [
    AIMessageChunk("", id="lc_run--1", response_metadata={"model_name": "m"}),
    AIMessageChunk(
        [{"type": "text", "text": "Hel", "index": 0}],
        id="lc_run--1",
        additional_kwargs={"reasoning_content": "hm", "n": 1},
    ),
    AIMessageChunk(
        [{"type": "text", "text": "lo", "index": 0}],
        id="chatcmpl-9",
        additional_kwargs={"reasoning_content": "m", "n": 2},
    ),
    AIMessageChunk(" there", id="lc_run--1"),
    tool_chunk(0, '{"q": ', name="search", id="c1"),
    tool_chunk(1, "", name="now", id="c2"),
    tool_chunk(0, '"x"}'),
    AIMessageChunk(
        "",
        response_metadata={"model_name": "m", "finish_reason": "tool_calls"},
        usage_metadata={"input_tokens": 5, "output_tokens": 7, "total_tokens": 12},
    ),
    AIMessageChunk("", chunk_position="last"),
]


def test_every_bracketing_gives_the_same_message():
    whole = merge_message_chunks(STREAM)
    n = len(STREAM)
    for i in range(1, n):
        for j in range(i + 1, n):
            a, b, c = (
                merge_message_chunks(STREAM[s]) for s in (slice(0, i), slice(i, j), slice(j, n))
            )
            assert (a + b) + c == whole, (i, j)
            assert a + (b + c) == whole, (i, j)


def test_bulk_merge_equals_left_fold():
    whole = merge_message_chunks(STREAM)
    assert reduce(add, STREAM) == whole
    assert whole.content == [{"type": "text", "text": "Hello", "index": 0}, " there"]
    assert whole.id == "chatcmpl-9"
    assert whole.additional_kwargs == {"reasoning_content": "hmm", "n": 3}
    assert whole.response_metadata == {"model_name": "m", "finish_reason": "tool_calls"}
    assert whole.tool_calls == [
        {"name": "search", "args": {"q": "x"}, "id": "c1", "type": "tool_call"},
        {"name": "now", "args": {}, "id": "c2", "type": "tool_call"},
    ]
    assert whole.chunk_position == "last"


@settings(deadline=None)
@given(st.text(), st.lists(st.integers(min_value=0, max_value=50), max_size=20))
def test_bulk_merge_of_split_text_gives_the_text(text, cuts):
    points = sorted({min(cut, len(text)) for cut in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    chunks = [AIMessageChunk(piece) for piece in pieces]
    assert merge_message_chunks(chunks).content == text
    assert reduce(add, chunks).content == text


json_objects = st.dictionaries(
    st.text(max_size=5),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
        ),
        max_leaves=8,
    ),
    max_size=4,
)


@settings(deadline=None)
@given(json_objects, st.lists(st.integers(min_value=0, max_value=200), max_size=10))
def test_streamed_tool_args_parse_to_the_whole_object(args, cuts):
    text = json.dumps(args)
    points = sorted({min(cut, len(text)) for cut in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    chunks = [tool_chunk(0, pieces[0], name="f", id="c1")] + [tool_chunk(0, p) for p in pieces[1:]]
    partials = [merge_message_chunks(chunks[: k + 1]) for k in range(len(chunks))]
    assert partials[-1].tool_calls == [{"name": "f", "args": args, "id": "c1", "type": "tool_call"}]
    assert all(p.invalid_tool_calls == [] for p in partials)


random_chunks = st.builds(
    lambda text, block, kwargs, meta, call, usage, last: AIMessageChunk(
        [{"type": "text", "text": text, "index": block}] if block is not None else text,
        additional_kwargs=kwargs,
        response_metadata=meta,
        tool_call_chunks=[call] if call else [],
        usage_metadata=usage,
        chunk_position="last" if last else None,
    ),
    st.text(max_size=3),
    st.none() | st.integers(0, 1),
    st.fixed_dictionaries({}, optional={"reasoning": st.text(max_size=2), "n": st.integers(0, 3)}),
    st.fixed_dictionaries(
        {}, optional={"model_name": st.sampled_from(["m1", "m2"]), "finish_reason": st.just("stop")}
    ),
    st.none()
    | st.fixed_dictionaries(
        {"index": st.none() | st.integers(0, 1), "args": st.text('{}[]":1a ', max_size=3)},
        optional={"name": st.just("f")},
    ),
    st.none()
    | st.builds(
        lambda i, o: {"input_tokens": i, "output_tokens": o, "total_tokens": i + o},
        st.integers(0, 9),
        st.integers(0, 9),
    ),
    st.booleans(),
)


@settings(deadline=None)
@given(st.lists(random_chunks, min_size=1, max_size=6))
def test_random_streams_fold_the_same_from_either_side(chunks):
    whole = merge_message_chunks(chunks)
    assert reduce(add, chunks) == whole
    assert reduce(lambda acc, c: c + acc, reversed(chunks)) == whole
