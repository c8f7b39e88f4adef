"""ChatVertexAI against the fake Vertex AI server, through the official google-genai SDK."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import BaseModel
from tests.providers._streams import added, collect

from runnel.chat_models import init_chat_model
from runnel.exceptions import ProviderError
from runnel.messages import AIMessageChunk
from runnel.providers.google import ChatVertexAI
from runnel.testing import FakeProviderServer, Reply, ToolCall, Usage

pytestmark = pytest.mark.anyio

MODEL = "gemini-2.0-flash-001"
TOKEN = "ya29.test-access-5ecret-token"
KEY = "AQ.vertex-express-5ecret-key"
PREFIX = "/v1beta1/projects/my-project/locations/europe-west4/publishers/google/models"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def vertex(server: FakeProviderServer) -> Any:
    def make(**kwargs: Any) -> ChatVertexAI:
        settings: dict[str, Any] = {"project": "my-project", "location": "europe-west4"}
        settings.update(kwargs)
        if "api_key" not in settings and "credentials" not in settings:
            settings.setdefault("access_token", TOKEN)
        return ChatVertexAI(model=MODEL, base_url=server.url, **settings)

    return make


async def test_streams_from_the_project_path_with_a_bearer_token(
    vertex: Any, server: Any, mode: str
) -> None:
    server.push(Reply(["Hello", " from", " Vertex"], usage=Usage(input_tokens=4)))
    chunks = await collect(vertex(), "hi", mode)
    assert all(type(c) is AIMessageChunk for c in chunks)
    assert [c.content for c in chunks] == ["Hello", " from", " Vertex"]
    total = added(chunks)
    assert total.usage_metadata == {"input_tokens": 4, "output_tokens": 3, "total_tokens": 7}
    assert total.response_metadata == {
        "model_name": MODEL,
        "model_provider": "google_vertexai",
        "finish_reason": "STOP",
    }
    request = server.requests[-1]
    assert request.path == f"{PREFIX}/{MODEL}:streamGenerateContent"
    assert request.query == {"alt": "sse"}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "x-goog-api-key" not in request.headers


async def test_invoke_uses_generate_content(vertex: Any, server: Any) -> None:
    server.push(Reply("whole"))
    answer = await vertex().ainvoke("hi")
    assert answer.content == "whole"
    assert server.requests[-1].path == f"{PREFIX}/{MODEL}:generateContent"


async def test_project_and_location_come_from_the_environment(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "env-project")
    monkeypatch.setenv("GOOGLE_API_KEY", "an-ai-studio-key")  # a project wins over it
    server.push(Reply("ok"))
    model = ChatVertexAI(model=MODEL, access_token=TOKEN, base_url=server.url)
    assert (model.project, model.location) == ("env-project", "us-central1")
    model.invoke("hi")
    request = server.requests[-1]
    assert request.path.startswith("/v1beta1/projects/env-project/locations/us-central1/")
    assert "x-goog-api-key" not in request.headers
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "asia-east1")
    assert ChatVertexAI(model=MODEL).location == "asia-east1"


async def test_an_api_key_is_express_mode(vertex: Any, server: Any) -> None:
    server.push(Reply("ok"))
    await vertex(api_key=KEY, project=None, location=None).ainvoke("hi")
    request = server.requests[-1]
    assert request.path == f"/v1beta1/publishers/google/models/{MODEL}:generateContent"
    assert request.headers["x-goog-api-key"] == KEY
    assert "authorization" not in request.headers


async def test_without_a_project_google_api_key_means_express_mode_as_in_seed_004(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    model = ChatVertexAI(model="gemini-1.5-flash", base_url=server.url)
    server.push(Reply("The sky appears blue"))
    assert [c.content async for c in model.astream("what color is the sky?")] == [
        "The",
        " sky",
        " appears",
        " blue",
    ]
    request = server.requests[-1]
    assert (
        request.path == "/v1beta1/publishers/google/models/gemini-1.5-flash:streamGenerateContent"
    )
    assert request.headers["x-goog-api-key"] == KEY


def test_building_a_model_looks_up_no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    import google.auth

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("credentials were looked up")

    monkeypatch.setattr(google.auth, "default", refuse)
    model = ChatVertexAI(model=MODEL, project="p")
    assert (model.project, model.location, model.api_key) == ("p", "us-central1", None)
    assert model._client_options().access_token is None  # Application Default Credentials, later


async def test_google_auth_credentials_are_used(vertex: Any, server: Any) -> None:
    from google.oauth2.credentials import Credentials

    server.push(Reply("ok"))
    await vertex(credentials=Credentials(token="from-credentials")).ainvoke("hi")
    assert server.requests[-1].headers["authorization"] == "Bearer from-credentials"


def test_the_llm_type(vertex: Any) -> None:
    # its ls_* metadata, retries and truncated streams: see test_contract.py
    assert vertex()._llm_type == "vertexai"


async def test_secrets_never_show(
    vertex: Any, server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.push(Reply("ok"), Reply(status=403, error_message="Permission denied on resource"))
    model = vertex()
    express = vertex(api_key=KEY, project=None)
    events = [e async for e in model.astream_events("hi")]
    with pytest.raises(ProviderError) as caught:
        await model.ainvoke("hi")
    error = caught.value
    assert (error.status_code, error.provider) == (403, "google_vertexai")
    assert "Permission denied on resource" in str(error)
    seen = [repr(model), str(model), repr(express), repr(events), str(error), repr(error)]
    seen += [
        repr(model.model_dump()),
        repr(model._client_options()),
        repr(express._client_options()),
    ]
    seen.append(caplog.text)
    assert all(TOKEN not in text and KEY not in text for text in seen)
    assert server.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"


class Answer(BaseModel):
    """An answer."""

    text: str


async def test_structured_output_calls_a_function_by_default(
    vertex: Any, server: Any, mode: str
) -> None:
    server.push(Reply(tool_calls=[ToolCall("Answer", {"text": "42"})]))
    model = vertex().with_structured_output(Answer)
    answer = model.invoke("?") if mode == "sync" else await model.ainvoke("?")
    assert answer == Answer(text="42")
    # google-genai's Vertex converter keeps the nested proto field names
    assert server.requests[-1].json["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowed_function_names": ["Answer"]}
    }


async def test_init_chat_model_makes_a_vertex_model(server: Any) -> None:
    server.push(Reply("ok"))
    model = init_chat_model(
        f"google_vertexai:{MODEL}", project="p", access_token=TOKEN, base_url=server.url
    )
    assert isinstance(model, ChatVertexAI)
    assert (await model.ainvoke("hi")).content == "ok"
