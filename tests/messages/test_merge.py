"""The typed merge rules of `runnel.messages._merge`."""

from __future__ import annotations

import pytest

from runnel.messages._merge import CONCAT, METADATA, merge_contents, merge_dicts


def concat(*dicts: dict) -> dict:
    return merge_dicts(dicts, CONCAT, "additional_kwargs")


def metadata(*dicts: dict) -> dict:
    return merge_dicts(dicts, METADATA, "response_metadata")


# -- CONCAT (additional_kwargs, content blocks, tool-call chunks) --------------------------------


def test_concat_joins_streamed_strings_recursively():
    left = {"function_call": {"name": "f", "arguments": '{"a"'}, "reasoning_content": "Let"}
    right = {"function_call": {"arguments": ": 1}"}, "reasoning_content": " me"}
    assert concat(left, right) == {
        "function_call": {"name": "f", "arguments": '{"a": 1}'},
        "reasoning_content": "Let me",
    }


@pytest.mark.parametrize("key", ["id", "type", "name", "index", "role", "call_id"])
def test_concat_identity_keys_keep_the_first_value(key):
    assert concat({key: "a"}, {key: "a"}) == {key: "a"}
    assert concat({key: "a"}, {key: "b"}) == {key: "a"}
    assert concat({key: ""}, {key: "b"}) == {key: "b"}


@pytest.mark.parametrize("key", ["finish_reason", "model_name", "model", "status", "created"])
def test_concat_state_keys_keep_the_last_non_empty_value(key):
    assert concat({key: "stop"}, {key: "stop"}) == {key: "stop"}
    assert concat({key: "a"}, {key: "b"}) == {key: "b"}
    assert concat({key: "a"}, {key: ""}) == {key: "a"}


def test_concat_sums_counters_but_not_indexes_or_timestamps():
    assert concat({"n": 1}, {"n": 2}, {"n": 3}) == {"n": 6}
    assert concat({"index": 1}, {"index": 1}) == {"index": 1}
    assert concat({"created": 10}, {"created": 11}) == {"created": 11}
    assert concat({"timestamp": 10}, {"timestamp": 12}) == {"timestamp": 12}


def test_concat_floats_and_bools_keep_the_last_value():
    assert concat({"p": 0.5}, {"p": 0.25}) == {"p": 0.25}
    assert concat({"b": True}, {"b": False}) == {"b": False}


def test_none_never_replaces_a_value():
    assert concat({"s": None}, {"s": "x"}) == {"s": "x"}
    assert concat({"s": "x"}, {"s": None}) == {"s": "x"}
    assert metadata({"s": "x"}, {"s": None}) == {"s": "x"}


def test_concat_rejects_values_of_different_kinds_naming_the_path():
    with pytest.raises(TypeError, match=r"additional_kwargs\['a'\]\['b'\].*string.*number"):
        concat({"a": {"b": "x"}}, {"a": {"b": 1}})


def test_merging_never_mutates_the_inputs():
    left = {"a": {"s": "x"}, "l": [{"index": 0, "t": "a"}]}
    right = {"a": {"s": "y"}, "l": [{"index": 0, "t": "b"}]}
    concat(left, right)
    assert left == {"a": {"s": "x"}, "l": [{"index": 0, "t": "a"}]}
    assert right == {"a": {"s": "y"}, "l": [{"index": 0, "t": "b"}]}


# -- METADATA (response_metadata, generation_info) ---------------------------------------------


def test_metadata_repeated_values_are_not_doubled():
    chunk = {"model_name": "gpt-x", "finish_reason": "stop", "system_fingerprint": "fp"}
    assert metadata(chunk, chunk, chunk) == chunk


def test_metadata_scalars_keep_the_last_non_empty_value():
    assert metadata({"model_name": "a"}, {"model_name": "b"}) == {"model_name": "b"}
    assert metadata({"finish_reason": "stop"}, {"finish_reason": ""}) == {"finish_reason": "stop"}
    assert metadata({"anything": "x"}, {"anything": "y"}) == {"anything": "y"}
    assert metadata({"count": 3}, {"count": 5}) == {"count": 5}


def test_metadata_dicts_merge_and_lists_append():
    left = {"logprobs": {"content": [{"token": "a"}]}, "usage": {"in": 1}}
    right = {"logprobs": {"content": [{"token": "b"}]}, "usage": {"out": 2}}
    assert metadata(left, right) == {
        "logprobs": {"content": [{"token": "a"}, {"token": "b"}]},
        "usage": {"in": 1, "out": 2},
    }


def test_metadata_tolerates_values_of_different_kinds():
    assert metadata({"x": "a"}, {"x": {"b": 1}}) == {"x": {"b": 1}}


# -- lists --------------------------------------------------------------------------------------


def test_lists_merge_dicts_with_the_same_index():
    left = {"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "f", "arguments": '{"a'}}]}
    right = {
        "tool_calls": [
            {"index": 0, "function": {"arguments": '": 1}'}},
            {"index": 1, "id": "c2", "function": {"name": "g", "arguments": ""}},
        ]
    }
    assert concat(left, right) == {
        "tool_calls": [
            {"index": 0, "id": "c1", "function": {"name": "f", "arguments": '{"a": 1}'}},
            {"index": 1, "id": "c2", "function": {"name": "g", "arguments": ""}},
        ]
    }


def test_lists_keep_items_with_the_same_index_but_different_ids_apart():
    left = {"l": [{"index": 0, "id": "a", "args": "1"}]}
    right = {"l": [{"index": 0, "id": "b", "args": "2"}, {"index": 0, "id": None, "args": "3"}]}
    assert concat(left, right) == {
        "l": [{"index": 0, "id": "a", "args": "1"}, {"index": 0, "id": "b", "args": "23"}]
    }


def test_lists_append_items_without_index():
    assert concat({"l": [1]}, {"l": [2]}, {"l": [{"a": "x"}]}, {"l": [{"a": "y"}]}) == {
        "l": [1, 2, {"a": "x"}, {"a": "y"}]
    }
    unindexed = [{"index": None, "a": "x"}], [{"index": None, "a": "y"}]
    assert concat({"l": unindexed[0]}, {"l": unindexed[1]}) == {"l": [*unindexed[0], *unindexed[1]]}


# -- content ------------------------------------------------------------------------------------


def test_text_content_concatenates():
    assert merge_contents(["Hel", "lo", "", "!"]) == "Hello!"


def test_content_blocks_merge_by_index():
    left = [{"type": "text", "text": "Hel", "index": 0}]
    right = [
        {"type": "text", "text": "lo", "index": 0},
        {"type": "tool_use", "id": "t1", "name": "f", "input": "", "index": 1},
    ]
    more = [{"type": "input_json_delta", "input": '{"a": 1}', "index": 1}]
    assert merge_contents([left, right, more]) == [
        {"type": "text", "text": "Hello", "index": 0},
        {"type": "tool_use", "id": "t1", "name": "f", "input": '{"a": 1}', "index": 1},
    ]


def test_content_blocks_without_index_are_appended():
    blocks = [[{"type": "text", "text": "a"}], [{"type": "text", "text": "b"}]]
    assert merge_contents(blocks) == [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]


def test_a_string_meeting_a_list_becomes_an_item():
    block = {"type": "text", "text": "x"}
    assert merge_contents(["pre", [block]]) == ["pre", block]
    assert merge_contents([[block], "post"]) == [block, "post"]
    assert merge_contents([[], "b"]) == ["b"]  # langchain-core drops "b"
    assert merge_contents(["", [block]]) == [block]
    assert merge_contents([["a"], "b", ["c"]]) == ["abc"]  # adjacent strings join
