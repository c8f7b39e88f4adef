"""Documents and document transformers (`langchain_core.documents` names)."""

from runnel.documents._document import Document
from runnel.documents._transformer import BaseDocumentTransformer

__all__ = ["BaseDocumentTransformer", "Document"]
