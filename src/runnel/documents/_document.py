"""Document: a piece of text and its metadata, as retrievers and vector stores return it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = ["Document"]


class Document(BaseModel):
    """A piece of text with metadata; `page_content` may be given positionally.

    Attributes:
        id: An optional identifier (vector stores assign one when they store the document).
        metadata: Arbitrary data about the text (source, page, ...).
        page_content: The text.
    """

    id: str | None = Field(default=None, coerce_numbers_to_str=True)
    metadata: dict[str, Any] = Field(default_factory=dict)
    page_content: str
    type: Literal["Document"] = "Document"

    def __init__(self, page_content: str, **kwargs: Any) -> None:
        """Create a document; `page_content` may be given positionally."""
        super().__init__(page_content=page_content, **kwargs)

    def __repr_args__(self) -> Any:
        if self.id is not None:
            yield "id", self.id
        yield "metadata", self.metadata
        yield "page_content", self.page_content

    def __str__(self) -> str:
        if self.metadata:
            return f"page_content={self.page_content!r} metadata={self.metadata}"
        return f"page_content={self.page_content!r}"
