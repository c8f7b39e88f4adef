"""`ChatTogether`: Together AI's OpenAI-compatible chat API."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr

from runnel.language_models._structured import StructuredOutputMethod
from runnel.providers.openai import ChatOpenAI

__all__ = ["ChatTogether"]


class ChatTogether(ChatOpenAI):
    """Models served by Together AI (``https://api.together.xyz/v1``), streamed.

    The key is read from ``TOGETHER_API_KEY`` unless given; the base URL from `base_url`,
    else ``TOGETHER_API_BASE``, else Together's. Together's ``eos`` finish reason is
    reported as ``"stop"``; usage arrives on the last chunk. `with_structured_output`
    defaults to ``function_calling`` as in LangChain; the other fields are `ChatOpenAI`'s
    (aliases ``together_api_key``, ``together_api_base``).

    Attributes:
        model: The model, e.g. ``"meta-llama/Llama-3.3-70B-Instruct-Turbo"``.
    """

    _provider: ClassVar[str] = "together"
    _key_variable: ClassVar[str | None] = "TOGETHER_API_KEY"
    _base_url_variable: ClassVar[str | None] = "TOGETHER_API_BASE"
    _default_base_url: ClassVar[str | None] = "https://api.together.xyz/v1"
    _model_provider: ClassVar[str] = "together"
    _max_tokens_param: ClassVar[str] = "max_tokens"
    _default_structured_method: ClassVar[StructuredOutputMethod] = "function_calling"
    _developer_role: ClassVar[bool] = False

    model: str = Field(validation_alias=AliasChoices("model", "model_name"))
    api_key: SecretStr | None = Field(
        default=None, repr=False, validation_alias=AliasChoices("api_key", "together_api_key")
    )
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "together_api_base")
    )

    @property
    def _llm_type(self) -> str:
        return "together-chat"
