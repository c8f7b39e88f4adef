"""Tool messages and their chunks."""

from __future__ import annotations

from uuid import UUID

import pytest

from runnel.messages import ToolMessage, ToolMessageChunk


def test_non_text_content_becomes_a_string():
    assert ToolMessage(5, tool_call_id="1").content == "5"  # type: ignore[arg-type]
    assert ToolMessage({"a": 1}, tool_call_id="1").content == "{'a': 1}"  # type: ignore[arg-type]
    assert ToolMessage([1, "a", {"type": "text", "text": "b"}], tool_call_id="1").content == [
        "1",
        "a",
        {"type": "text", "text": "b"},
    ]


def test_tool_call_id_accepts_numbers_and_uuids():
    uid = UUID(int=1)
    assert ToolMessage("x", tool_call_id=uid).tool_call_id == str(uid)  # type: ignore[arg-type]
    assert ToolMessage("x", tool_call_id=7).tool_call_id == "7"  # type: ignore[arg-type]


def test_defaults():
    message = ToolMessage("x", tool_call_id="1")
    assert (message.status, message.artifact, message.type) == ("success", None, "tool")


def test_chunks_merge_content_status_and_artifacts():
    total = (
        ToolMessageChunk("a", tool_call_id="1", artifact=[0])
        + ToolMessageChunk("b", tool_call_id="1", status="error")
        + ToolMessageChunk("c", tool_call_id="1", artifact=[1])
    )
    assert (total.content, total.status, total.artifact) == ("abc", "error", [0, 1])
    assert total.tool_call_id == "1"
    merged = ToolMessageChunk("", tool_call_id="1", artifact={"rows": "a"}) + ToolMessageChunk(
        "", tool_call_id="1", artifact={"rows": "b"}
    )
    assert merged.artifact == {"rows": "ab"}


def test_chunks_of_different_tool_calls_do_not_add():
    with pytest.raises(ValueError, match=r"tool_call_id.*'1'.*'2'"):
        ToolMessageChunk("a", tool_call_id="1") + ToolMessageChunk("b", tool_call_id="2")
