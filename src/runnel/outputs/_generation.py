"""One completion of a text model, and its streamed pieces."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel

from runnel.messages._base import construct
from runnel.messages._merge import METADATA, merge_dicts

__all__ = ["Generation", "GenerationChunk"]


class Generation(BaseModel):
    """One completion of a text model.

    Attributes:
        text: The generated text.
        generation_info: Provider data about the completion (finish reason, logprobs...).
    """

    text: str
    generation_info: dict[str, Any] | None = None
    type: Literal["Generation"] = "Generation"

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if name != "type" and (field.is_required() or value != field.default):
                yield name, value


class GenerationChunk(Generation):
    """A piece of a streamed `Generation`.

    ``a + b`` concatenates `text` and merges `generation_info` like ``response_metadata``:
    each key keeps its last non-empty value (``finish_reason`` is never doubled), dicts merge
    and lists concatenate.
    """

    type: Literal["GenerationChunk"] = "GenerationChunk"  # type: ignore[assignment]

    def __add__(self, other: object) -> GenerationChunk:
        """Add another `GenerationChunk`."""
        if not isinstance(other, GenerationChunk):
            return NotImplemented
        info = merge_dicts(
            (self.generation_info, other.generation_info), METADATA, "generation_info"
        )
        return construct(
            GenerationChunk,
            {"text": self.text + other.text, "generation_info": info or None, "type": self.type},
        )
