"""The OpenAI-compatible providers (Groq, Fireworks, NVIDIA, Together) and local servers."""

from __future__ import annotations

from typing import Any

import pytest

from runnel.exceptions import MissingAPIKeyError, ProviderError
from runnel.messages import AIMessageChunk
from runnel.providers.fireworks import ChatFireworks
from runnel.providers.groq import ChatGroq
from runnel.providers.nvidia import ChatNVIDIA
from runnel.providers.openai import ChatOpenAI
from runnel.providers.together import ChatTogether
from runnel.testing import FakeProviderServer, Reply, ToolCall, Usage
from runnel.testing._openai import flavour_routes

pytestmark = pytest.mark.anyio

# class, key variable, base URL variable, default base URL, the fake's prefix, ls_provider
PROVIDERS = [
    (
        ChatGroq,
        "GROQ_API_KEY",
        "GROQ_API_BASE",
        "https://api.groq.com/openai/v1",
        "/openai/v1",
        "groq",
    ),
    (
        ChatFireworks,
        "FIREWORKS_API_KEY",
        "FIREWORKS_API_BASE",
        "https://api.fireworks.ai/inference/v1",
        "/inference/v1",
        "fireworks",
    ),
    (
        ChatNVIDIA,
        "NVIDIA_API_KEY",
        "NVIDIA_BASE_URL",
        "https://integrate.api.nvidia.com/v1",
        "/v1",
        "NVIDIA",
    ),
    (
        ChatTogether,
        "TOGETHER_API_KEY",
        "TOGETHER_API_BASE",
        "https://api.together.xyz/v1",
        "/v1",
        "together",
    ),
]
IDS = [p[0].__name__ for p in PROVIDERS]


