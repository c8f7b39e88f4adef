"""Text splitters: cut documents into overlapping chunks (`langchain_text_splitters` names).

`RecursiveCharacterTextSplitter` tries paragraph, line, word and character breaks in
turn; `CharacterTextSplitter` splits on one separator. Both keep each document's
metadata on its chunks and, with `add_start_index=True`, record where each chunk starts
in the original text. Sizes are counted by `length_function` (characters by default), or
in tokens via `from_tiktoken_encoder` (needs `runnel[tiktoken]` and the encoding file) or
`from_huggingface_tokenizer`.
"""

from runnel.text_splitters._base import TextSplitter
from runnel.text_splitters._character import (
    CharacterTextSplitter,
    RecursiveCharacterTextSplitter,
)

__all__ = ["CharacterTextSplitter", "RecursiveCharacterTextSplitter", "TextSplitter"]
