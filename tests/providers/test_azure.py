"""AzureChatOpenAI and AzureOpenAI against the fake server's Azure deployment routes."""

from __future__ import annotations

from typing import Any

import pytest

from runnel.exceptions import MissingAPIKeyError
from runnel.messages import AIMessageChunk
from runnel.providers.openai import AzureChatOpenAI, AzureOpenAI
from runnel.testing import FakeProviderServer, Reply, ToolCall, Usage

pytestmark = pytest.mark.anyio

KEY = "azure-secret-key-42"
VERSION = "2024-10-21"
AZURE_VARIABLES = (
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_DEPLOYMENT_NAME",
    "AZURE_OPENAI_API_VERSION",
    "OPENAI_API_VERSION",
    "AZURE_OPENAI_AD_TOKEN",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in AZURE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def azure_env(server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> FakeProviderServer:
    """The variables the seeds set, pointing at the fake server."""
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.url)
    monkeypatch.setenv("AZURE_OPENAI_DEPLOYMENT_NAME", "gpt4o-prod")
    monkeypatch.setenv("AZURE_OPENAI_API_VERSION", VERSION)
    return server


async def test_configured_from_the_environment_as_in_the_seed(
    azure_env: FakeProviderServer,
) -> None:
    server = azure_env
    server.push(Reply("Color is blue", usage=Usage(11)))
    model = AzureChatOpenAI()
    chunks = [c async for c in model.astream("what color is the sky?")]
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert [c.content for c in chunks] == ["", "Color", " is", " blue", ""]
    last = chunks[-1]
    assert last.usage_metadata is not None and last.usage_metadata["input_tokens"] == 11
    assert last.response_metadata["finish_reason"] == "stop"
    request = server.requests[-1]
    assert request.path == "/openai/deployments/gpt4o-prod/chat/completions"
    assert request.query == {"api-version": VERSION}
    assert request.headers["api-key"] == KEY
    assert "authorization" not in request.headers
    assert request.json["stream_options"] == {"include_usage": True}


async def test_arguments_as_in_the_seed(server: FakeProviderServer) -> None:
    model = AzureChatOpenAI(
        azure_endpoint=server.url,
        azure_deployment="dep",
        openai_api_version=VERSION,
        api_key=KEY,
        model="gpt-4o",
        max_tokens=20,
    )
    server.push("Hello")
    message = model.invoke("hi")
    assert message.content == "Hello"
    assert message.response_metadata["model_name"] == "gpt-4o"
    body = server.requests[-1].json
    assert body["model"] == "gpt-4o" and body["max_tokens"] == 20
    assert server.requests[-1].path == "/openai/deployments/dep/chat/completions"
    assert model.deployment_name == "dep"


async def test_tool_calls_stream_through_azure_frames(azure_env: FakeProviderServer) -> None:
    azure_env.push(Reply(tool_calls=[ToolCall("lookup", {"q": "sky"}, pieces=3)]))
    chunks = list(AzureChatOpenAI().bind_tools([_lookup_tool()]).stream("?"))
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole = whole + chunk
    assert whole.tool_calls == [
        {"name": "lookup", "args": {"q": "sky"}, "id": "call_0", "type": "tool_call"}
    ]


def _lookup_tool() -> dict[str, Any]:
    return {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}


def test_ls_model_name_adds_the_model_version(azure_env: FakeProviderServer) -> None:
    # the deployment as ls_model_name, errors and retries: see test_contract.py
    named = AzureChatOpenAI(model="gpt-4o", model_version="2024-08-06")
    assert named._get_ls_params()["ls_model_name"] == "gpt-4o-2024-08-06"


async def test_structured_output_defaults_to_json_schema(azure_env: FakeProviderServer) -> None:
    azure_env.push(Reply(['{"answer": ', '"blue"}']))
    schema = {"title": "Answer", "type": "object", "properties": {"answer": {"type": "string"}}}
    result = await AzureChatOpenAI().with_structured_output(schema).ainvoke("?")
    assert result == {"answer": "blue"}
    assert azure_env.requests[-1].json["response_format"]["type"] == "json_schema"


def test_missing_settings_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingAPIKeyError, match="AZURE_OPENAI_API_KEY"):
        AzureChatOpenAI(azure_endpoint="https://x.openai.azure.com", api_version=VERSION)
    with pytest.raises(ValueError, match="AZURE_OPENAI_ENDPOINT"):
        AzureChatOpenAI(api_key="k", api_version=VERSION)
    with pytest.raises(ValueError, match="AZURE_OPENAI_API_VERSION"):
        AzureChatOpenAI(api_key="k", azure_endpoint="https://x.openai.azure.com")
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-06-01")
    model = AzureChatOpenAI(api_key="k", azure_endpoint="https://x.openai.azure.com")
    assert model.api_version == "2024-06-01"
    assert KEY not in repr(
        AzureChatOpenAI(api_key=KEY, azure_endpoint="https://x", api_version="v")
    )


async def test_an_entra_id_token_replaces_the_key(server: FakeProviderServer) -> None:
    model = AzureChatOpenAI(
        azure_endpoint=server.url,
        azure_deployment="dep",
        api_version=VERSION,
        azure_ad_token="entra-token-xyz",
    )
    server.push("ok")
    assert (await model.ainvoke("hi")).content == "ok"
    assert server.requests[-1].headers["authorization"] == "Bearer entra-token-xyz"
    assert "entra-token-xyz" not in repr(model)


async def test_the_v1_api_needs_only_a_base_url(server: FakeProviderServer) -> None:
    model = AzureChatOpenAI(base_url=server.url + "/openai/v1", api_key=KEY, model="gpt-4o")
    server.push("v1 answer")
    assert "".join(str(c.content) for c in model.stream("hi")) == "v1 answer"
    request = server.requests[-1]
    assert request.path == "/openai/v1/chat/completions" and request.query == {}
    assert request.headers["authorization"] == f"Bearer {KEY}"


async def test_a_base_url_with_an_api_version(server: FakeProviderServer) -> None:
    model = AzureChatOpenAI(
        base_url=server.url + "/openai/deployments/dep", api_key="k", api_version=VERSION
    )
    server.push("fine")
    assert model.invoke("hi").content == "fine"
    assert server.requests[-1].query == {"api-version": VERSION}


async def test_azure_text_completions(azure_env: FakeProviderServer) -> None:
    azure_env.push(Reply(["Spark", "ling"]))
    llm = AzureOpenAI(azure_deployment="instruct")
    assert [c async for c in llm.astream("song")] == ["Spark", "ling", ""]
    request = azure_env.requests[-1]
    assert request.path == "/openai/deployments/instruct/completions"
    assert request.headers["api-key"] == KEY
    assert llm._get_ls_params()["ls_provider"] == "azure"
    assert llm._get_ls_params()["ls_model_name"] == "instruct"
