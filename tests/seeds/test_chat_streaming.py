"""Seed "How to stream chat model responses" (002): stream, astream, astream_events.

Each test runs the document's code with only the import line changed (see `providers`).
"""

from __future__ import annotations

import pytest

from runnel.messages import AIMessageChunk

from .providers import GOLDFISH_SONG

pytestmark = pytest.mark.anyio


def test_sync_streaming(capsys: pytest.CaptureFixture[str]) -> None:
    from .providers import ChatAnthropic

    chat = ChatAnthropic(model="claude-3-haiku-20240307")
    for chunk in chat.stream("Write me a 1 verse song about goldfish on the moon"):
        print(chunk.content, end="|", flush=True)

    tokens = capsys.readouterr().out.split("|")[:-1]
    assert len(tokens) > 20
    assert "".join(tokens) == GOLDFISH_SONG


async def test_async_streaming(capsys: pytest.CaptureFixture[str]) -> None:
    from .providers import ChatAnthropic

    chat = ChatAnthropic(model="claude-3-haiku-20240307")
    async for chunk in chat.astream("Write me a 1 verse song about goldfish on the moon"):
        print(chunk.content, end="|", flush=True)

    tokens = capsys.readouterr().out.split("|")[:-1]
    assert len(tokens) > 20
    assert "".join(tokens) == GOLDFISH_SONG


async def test_astream_events(capsys: pytest.CaptureFixture[str]) -> None:
    from .providers import ChatAnthropic

    chat = ChatAnthropic(model="claude-3-haiku-20240307")
    idx = 0
    printed = []  # (not in the document) the events it prints

    async for event in chat.astream_events("Write me a 1 verse song about goldfish on the moon"):
        idx += 1
        if idx >= 5:  # Truncate the output
            print("...Truncated")
            break
        print(event)
        printed.append(event)

    assert capsys.readouterr().out.endswith("...Truncated\n")
    start, *streams = printed
    assert start["event"] == "on_chat_model_start"
    assert start["data"] == {"input": "Write me a 1 verse song about goldfish on the moon"}
    assert (start["name"], start["tags"], start["parent_ids"]) == ("ChatAnthropic", [], [])
    assert start["metadata"]["ls_model_type"] == "chat"
    assert [e["event"] for e in streams] == ["on_chat_model_stream"] * 3
    assert {e["run_id"] for e in printed} == {start["run_id"]}
    chunks = [e["data"]["chunk"] for e in streams]
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert "".join(c.content for c in chunks) == "Here is"
    assert {c.id for c in chunks} == {f"lc_run--{start['run_id']}"}
