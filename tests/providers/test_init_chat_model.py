"""init_chat_model: every provider name maps to its class; errors name what is wrong."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from runnel.chat_models import init_chat_model
from runnel.chat_models._init import PROVIDERS
from runnel.testing import FakeProviderServer

KEYS = {
    "OPENAI_API_KEY": "k",
    "AZURE_OPENAI_API_KEY": "k",
    "AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com",
    "AZURE_OPENAI_API_VERSION": "2024-10-21",
    "ANTHROPIC_API_KEY": "k",
    "GOOGLE_API_KEY": "k",
    "COHERE_API_KEY": "k",
    "MISTRAL_API_KEY": "k",
    "GROQ_API_KEY": "k",
    "FIREWORKS_API_KEY": "k",
    "NVIDIA_API_KEY": "k",
    "TOGETHER_API_KEY": "k",
}

OURS = {
    "openai": "ChatOpenAI",
    "azure_openai": "AzureChatOpenAI",
    "groq": "ChatGroq",
    "fireworks": "ChatFireworks",
    "nvidia": "ChatNVIDIA",
    "together": "ChatTogether",
}


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_every_provider_name_gives_its_class(provider: str) -> None:
    module_name, class_name, _ = PROVIDERS[provider]
    try:
        importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        assert provider not in OURS
        pytest.skip(f"{module_name} is not written yet")
    model = init_chat_model(f"{provider}:some-model")
    assert type(model).__name__ == class_name
    assert str(getattr(model, "model", "")).endswith("some-model")


@pytest.mark.parametrize(("provider", "class_name"), sorted(OURS.items()))
def test_the_openai_family_is_available(provider: str, class_name: str) -> None:
    model = init_chat_model("the-model", model_provider=provider, temperature=0.25)
    assert type(model).__name__ == class_name
    assert model.temperature == 0.25  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "class_name"),
    [
        ("gpt-4o-mini", "ChatOpenAI"),
        ("o3-mini", "ChatOpenAI"),
        ("accounts/fireworks/models/llama-v3p1-70b-instruct", "ChatFireworks"),
        ("azure:gpt-4o", "AzureChatOpenAI"),
    ],
)
def test_inferred_and_aliased_providers(name: str, class_name: str) -> None:
    assert type(init_chat_model(name)).__name__ == class_name


async def test_the_model_it_gives_works(anyio_backend: str) -> None:
    with FakeProviderServer() as server:
        server.push("hello")
        model = init_chat_model("groq:llama3-8b-8192", base_url=server.url + "/openai/v1")
        assert (await model.ainvoke("hi")).content == "hello"


def test_errors() -> None:
    with pytest.raises(ValueError, match="Unknown model provider 'nope'"):
        init_chat_model("m", model_provider="nope")
    with pytest.raises(ValueError, match="Cannot infer the provider of model 'mystery'"):
        init_chat_model("mystery")


def test_a_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PROVIDERS, "groq", ("runnel.providers.no_such_module", "ChatGroq", "groq"))
    with pytest.raises(ImportError, match=r'pip install "runnel\[groq\]"'):
        init_chat_model("groq:llama3-8b-8192")


def test_importing_runnel_needs_no_sdk() -> None:
    code = (
        "import sys; sys.modules['openai'] = None\n"
        "import runnel, runnel.chat_models, runnel.testing\n"
        "try:\n"
        "    import runnel.providers.openai\n"
        "except ImportError as error:\n"
        "    print(error)\n"
        "try:\n"
        "    runnel.chat_models.init_chat_model('groq:m')\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    lines = result.stdout.splitlines()
    assert lines[0] == 'openai is not installed: pip install "runnel[openai]"'
    assert 'pip install "runnel[groq]"' in lines[1]
