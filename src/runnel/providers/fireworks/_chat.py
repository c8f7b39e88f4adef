"""`ChatFireworks`: Fireworks AI's OpenAI-compatible chat API."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr, field_validator

from runnel.language_models._structured import StructuredOutputMethod
from runnel.providers.openai import ChatOpenAI

__all__ = ["ChatFireworks"]

_MODEL_PREFIX = "accounts/fireworks/models/"


class ChatFireworks(ChatOpenAI):
    """Models served by Fireworks AI (``https://api.fireworks.ai/inference/v1``), streamed.

    The key is read from ``FIREWORKS_API_KEY`` unless given; the base URL from `base_url`,
    else ``FIREWORKS_API_BASE``, else Fireworks'. Models are named
    ``"accounts/fireworks/models/<name>"``; a bare name without ``/`` gets that prefix.
    `with_structured_output` defaults to ``function_calling`` as in LangChain; the other
    fields are `ChatOpenAI`'s (aliases ``fireworks_api_key``, ``fireworks_api_base``).

    Attributes:
        model: The model, e.g. ``"accounts/fireworks/models/llama-v3p1-70b-instruct"``.
    """

    _provider: ClassVar[str] = "fireworks"
    _key_variable: ClassVar[str | None] = "FIREWORKS_API_KEY"
    _base_url_variable: ClassVar[str | None] = "FIREWORKS_API_BASE"
    _default_base_url: ClassVar[str | None] = "https://api.fireworks.ai/inference/v1"
    _model_provider: ClassVar[str] = "fireworks"
    _max_tokens_param: ClassVar[str] = "max_tokens"
    _default_structured_method: ClassVar[StructuredOutputMethod] = "function_calling"
    _developer_role: ClassVar[bool] = False

    model: str = Field(validation_alias=AliasChoices("model", "model_name"))
    api_key: SecretStr | None = Field(
        default=None, repr=False, validation_alias=AliasChoices("api_key", "fireworks_api_key")
    )
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "fireworks_api_base")
    )

    @field_validator("model")
    @classmethod
    def _full_model_name(cls, model: str) -> str:
        return model if "/" in model else _MODEL_PREFIX + model

    @property
    def _llm_type(self) -> str:
        return "fireworks-chat"
