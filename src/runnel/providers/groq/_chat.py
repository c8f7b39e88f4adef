"""`ChatGroq`: Groq's OpenAI-compatible chat API."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr

from runnel.language_models._structured import StructuredOutputMethod
from runnel.providers.openai import ChatOpenAI

__all__ = ["ChatGroq"]


class ChatGroq(ChatOpenAI):
    """Models served by Groq (``https://api.groq.com/openai/v1``), streamed token by token.

    The key is read from ``GROQ_API_KEY`` unless given; the base URL from `base_url`, else
    ``GROQ_API_BASE``, else Groq's. Groq reports usage on the finish chunk, in ``usage``
    and again in ``x_groq.usage`` (counted once), and sends tool calls whole. Reasoning
    text (``reasoning_format="parsed"``) arrives in ``additional_kwargs["reasoning_content"]``.
    As in LangChain the default temperature is 0.7 and `with_structured_output` defaults
    to ``function_calling``; otherwise the fields are `ChatOpenAI`'s (aliases
    ``groq_api_key``, ``groq_api_base``).

    Attributes:
        model: The model name, e.g. ``"llama-3.3-70b-versatile"``.
        reasoning_format: ``"parsed"``, ``"raw"`` or ``"hidden"`` (reasoning models).
    """

    _provider: ClassVar[str] = "groq"
    _key_variable: ClassVar[str | None] = "GROQ_API_KEY"
    _base_url_variable: ClassVar[str | None] = "GROQ_API_BASE"
    _default_base_url: ClassVar[str | None] = "https://api.groq.com/openai/v1"
    _model_provider: ClassVar[str] = "groq"
    _max_tokens_param: ClassVar[str] = "max_tokens"
    _default_structured_method: ClassVar[StructuredOutputMethod] = "function_calling"
    _developer_role: ClassVar[bool] = False

    model: str = Field(validation_alias=AliasChoices("model", "model_name"))
    api_key: SecretStr | None = Field(
        default=None, repr=False, validation_alias=AliasChoices("api_key", "groq_api_key")
    )
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "groq_api_base")
    )
    temperature: float | None = 0.7
    reasoning_format: str | None = None

    @property
    def _llm_type(self) -> str:
        return "groq-chat"

    def _default_params(self) -> dict[str, object]:
        params = super()._default_params()
        if self.reasoning_format is not None:
            params["reasoning_format"] = self.reasoning_format
        return params
