"""`init_chat_model`: a chat model from a ``"provider:model"`` string."""

from __future__ import annotations

import importlib
from typing import Any

from runnel.language_models._chat import BaseChatModel

__all__ = ["PROVIDERS", "init_chat_model"]

#: provider name -> (module, class, extra to install)
PROVIDERS: dict[str, tuple[str, str, str]] = {
    "openai": ("runnel.providers.openai", "ChatOpenAI", "openai"),
    "azure_openai": ("runnel.providers.openai", "AzureChatOpenAI", "azure"),
    "anthropic": ("runnel.providers.anthropic", "ChatAnthropic", "anthropic"),
    "google_genai": ("runnel.providers.google", "ChatGoogleGenerativeAI", "google"),
    "google_vertexai": ("runnel.providers.google", "ChatVertexAI", "google"),
    "cohere": ("runnel.providers.cohere", "ChatCohere", "cohere"),
    "mistralai": ("runnel.providers.mistralai", "ChatMistralAI", "mistralai"),
    "groq": ("runnel.providers.groq", "ChatGroq", "groq"),
    "fireworks": ("runnel.providers.fireworks", "ChatFireworks", "fireworks"),
    "nvidia": ("runnel.providers.nvidia", "ChatNVIDIA", "nvidia"),
    "together": ("runnel.providers.together", "ChatTogether", "together"),
    "ollama": ("runnel.providers.ollama", "ChatOllama", "ollama"),
}

_ALIASES = {
    "google": "google_genai",
    "gemini": "google_genai",
    "vertexai": "google_vertexai",
    "azure": "azure_openai",
    "mistral": "mistralai",
}

_PREFIXES = (
    (("gpt-", "o1", "o3", "o4", "chatgpt", "text-davinci", "gpt-3.5-turbo-instruct"), "openai"),
    (("claude",), "anthropic"),
    (("gemini",), "google_genai"),
    (("command",), "cohere"),
    (("mistral", "mixtral", "codestral", "ministral", "pixtral"), "mistralai"),
    (("accounts/fireworks",), "fireworks"),
)


def init_chat_model(
    model: str, *, model_provider: str | None = None, **kwargs: Any
) -> BaseChatModel:
    """A chat model named ``"provider:model"`` (or a model and ``model_provider``).

    Without a provider it is inferred from the model name (``gpt-...`` is OpenAI,
    ``claude...`` Anthropic, ``gemini...`` Google, ``command...`` Cohere, ``mistral...``
    Mistral). Remaining keyword arguments go to the model class.

    Raises:
        ValueError: the provider is unknown or cannot be inferred.
        ImportError: the provider's extra is not installed (the message names it).
    """
    provider = model_provider
    if provider is None and ":" in model:
        head, _, rest = model.partition(":")
        if _canonical(head) in PROVIDERS:
            provider, model = head, rest
    if provider is None:
        provider = _infer(model)
    name = _canonical(provider)
    if name not in PROVIDERS:
        known = ", ".join(sorted(PROVIDERS))
        raise ValueError(f"Unknown model provider {provider!r}: use one of {known}")
    module_name, class_name, extra = PROVIDERS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ImportError(
            f'{provider} models need an extra: pip install "runnel[{extra}]" ({error})'
        ) from error
    cls: type[BaseChatModel] = getattr(module, class_name)
    return cls(model=model, **kwargs)


def _canonical(provider: str) -> str:
    name = provider.strip().lower().replace("-", "_")
    return _ALIASES.get(name, name)


def _infer(model: str) -> str:
    lowered = model.lower()
    for prefixes, provider in _PREFIXES:
        if lowered.startswith(prefixes):
            return provider
    raise ValueError(
        f"Cannot infer the provider of model {model!r}: write it as 'provider:model' "
        f"(providers: {', '.join(sorted(PROVIDERS))})"
    )
