"""The OpenAI family's fake routes render each variant's quirks (runnel.testing._openai)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from runnel.testing import FakeProviderServer, Reply, ToolCall, Usage
from runnel.testing._openai import embed_text, flavour_routes

BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}


def events(response: httpx.Response) -> list[Any]:
    payloads = [line[6:] for line in response.text.split("\n") if line.startswith("data: ")]
    return [p if p == "[DONE]" else json.loads(p) for p in payloads]


@pytest.fixture
def server() -> Any:
    with FakeProviderServer() as running:
        yield running


def post(
    server: FakeProviderServer, path: str, body: dict[str, Any], **kwargs: Any
) -> httpx.Response:
    return httpx.post(server.url + path, json=body, timeout=5, **kwargs)


def test_openai_usage_chunk_and_null_usage_only_when_asked(server: FakeProviderServer) -> None:
    server.push("a b", "a b")
    plain = events(post(server, "/v1/chat/completions", BODY))
    assert all("usage" not in e for e in plain[:-1]) and plain[-1] == "[DONE]"
    asked = events(
        post(server, "/v1/chat/completions", {**BODY, "stream_options": {"include_usage": True}})
    )
    assert all(e["usage"] is None for e in asked[:-2])
    assert asked[-2]["choices"] == [] and asked[-2]["usage"]["total_tokens"] == 12
    assert asked[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}


def test_azure_frames(server: FakeProviderServer) -> None:
    server.push("Color", "x")
    path = "/openai/deployments/dep/chat/completions"
    got = events(post(server, path + "?api-version=2024-10-21", BODY))
    assert got[0]["choices"] == [] and got[0]["prompt_filter_results"] and got[0]["id"] == ""
    annotation = got[-2]["choices"][0]
    assert "delta" not in annotation and "content_filter_offsets" in annotation
    assert all("usage" in e and e["usage"] is None for e in got[:-1])
    missing = post(server, path, BODY)
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "Resource not found"


def test_groq_and_azure_v1_share_a_prefix(server: FakeProviderServer) -> None:
    server.push(Reply("Hi", tool_calls=[ToolCall("f", {"a": 1})]), "Hi")
    groq = events(post(server, "/openai/v1/chat/completions", BODY))
    assert groq[0]["x_groq"]["id"].startswith("req_")
    finish = groq[-2]
    assert finish["choices"][0]["finish_reason"] == "tool_calls"
    assert finish["usage"] == finish["x_groq"]["usage"] and "queue_time" in finish["usage"]
    whole_call = groq[2]["choices"][0]["delta"]["tool_calls"][0]
    assert whole_call["function"]["arguments"] == '{"a": 1}'
    azure = events(post(server, "/openai/v1/chat/completions", BODY, headers={"api-key": "k"}))
    assert azure[0]["choices"] == [] and "prompt_filter_results" in azure[0]


def test_fireworks_usage_on_the_finish_chunk_and_error_envelope(server: FakeProviderServer) -> None:
    server.push(Reply("x", usage=Usage(3)), Reply(status=400, error_message="bad"))
    got = events(post(server, "/inference/v1/chat/completions", BODY))
    assert (
        got[-2]["choices"][0]["finish_reason"] == "stop" and got[-2]["usage"]["prompt_tokens"] == 3
    )
    error = post(server, "/inference/v1/chat/completions", BODY)
    assert error.status_code == 400
    assert error.json() == {
        "error": {
            "object": "error",
            "type": "invalid_request_error",
            "code": None,
            "message": "bad",
        }
    }


def test_together_flavour_on_any_prefix() -> None:
    with FakeProviderServer(Reply("Hi there"), routes=flavour_routes("/v1", "together")) as server:
        got = events(post(server, "/v1/chat/completions", BODY))
    assert got[0]["choices"][0]["delta"] == {"role": "assistant", "content": "Hi"}
    assert got[-2]["choices"][0]["finish_reason"] == "eos" and got[-2]["usage"]


def test_completions_put_the_finish_reason_on_the_last_text(server: FakeProviderServer) -> None:
    server.push(Reply(["a", "b"], finish_reason="length"))
    got = events(post(server, "/v1/completions", {"model": "i", "prompt": "p", "stream": True}))
    assert [e["choices"][0]["text"] for e in got[:-1]] == ["a", "b"]
    assert got[1]["choices"][0]["finish_reason"] == "length" and got[-1] == "[DONE]"


def test_embeddings_in_floats_and_base64_and_models(server: FakeProviderServer) -> None:
    with openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0) as sdk:
        check_embeddings(server, sdk)


def check_embeddings(server: FakeProviderServer, sdk: openai.OpenAI) -> None:
    as_floats = sdk.embeddings.create(
        input="a b", model="text-embedding-3-large", encoding_format="float"
    )
    as_base64 = sdk.embeddings.create(input=["a b"], model="text-embedding-3-large")
    assert len(as_floats.data[0].embedding) == 3072
    assert as_floats.data[0].embedding == pytest.approx(embed_text("a b", 3072))
    assert as_base64.data[0].embedding == pytest.approx(as_floats.data[0].embedding, abs=1e-6)
    assert embed_text("same words", 16) == embed_text("Same, words!", 16)
    with pytest.raises(openai.BadRequestError, match="'input' is required"):
        sdk.embeddings.create(input=[], model="m")
    assert next(m.id for m in sdk.models.list()) == "gpt-4o-mini"
    assert server.requests[0].json["encoding_format"] == "float"
