"""The full results of a model call: chat results, LLM results and run info."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from runnel.outputs._chat_generation import ChatGeneration, ChatGenerationChunk
from runnel.outputs._generation import Generation, GenerationChunk

__all__ = ["AnyGeneration", "ChatResult", "LLMResult", "RunInfo"]

AnyGeneration = Annotated[
    Generation | GenerationChunk | ChatGeneration | ChatGenerationChunk,
    Field(discriminator="type"),
]
"""Any generation class, told apart by its `type`."""


class ChatResult(BaseModel):
    """What a chat model returns for one input.

    Attributes:
        generations: The replies (usually one).
        llm_output: Provider data for the whole call (token usage, model name...).
    """

    generations: list[ChatGeneration]
    llm_output: dict[str, Any] | None = None


class RunInfo(BaseModel):
    """Identifies the run that produced a result."""

    run_id: UUID


class LLMResult(BaseModel):
    """What a model returns for a batch of inputs.

    Attributes:
        generations: One list of generations per input.
        llm_output: Provider data for the whole call (token usage, model name...).
        run: The runs that made each list, when known.
    """

    generations: list[list[AnyGeneration]]
    llm_output: dict[str, Any] | None = None
    run: list[RunInfo] | None = None
    type: Literal["LLMResult"] = "LLMResult"

    def flatten(self) -> list[LLMResult]:
        """Split into one result per input.

        Each result keeps a copy of `llm_output`; only the first keeps its ``token_usage``,
        so summing usage over the results does not count it twice.
        """
        results = []
        for i, generations in enumerate(self.generations):
            llm_output = self.llm_output
            if llm_output is not None and i > 0:
                llm_output = {**llm_output, "token_usage": {}}
            elif llm_output is not None:
                llm_output = dict(llm_output)
            results.append(LLMResult(generations=[generations], llm_output=llm_output))
        return results

    def __eq__(self, other: object) -> bool:
        """Compare generations and `llm_output`; `run` is ignored."""
        if not isinstance(other, LLMResult):
            return NotImplemented
        return self.generations == other.generations and self.llm_output == other.llm_output
