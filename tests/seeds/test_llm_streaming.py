"""Seeds "How to stream responses from an LLM" (000, 001): stream, astream, astream_events.

Each test runs the document's code with only the import line changed (see `providers`).
"""

from __future__ import annotations

import pytest

from .providers import SPARKLING_SONG

pytestmark = pytest.mark.anyio


def test_sync_stream(capsys: pytest.CaptureFixture[str]) -> None:
    from .providers import OpenAI

    llm = OpenAI(model="gpt-3.5-turbo-instruct", temperature=0, max_tokens=512)
    for chunk in llm.stream("Write me a 1 verse song about sparkling water."):
        print(chunk, end="|", flush=True)

    printed = capsys.readouterr().out
    tokens = printed.split("|")[:-1]
    assert len(tokens) > 10  # token by token, not one final chunk
    assert "".join(tokens) == SPARKLING_SONG


async def test_async_stream(capsys: pytest.CaptureFixture[str]) -> None:
    from .providers import OpenAI

    llm = OpenAI(model="gpt-3.5-turbo-instruct", temperature=0, max_tokens=512)
    async for chunk in llm.astream("Write me a 1 verse song about sparkling water."):
        print(chunk, end="|", flush=True)

    tokens = capsys.readouterr().out.split("|")[:-1]
    assert len(tokens) > 10
    assert "".join(tokens) == SPARKLING_SONG


async def test_astream_events_v1_truncated(capsys: pytest.CaptureFixture[str]) -> None:
    from .providers import OpenAI

    llm = OpenAI(model="gpt-3.5-turbo-instruct", temperature=0, max_tokens=512)

    idx = 0
    events = []  # (not in the document) what it prints, kept for the assertions

    async for event in llm.astream_events(
        "Write me a 1 verse song about goldfish on the moon", version="v1"
    ):
        idx += 1
        if idx >= 5:  # Truncate the output
            print("...Truncated")
            break
        print(event)
        events.append(event)

    assert capsys.readouterr().out.endswith("...Truncated\n")
    assert [e["event"] for e in events] == ["on_llm_start"] + ["on_llm_stream"] * 3
    assert {e["name"] for e in events} == {"OpenAI"}
    assert events[0]["data"] == {"input": "Write me a 1 verse song about goldfish on the moon"}
    assert len({e["run_id"] for e in events}) == 1
    assert "".join(e["data"]["chunk"] for e in events[1:]) == SPARKLING_SONG[:3]
