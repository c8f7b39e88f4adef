"""`ChatNVIDIA`: NVIDIA's API catalog and NIM microservices (OpenAI-compatible)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr

from runnel.language_models._structured import StructuredOutputMethod
from runnel.providers.openai import ChatOpenAI

__all__ = ["ChatNVIDIA"]


class ChatNVIDIA(ChatOpenAI):
    """Models of NVIDIA's API catalog (``https://integrate.api.nvidia.com/v1``) or a
    self-hosted NIM (pass its ``base_url``, e.g. ``http://localhost:8000/v1``), streamed.

    The key (``nvapi-...``) is read from ``NVIDIA_API_KEY`` unless given; the base URL from
    `base_url`, else ``NVIDIA_BASE_URL``, else the catalog's. As in LangChain,
    ``ls_provider`` is ``"NVIDIA"`` and `max_tokens` defaults to 1024. Structured output
    uses tool calling by default (LangChain's ChatNVIDIA uses NIM's guided decoding
    instead); the other fields are `ChatOpenAI`'s (alias ``nvidia_api_key``).

    Attributes:
        model: The model, e.g. ``"meta/llama3-70b-instruct"``.
    """

    _provider: ClassVar[str] = "NVIDIA"
    _key_variable: ClassVar[str | None] = "NVIDIA_API_KEY"
    _base_url_variable: ClassVar[str | None] = "NVIDIA_BASE_URL"
    _default_base_url: ClassVar[str | None] = "https://integrate.api.nvidia.com/v1"
    _model_provider: ClassVar[str] = "nvidia"
    _max_tokens_param: ClassVar[str] = "max_tokens"
    _default_structured_method: ClassVar[StructuredOutputMethod] = "function_calling"
    _developer_role: ClassVar[bool] = False

    model: str = Field(validation_alias=AliasChoices("model", "model_name"))
    api_key: SecretStr | None = Field(
        default=None, repr=False, validation_alias=AliasChoices("api_key", "nvidia_api_key")
    )
    max_tokens: int | None = Field(
        default=1024, validation_alias=AliasChoices("max_tokens", "max_completion_tokens")
    )

    @property
    def _llm_type(self) -> str:
        return "chat-nvidia-ai-playground"
