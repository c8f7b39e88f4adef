"""`ChatVertexAI`: Gemini on Google Cloud's Vertex AI."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from pydantic import AliasChoices, Field, SecretStr

from runnel.providers.google._model import GeminiChatModel
from runnel.providers.google._pool import ClientOptions

__all__ = ["ChatVertexAI"]

_DEFAULT_LOCATION = "us-central1"


class ChatVertexAI(GeminiChatModel):
    """A Gemini chat model on Vertex AI, streaming through google-genai.

    Requests go to ``/v1beta1/projects/{project}/locations/{location}/publishers/google/
    models/{model}:streamGenerateContent?alt=sse`` on ``{location}-aiplatform.googleapis.com``
    (or `base_url`). Authentication, first match wins:

    1. ``api_key`` (or ``google_api_key``): Vertex AI express mode, sent as
       ``x-goog-api-key``; the URL has no project then.
    2. ``credentials`` (a google-auth ``Credentials``) or ``access_token`` (an OAuth 2
       token used as is, never refreshed: handy for tests and short jobs), sent as
       ``Authorization: Bearer``.
    3. A project (``project`` or ``GOOGLE_CLOUD_PROJECT``): Application Default Credentials,
       looked up by google-genai at the first request (never when the model is built).
    4. No project but ``GOOGLE_API_KEY`` set: express mode with that key.

    Attributes:
        project: The Google Cloud project; default ``GOOGLE_CLOUD_PROJECT``.
        location: The region; default ``GOOGLE_CLOUD_LOCATION``, else ``"us-central1"``.
        credentials: google-auth credentials to use instead of the default ones.
        access_token: A ready OAuth 2 access token (a `SecretStr`, never shown).
        api_key: A Vertex AI API key (express mode).

    The generation fields are those of `ChatGoogleGenerativeAI` (``model``,
    ``temperature``, ``max_output_tokens`` / ``max_tokens``, ``top_p``, ``top_k``...);
    ``api_version`` defaults to google-genai's (``v1beta1``).
    """

    api_key: SecretStr | None = Field(
        default=None, repr=False, validation_alias=AliasChoices("api_key", "google_api_key")
    )
    project: str | None = None
    location: str | None = None
    credentials: Any = Field(default=None, repr=False, exclude=True)
    access_token: SecretStr | None = Field(default=None, repr=False)

    _provider: ClassVar[str] = "google_vertexai"
    _key_variable: ClassVar[str | None] = None

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        if self.api_key is not None:
            return  # express mode, with the project and location given (if any)
        self.project = self.project or os.environ.get("GOOGLE_CLOUD_PROJECT") or None
        oauth = self.credentials is not None or self.access_token is not None
        if self.project is None and not oauth and os.environ.get("GOOGLE_API_KEY"):
            self.api_key = SecretStr(os.environ["GOOGLE_API_KEY"])
            return
        self.location = (
            self.location or os.environ.get("GOOGLE_CLOUD_LOCATION") or _DEFAULT_LOCATION
        )

    @property
    def _llm_type(self) -> str:
        return "vertexai"

    def _client_options(self) -> ClientOptions:
        token = self.access_token.get_secret_value() if self.access_token is not None else None
        oauth = self.credentials is not None or token is not None
        return ClientOptions(
            vertexai=True,
            api_key=None if oauth else self._secret(),
            access_token=token,
            credentials=self.credentials,
            project=self.project,
            location=self.location,
            base_url=self.base_url,
            api_version=self.api_version,
            timeout=self.timeout,
            headers=tuple((self.additional_headers or {}).items()),
        )
