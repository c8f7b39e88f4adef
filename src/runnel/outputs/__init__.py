"""What models return: generations, their streamed chunks and results (as `langchain_core.outputs`).

Chunks add with ``+``: text concatenates, messages add as in `runnel.messages`, and
`generation_info` keeps the last non-empty value per key (it is metadata, not text).
"""

from runnel.outputs._chat_generation import (
    ChatGeneration,
    ChatGenerationChunk,
    merge_chat_generation_chunks,
)
from runnel.outputs._generation import Generation, GenerationChunk
from runnel.outputs._result import AnyGeneration, ChatResult, LLMResult, RunInfo

__all__ = [
    "AnyGeneration",
    "ChatGeneration",
    "ChatGenerationChunk",
    "ChatResult",
    "Generation",
    "GenerationChunk",
    "LLMResult",
    "RunInfo",
    "merge_chat_generation_chunks",
]
