"""BaseDocumentTransformer: the interface of steps that turn documents into documents."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import anyio.to_thread

from runnel.documents._document import Document

__all__ = ["BaseDocumentTransformer"]


class BaseDocumentTransformer(ABC):
    """Turns a sequence of documents into another (splitters, filters, translators)."""

    @abstractmethod
    def transform_documents(
        self, documents: Sequence[Document], **kwargs: Any
    ) -> Sequence[Document]:
        """Transform `documents` and return the result."""

    async def atransform_documents(
        self, documents: Sequence[Document], **kwargs: Any
    ) -> Sequence[Document]:
        """Async twin of `transform_documents`; by default runs it in a worker thread."""
        return await anyio.to_thread.run_sync(lambda: self.transform_documents(documents, **kwargs))