def total(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    result = chunks[0]
    for chunk in chunks[1:]:
        result = result + chunk
    return result


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for _, key, base, *_ in PROVIDERS:
        monkeypatch.delenv(key, raising=False)
        monkeypatch.delenv(base, raising=False)


@pytest.mark.parametrize(("cls", "key", "base", "default", "prefix", "ls"), PROVIDERS, ids=IDS)
async def test_its_variables_give_the_endpoint_and_the_key(
    server: FakeProviderServer,
    monkeypatch: pytest.MonkeyPatch,
    cls: type[ChatOpenAI],
    key: str,
    base: str,
    default: str,
    prefix: str,
    ls: str,
) -> None:
    monkeypatch.setenv(key, f"{key.lower()}-secret")
    monkeypatch.setenv(base, server.url + prefix)
    # streaming, usage, events, key hygiene and errors: see test_contract.py
    server.push(Reply("Hi there friend", usage=Usage(8)))
    chunks = [c async for c in cls(model="some/model").astream("hi")]
    assert total(chunks).content == "Hi there friend"
    request = server.requests[-1]
    assert request.path == prefix + "/chat/completions"
    assert request.headers["authorization"] == f"Bearer {key.lower()}-secret"
    assert request.json["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(("cls", "key", "base", "default", "prefix", "ls"), PROVIDERS, ids=IDS)
def test_key_and_base_url_resolution(
    monkeypatch: pytest.MonkeyPatch,
    cls: type[ChatOpenAI],
    key: str,
    base: str,
    default: str,
    prefix: str,
    ls: str,
) -> None:
    with pytest.raises(MissingAPIKeyError, match=key):
        cls(model="m")
    model = cls(model="m", api_key="k")
    assert str(model._client(False).base_url).rstrip("/") == default
    assert str(
        cls(model="m", api_key="k", base_url="http://local:1/v1")._client(False).base_url
    ) == ("http://local:1/v1/")
    assert model._get_ls_params()["ls_provider"] == ls


async def test_groq_counts_its_doubled_usage_once_and_takes_whole_tool_calls(
    server: FakeProviderServer,
) -> None:
    model = ChatGroq(
        model="llama-3.3-70b-versatile", api_key="gsk", base_url=server.url + "/openai/v1"
    )
    server.push(
        Reply("Calling.", tool_calls=[ToolCall("weather", {"city": "Oslo"})], usage=Usage(45))
    )
    chunks = list(model.bind_tools([_tool("weather")], tool_choice="any").stream("hi"))
    whole_calls = [c for c in chunks if c.tool_call_chunks]
    assert len(whole_calls) == 1, "Groq sends a call in one delta"
    whole = total(chunks)
    assert whole.tool_calls == [
        {"name": "weather", "args": {"city": "Oslo"}, "id": "call_0", "type": "tool_call"}
    ]
    assert whole.usage_metadata == {"input_tokens": 45, "output_tokens": 2, "total_tokens": 47}
    assert whole.response_metadata["model_provider"] == "groq"
    body = server.requests[-1].json
    assert body["tool_choice"] == "required"
    assert body["temperature"] == 0.7  # LangChain's default for ChatGroq


async def test_groq_structured_output_uses_tool_calling_by_default(
    server: FakeProviderServer,
) -> None:
    model = ChatGroq(model="llama3-8b-8192", api_key="gsk", base_url=server.url + "/openai/v1")
    server.push(Reply(tool_calls=[ToolCall("Answer", {"text": "blue"}, pieces=4)]))
    schema = {"title": "Answer", "type": "object", "properties": {"text": {"type": "string"}}}
    values = [v async for v in model.with_structured_output(schema).astream("?")]
    assert values[-1] == {"text": "blue"}
    assert server.requests[-1].json["tools"][0]["function"]["name"] == "Answer"


async def test_fireworks_model_names_and_error_envelope(server: FakeProviderServer) -> None:
    model = ChatFireworks(
        model="llama-v3p1-70b-instruct", api_key="fw", base_url=server.url + "/inference/v1"
    )
    assert model.model == "accounts/fireworks/models/llama-v3p1-70b-instruct"
    server.push("ok")
    message = model.invoke("hi")
    assert message.content == "ok"
    assert (
        message.response_metadata["model_name"]
        == "accounts/fireworks/models/llama-v3p1-70b-instruct"
    )
    assert server.requests[-1].json["model"] == "accounts/fireworks/models/llama-v3p1-70b-instruct"
    server.push(Reply(status=400, error_message="context length exceeded"))
    with pytest.raises(ProviderError, match="context length exceeded") as info:
        model.invoke("hi")
    assert info.value.body["object"] == "error"


async def test_nvidia_sends_max_tokens_as_langchain_does(server: FakeProviderServer) -> None:
    model = ChatNVIDIA(
        model="meta/llama3-70b-instruct", api_key="nvapi-x", base_url=server.url + "/v1"
    )
    server.push("ok")
    await model.ainvoke("hi")
    body = server.requests[-1].json
    assert body["max_tokens"] == 1024 and "max_completion_tokens" not in body
    assert model._get_ls_params()["ls_max_tokens"] == 1024


async def test_together_eos_is_a_stop() -> None:
    with FakeProviderServer(routes=flavour_routes("/v1", "together")) as server:
        model = ChatTogether(
            model="mistralai/Mixtral-8x7B-Instruct-v0.1", api_key="tg", base_url=server.url + "/v1"
        )
        server.push(Reply("what color is the sky?", usage=Usage(6)))
        chunks = [c async for c in model.astream("hi")]
        whole = total(chunks)
        assert whole.content == "what color is the sky?"
        assert whole.response_metadata["finish_reason"] == "stop"
        assert whole.usage_metadata is not None and whole.usage_metadata["total_tokens"] == 11
        chat_route = next(r for r in server._routes if r.pattern.endswith("/chat/completions"))
        rendered = chat_route.handler(server.requests[-1], Reply("x"))
        assert any(b'"finish_reason":"eos"' in f.data for f in rendered.frames)  # type: ignore[union-attr]


@pytest.mark.parametrize("prefix", ["/v1", "/openai/v1", "/inference/v1"])
async def test_chat_openai_with_a_local_base_url_still_asks_for_usage(
    server: FakeProviderServer, prefix: str
) -> None:
    """A local vLLM, LM Studio or Ollama ``/v1`` endpoint: any key, usage still requested."""
    model = ChatOpenAI(model="llama3.2", api_key="ollama", base_url=server.url + prefix)
    server.push(Reply("local answer", usage=Usage(4)))
    whole = total([c async for c in model.astream("hi")])
    assert whole.content == "local answer"
    assert whole.usage_metadata is not None and whole.usage_metadata["total_tokens"] == 6
    assert server.requests[-1].json["stream_options"] == {"include_usage": True}


def _tool(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
