"""Tool-call dicts, their factories and the parsing of streamed arguments."""

from __future__ import annotations

from runnel.messages import invalid_tool_call, tool_call, tool_call_chunk
from runnel.messages._tool_calls import (
    chunks_from_tool_calls,
    merge_tool_call_chunks,
    parse_tool_call_chunks,
)


def test_factories_fill_every_key():
    assert tool_call(name="f", args={}, id=None) == {
        "name": "f",
        "args": {},
        "id": None,
        "type": "tool_call",
    }
    assert tool_call_chunk() == {
        "name": None,
        "args": None,
        "id": None,
        "index": None,
        "type": "tool_call_chunk",
    }
    assert invalid_tool_call(args="{{") == {
        "name": None,
        "args": "{{",
        "id": None,
        "error": None,
        "type": "invalid_tool_call",
    }


def test_parse_reads_partial_json_and_keeps_bad_args_raw():
    calls, invalid = parse_tool_call_chunks(
        [
            tool_call_chunk(name="a", args='{"b": 2', id="1", index=0),
            tool_call_chunk(name="b", args="  ", id="2", index=1),
            tool_call_chunk(name=None, args='{"x": [1, {"y": "z', id="3", index=2),
            tool_call_chunk(name="d", args="1}", id="4", index=3),
            tool_call_chunk(name="e", args='"text"', id="5", index=4),
        ]
    )
    assert calls == [
        tool_call(name="a", args={"b": 2}, id="1"),
        tool_call(name="b", args={}, id="2"),
        tool_call(name="", args={"x": [1, {"y": "z"}]}, id="3"),
    ]
    assert [(bad["name"], bad["args"], bad["id"]) for bad in invalid] == [
        ("d", "1}", "4"),
        ("e", '"text"', "5"),
    ]


def test_chunks_from_tool_calls_serialise_args():
    chunks = chunks_from_tool_calls(
        [tool_call(name="f", args={"a": 1}, id="1")],
        [invalid_tool_call(name="g", args="{{", id="2")],
    )
    assert chunks == [
        tool_call_chunk(name="f", args='{"a": 1}', id="1"),
        tool_call_chunk(name="g", args="{{", id="2"),
    ]


def test_merge_joins_args_by_index_and_keeps_the_first_name_and_id():
    merged = merge_tool_call_chunks(
        [
            [tool_call_chunk(name="f", args=None, id="c1", index=0)],
            [tool_call_chunk(name="", args='{"a"', id=None, index=0)],
            [
                tool_call_chunk(name="f", args=": 1}", id="c1", index=0),
                tool_call_chunk(name="g", args="", id="c2", index=1),
            ],
        ]
    )
    assert merged == [
        tool_call_chunk(name="f", args='{"a": 1}', id="c1", index=0),
        tool_call_chunk(name="g", args="", id="c2", index=1),
    ]


def test_merge_keeps_unindexed_chunks_and_reused_indexes_with_new_ids_apart():
    merged = merge_tool_call_chunks(
        [
            [tool_call_chunk(name="f", args="{", index=None)],
            [tool_call_chunk(args="}", index=None)],
            [tool_call_chunk(name="a", args="1", id="x", index=0)],
            [tool_call_chunk(name="b", args="2", id="y", index=0)],
            [tool_call_chunk(args="3", index=0)],
        ]
    )
    assert [(c["name"], c["args"], c["id"], c["index"]) for c in merged] == [
        ("f", "{", None, None),
        (None, "}", None, None),
        ("a", "1", "x", 0),
        ("b", "23", "y", 0),
    ]


def test_merge_of_args_that_are_all_none_stays_none():
    merged = merge_tool_call_chunks(
        [[tool_call_chunk(name="f", index=0)], [tool_call_chunk(index=0)]]
    )
    assert merged == [tool_call_chunk(name="f", index=0)]
