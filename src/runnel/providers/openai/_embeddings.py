"""`OpenAIEmbeddings`: text embeddings through OpenAI's Embeddings API."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar, TypeVar

from pydantic import AliasChoices, ConfigDict, Field, SecretStr

from runnel.embeddings import Embeddings
from runnel.providers._base import ProviderSettings
from runnel.providers._errors import aretrying, retrying
from runnel.providers.openai._sdk import (
    base_url_from,
    client_classes,
    client_options,
    shared_client,
)

__all__ = ["OpenAIEmbeddings"]

T = TypeVar("T")


class OpenAIEmbeddings(ProviderSettings, Embeddings):
    """Embeddings from OpenAI's (or an OpenAI-compatible server's) Embeddings API.

    The key is read from ``OPENAI_API_KEY`` unless given. Texts are sent in batches of
    `chunk_size`; a failed batch is retried as the chat models retry (``max_retries``,
    honouring ``retry-after``) and then raises `ProviderError`.

    Attributes:
        model: The embedding model, e.g. ``"text-embedding-3-small"``.
        dimensions: Shorten the vectors to this many dimensions (``text-embedding-3``).
        chunk_size: The most texts sent in one request.
        organization: The OpenAI organization id.
        default_headers: Headers sent with every request.
        model_kwargs: More request fields, sent with every request.
    """

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    _provider: ClassVar[str] = "openai"
    _key_variable: ClassVar[str | None] = "OPENAI_API_KEY"

    model: str = Field(
        default="text-embedding-ada-002", validation_alias=AliasChoices("model", "model_name")
    )
    api_key: SecretStr | None = Field(
        default=None, repr=False, validation_alias=AliasChoices("api_key", "openai_api_key")
    )
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("base_url", "openai_api_base")
    )
    timeout: float | None = Field(
        default=None, validation_alias=AliasChoices("timeout", "request_timeout")
    )
    organization: str | None = Field(
        default=None, validation_alias=AliasChoices("organization", "openai_organization")
    )
    dimensions: int | None = None
    chunk_size: int = Field(default=1000, gt=0)
    default_headers: dict[str, str] | None = None
    model_kwargs: dict[str, Any] = Field(default_factory=dict)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed each of `texts`; one vector per text, in order.

        Raises:
            ProviderError: a request failed (after the retries).
        """
        client = self._client(False)
        vectors: list[list[float]] = []
        for batch in self._batches(texts):
            data = retrying(
                self._provider,
                self.max_retries,
                partial(client.embeddings.create, **self._body(batch)),
            )
            vectors.extend(_vectors(data))
        return vectors

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async twin of `embed_documents`."""
        client = self._client(True)
        vectors: list[list[float]] = []
        for batch in self._batches(texts):
            data = await aretrying(
                self._provider,
                self.max_retries,
                partial(client.embeddings.create, **self._body(batch)),
            )
            vectors.extend(_vectors(data))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query."""
        return self.embed_documents([text])[0]

    async def aembed_query(self, text: str) -> list[float]:
        """Async twin of `embed_query`."""
        return (await self.aembed_documents([text]))[0]

    # -- requests --------------------------------------------------------------------------
    def _batches(self, texts: list[str]) -> list[list[str]]:
        size = self.chunk_size
        return [texts[i : i + size] for i in range(0, len(texts), size)]

    def _body(self, batch: list[str]) -> dict[str, Any]:
        arguments: dict[str, Any] = {"input": batch, "model": self.model}
        if self.dimensions is not None:
            arguments["dimensions"] = self.dimensions
        if self.model_kwargs:
            arguments["extra_body"] = dict(self.model_kwargs)
        return arguments

    def _client(self, is_async: bool) -> Any:
        """The (shared) SDK client for these settings."""
        options = client_options(self, base_url_from(self.base_url, "OPENAI_API_BASE", None))
        return shared_client(client_classes(is_async)[0], options)


def _vectors(response: Any) -> list[list[float]]:
    return [list(map(float, item.embedding)) for item in sorted(response.data, key=_index)]


def _index(item: Any) -> int:
    return int(item.index)
