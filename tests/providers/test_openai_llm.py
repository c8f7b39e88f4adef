"""OpenAI (legacy Completions, e.g. gpt-3.5-turbo-instruct as in seeds 000/001)."""

from __future__ import annotations

from typing import Any

import pytest

from runnel.exceptions import IncompleteStreamError, MissingAPIKeyError, ProviderError
from runnel.providers.openai import OpenAI
from runnel.testing import FakeProviderServer, Reply, Usage

pytestmark = pytest.mark.anyio

SONG = ["Spark", "ling", " water", ",", " oh", " so clear"]


def llm(server: FakeProviderServer, **kwargs: Any) -> OpenAI:
    return OpenAI(api_key="sk-test", base_url=server.url + "/v1", **kwargs)


async def test_stream_yields_strings_token_by_token(server: FakeProviderServer) -> None:
    server.push(Reply(SONG, usage=Usage(14)), Reply(SONG))
    model = llm(server, model="gpt-3.5-turbo-instruct", temperature=0, max_tokens=512)
    chunks = list(model.stream("Write me a 1 verse song about sparkling water."))
    assert chunks == [*SONG, ""]  # the last, empty chunk carries the usage
    assert [c async for c in model.astream("again")] == [*SONG, ""]
    body = server.requests[-1].json
    assert body["model"] == "gpt-3.5-turbo-instruct"
    assert body["prompt"] == "again"
    assert body["temperature"] == 0 and body["max_tokens"] == 512
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


async def test_invoke_and_batch(server: FakeProviderServer) -> None:
    model = llm(server)
    server.push("a b c")
    assert model.invoke("x") == "a b c"
    server.push("d e")
    assert await model.ainvoke("x") == "d e"
    server.push("one", "two")
    assert sorted(model.batch(["p", "q"])) == ["one", "two"]
    server.push("three", "four")
    assert sorted(await model.abatch(["p", "q"])) == ["four", "three"]
    assert server.requests[0].json["temperature"] == 0.7  # LangChain's defaults
    assert server.requests[0].json["max_tokens"] == 256


async def test_usage_and_finish_reason_reach_the_callbacks(server: FakeProviderServer) -> None:
    server.push(Reply("a b", usage=Usage(7)))
    events = [e async for e in llm(server).astream_events("x", version="v1")]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "on_llm_start" and kinds[-1] == "on_llm_end"
    streamed = [e["data"]["chunk"] for e in events if e["event"] == "on_llm_stream"]
    assert [c for c in streamed] == ["a", " b", ""]
    start = events[0]["metadata"]
    assert start["ls_provider"] == "openai" and start["ls_model_type"] == "llm"
    assert start["ls_model_name"] == "gpt-3.5-turbo-instruct"
    assert start["ls_temperature"] == 0.7 and start["ls_max_tokens"] == 256


async def test_generation_info_has_the_finish_reason_and_usage(server: FakeProviderServer) -> None:
    server.push(Reply("a b", usage=Usage(7)))
    result = llm(server)._generate(["x"])
    info = result.generations[0][0].generation_info
    assert info is not None
    assert info["finish_reason"] == "stop"
    assert info["token_usage"] == {
        "prompt_tokens": 7,
        "completion_tokens": 2,
        "total_tokens": 9,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }


async def test_failures(server: FakeProviderServer) -> None:
    model = llm(server)
    server.push(Reply("a b c", terminal=False))
    with pytest.raises(IncompleteStreamError) as incomplete:
        list(model.stream("x"))
    assert incomplete.value.partial == "a b c"
    server.push(Reply("a b c d", error_after=2, error_message="overloaded"))
    got: list[str] = []
    with pytest.raises(ProviderError, match="overloaded") as failed:
        async for chunk in model.astream("x"):
            got.append(chunk)
    assert got == ["a", " b"] and failed.value.partial == "a b"
    server.push(Reply(status=429, retry_after=0.01), "fine")
    assert model.invoke("x") == "fine"
    server.push(Reply(status=404, error_message="The model `nope` does not exist"))
    with pytest.raises(ProviderError, match="does not exist") as missing:
        model.invoke("x")
    assert missing.value.status_code == 404


def test_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY"):
        OpenAI()


async def test_break_closes_the_response(server: FakeProviderServer) -> None:
    server.push(Reply("a b c d e f g h i j", delay=0.05))
    async for _chunk in llm(server).astream("x"):
        break
    assert (await server.await_disconnect(timeout=2)).path == "/v1/completions"
