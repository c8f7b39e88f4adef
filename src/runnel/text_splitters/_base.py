"""TextSplitter: the interface of splitters, and the merging of pieces into sized chunks."""

from __future__ import annotations

import copy
import logging
from abc import ABC
from collections import deque
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, Literal, NamedTuple, Self

from runnel.documents import BaseDocumentTransformer, Document
from runnel.text_splitters._tokens import load_tiktoken_encoding

__all__ = ["Piece", "TextSplitter"]

logger = logging.getLogger(__name__)

KeepSeparator = bool | Literal["start", "end"]


class Piece(NamedTuple):
    """A piece of the text being split, ready to be merged into chunks.

    Attributes:
        text: The piece.
        start: Where it starts in the original text.
        length: `length_function(text)`.
        gap: What joins it to the previous piece inside a chunk.
        gap_length: `length_function(gap)`.
    """

    text: str
    start: int
    length: int
    gap: str
    gap_length: int


class TextSplitter(BaseDocumentTransformer, ABC):
    """Splits texts into chunks of at most `chunk_size`, consecutive chunks overlapping.

    Subclasses implement `split_text`; those that know where each chunk starts implement
    `_split_with_starts` instead (the base class then derives `split_text`), otherwise
    start indices are found by searching the text.
    """

    def __init__(
        self,
        chunk_size: int = 4000,
        chunk_overlap: int = 200,
        length_function: Callable[[str], int] = len,
        keep_separator: KeepSeparator = False,
        add_start_index: bool = False,
        strip_whitespace: bool = True,
    ) -> None:
        """Configure the splitter.

        Args:
            chunk_size: The largest chunk, as measured by `length_function` (a piece that
                cannot be split further may exceed it; a warning is logged).
            chunk_overlap: How much consecutive chunks may share, at most.
            length_function: Measures a text: `len` (characters) or a token counter.
            keep_separator: Keep separators in the chunks: at the start of the following
                piece (True or "start"), at the end of the previous one ("end"), or not
                at all (False).
            add_start_index: Record each chunk's offset in the original text as
                `metadata["start_index"]`.
            strip_whitespace: Strip whitespace around each chunk.

        Raises:
            ValueError: `chunk_size` is not positive, `chunk_overlap` is negative or
                larger than `chunk_size`.
        """
        if chunk_size <= 0:
            raise ValueError(f"chunk_size must be > 0, got {chunk_size}")
        if chunk_overlap < 0:
            raise ValueError(f"chunk_overlap must be >= 0, got {chunk_overlap}")
        if chunk_overlap > chunk_size:
            raise ValueError(
                f"chunk_overlap ({chunk_overlap}) is larger than chunk_size ({chunk_size}): "
                "it must be at most chunk_size"
            )
        self._chunk_size = chunk_size
        self._chunk_overlap = chunk_overlap
        self._length_function = length_function
        self._keep_separator = keep_separator
        self._add_start_index = add_start_index
        self._strip_whitespace = strip_whitespace

    # -- splitting -------------------------------------------------------------------
    def split_text(self, text: str) -> list[str]:
        """Split `text` into chunks."""
        return [chunk for chunk, _ in self._split_with_starts(text)]

    def _split_with_starts(self, text: str) -> list[tuple[str, int]]:
        """The chunks of `text` with their offsets (default: found by searching `text`)."""
        if type(self).split_text is TextSplitter.split_text:
            raise NotImplementedError(f"{type(self).__name__} implements no split_text")
        out = []
        searched_from = 0
        previous_length = 0
        for chunk in self.split_text(text):
            where = text.find(chunk, max(0, searched_from + previous_length - self._chunk_overlap))
            out.append((chunk, where))
            if where >= 0:
                searched_from, previous_length = where, len(chunk)
        return out

    def create_documents(
        self, texts: Sequence[str], metadatas: Sequence[dict[str, Any]] | None = None
    ) -> list[Document]:
        """Split each text into documents carrying a copy of its metadata.

        With `add_start_index`, each chunk's offset in its text is added as
        `metadata["start_index"]` (-1 if a custom `split_text` changed the chunk's text).

        Raises:
            TypeError: `texts` is a single string.
            ValueError: `metadatas` has another length than `texts`.
        """
        if isinstance(texts, str):
            raise TypeError("create_documents takes a list of texts, not one string")
        if metadatas is not None and len(metadatas) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(metadatas)} metadatas")
        documents = []
        for i, text in enumerate(texts):
            base = metadatas[i] if metadatas is not None else {}
            for chunk, start in self._split_with_starts(text):
                metadata = copy.deepcopy(base)
                if self._add_start_index:
                    metadata["start_index"] = start
                documents.append(Document(chunk, metadata=metadata))
        return documents

    def split_documents(self, documents: Iterable[Document]) -> list[Document]:
        """Split each document's text; the chunks keep (a copy of) its metadata."""
        docs = list(documents)
        return self.create_documents(
            [doc.page_content for doc in docs], [doc.metadata for doc in docs]
        )

    def transform_documents(
        self, documents: Sequence[Document], **kwargs: Any
    ) -> Sequence[Document]:
        """Split documents (`split_documents`)."""
        return self.split_documents(documents)

    # -- merging ---------------------------------------------------------------------
    def _merge(self, pieces: Iterable[Piece]) -> list[tuple[str, int]]:
        """Greedily join consecutive pieces into chunks of at most `chunk_size`.

        When a piece does not fit, the chunk so far is emitted and pieces are dropped from
        its front until what remains fits `chunk_overlap` and leaves room for the piece:
        what remains starts the next chunk.
        """
        size, overlap = self._chunk_size, self._chunk_overlap
        chunks: list[tuple[str, int]] = []
        window: deque[Piece] = deque()
        total = 0
        for piece in pieces:
            if window and total + piece.gap_length + piece.length > size:
                if total > size:
                    logger.warning(
                        "Created a chunk of size %d, longer than chunk_size %d", total, size
                    )
                self._emit(window, chunks)
                while window and (
                    total > overlap
                    or (total > 0 and total + piece.gap_length + piece.length > size)
                ):
                    total -= window.popleft().length
                    if window:
                        total -= window[0].gap_length
            if window:
                total += piece.gap_length
            total += piece.length
            window.append(piece)
        if window:
            self._emit(window, chunks)
        return chunks

    def _emit(self, window: Sequence[Piece], chunks: list[tuple[str, int]]) -> None:
        first = window[0]
        text = first.text + "".join(piece.gap + piece.text for piece in list(window)[1:])
        start = first.start
        if self._strip_whitespace:
            start += len(text) - len(text.lstrip())
            text = text.strip()
        if text:
            chunks.append((text, start))

    # -- token-sized splitters -------------------------------------------------------
    @classmethod
    def from_tiktoken_encoder(
        cls,
        encoding_name: str = "gpt2",
        model_name: str | None = None,
        allowed_special: Literal["all"] | Collection[str] = frozenset(),
        disallowed_special: Literal["all"] | Collection[str] = "all",
        **kwargs: Any,
    ) -> Self:
        """A splitter measuring `chunk_size` and `chunk_overlap` in tiktoken tokens.

        Args:
            encoding_name: The tiktoken encoding ("gpt2", "cl100k_base", "o200k_base"...).
            model_name: An OpenAI model name, choosing the encoding instead.
            allowed_special: Special tokens encoded as such.
            disallowed_special: Special tokens that raise when met in the text.
            **kwargs: The splitter's other arguments.

        Raises:
            ImportError: tiktoken is not installed.
            OSError: the encoding file is neither cached nor downloadable (tiktoken fetches
                it from the network on first use; see `docs/retrieval.md`).
            ValueError: unknown encoding or model name.
        """
        encoding = load_tiktoken_encoding(encoding_name, model_name)

        def count_tokens(text: str) -> int:
            return len(
                encoding.encode(
                    text, allowed_special=allowed_special, disallowed_special=disallowed_special
                )
            )

        return cls(length_function=count_tokens, **kwargs)

    @classmethod
    def from_huggingface_tokenizer(cls, tokenizer: Any, **kwargs: Any) -> Self:
        """A splitter measuring sizes in tokens of a Hugging Face tokenizer (`tokenize`).

        Raises:
            TypeError: `tokenizer` has no `tokenize` method.
        """
        if not callable(getattr(tokenizer, "tokenize", None)):
            raise TypeError(
                "from_huggingface_tokenizer needs a tokenizer with a tokenize method, "
                f"got {type(tokenizer).__name__}"
            )

        def count_tokens(text: str) -> int:
            return len(tokenizer.tokenize(text))

        return cls(length_function=count_tokens, **kwargs)
