"""`ChatGoogleGenerativeAI`: Gemini through the Gemini API (Google AI Studio keys)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr

from runnel.language_models._structured import StructuredOutputMethod
from runnel.providers.google._model import GeminiChatModel
from runnel.providers.google._pool import ClientOptions

__all__ = ["ChatGoogleGenerativeAI"]


class ChatGoogleGenerativeAI(GeminiChatModel):
    """A Gemini chat model on the Gemini API, streaming through google-genai.

    ``ChatGoogleGenerativeAI(model="gemini-2.5-flash")`` reads the key from
    ``GOOGLE_API_KEY`` (or ``api_key=`` / ``google_api_key=``) and sends it as
    ``x-goog-api-key``. Requests go to ``{base_url}/{api_version}/models/{model}:
    streamGenerateContent?alt=sse`` (``:generateContent`` for a non-streamed `invoke`).

    Attributes:
        model: The model (``model_name`` also accepted), e.g. ``"gemini-2.5-flash"``.
        temperature: Sampling temperature.
        max_output_tokens: The most tokens to generate (``max_tokens`` also accepted).
        top_p: Nucleus sampling.
        top_k: Top-k sampling.
        stop: Stop sequences.
        safety_settings: ``{category: threshold}`` or a list of safety settings.
        thinking_budget: Thinking tokens allowed (Gemini 2.5; 0 turns thinking off).
        include_thoughts: Stream thought summaries (as ``thinking`` content blocks).
        thinking_level: ``"low"`` or ``"high"`` (Gemini 3).
        response_mime_type: e.g. ``"application/json"``.
        response_schema: A JSON schema the answer must fit (sent as
            ``responseJsonSchema``).
        cached_content: The name of a context cache (``cachedContents/...``).
        api_version: The API version in the URL; ``"v1beta"`` by default (as LangChain;
            google-genai 3.x alone would use ``"v1"``).
        additional_headers: Headers added to every request.
        base_url: The API root instead of ``https://generativelanguage.googleapis.com``.
        timeout: Seconds before a request fails with `ProviderTimeout`.
        max_retries: Retries before the first chunk (429, 5xx, timeouts...), waiting as
            ``retry-after`` or Google's ``RetryInfo`` says. google-genai itself never
            retries here.
    """

    api_key: SecretStr | None = Field(
        default=None, repr=False, validation_alias=AliasChoices("api_key", "google_api_key")
    )

    _provider: ClassVar[str] = "google_genai"
    _key_variable: ClassVar[str | None] = "GOOGLE_API_KEY"
    # ``responseJsonSchema`` with ``responseMimeType: application/json``
    _default_structured_method: ClassVar[StructuredOutputMethod] = "json_schema"

    @property
    def _llm_type(self) -> str:
        return "chat-google-generative-ai"

    def _client_options(self) -> ClientOptions:
        return ClientOptions(
            vertexai=False,
            api_key=self._secret(),
            base_url=self.base_url,
            api_version=self.api_version or "v1beta",
            timeout=self.timeout,
            headers=tuple((self.additional_headers or {}).items()),
        )
