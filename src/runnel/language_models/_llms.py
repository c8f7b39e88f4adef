"""Text LLMs: a prompt string in, a string out (`langchain_core.language_models.llms`)."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, ClassVar

from runnel.callbacks.manager import AsyncRunManager, RunManager
from runnel.language_models._base import (
    BaseLanguageModel,
    LanguageModelInput,
    _Call,
    _fallback,
    call_sync_hook,
    stream_sync_hook,
)
from runnel.messages import convert_to_messages, get_buffer_string
from runnel.outputs import Generation, GenerationChunk, LLMResult

__all__ = ["LLM", "BaseLLM"]


class BaseLLM(BaseLanguageModel[str]):
    """Base class of text-completion models, for provider integrations.

    Implement `_generate` (prompts in, an `LLMResult` out) and `_llm_type`; optionally
    `_agenerate`, `_stream` / `_astream` (yielding `GenerationChunk`) and
    `_identifying_params`. `stream` yields `str` chunks.

    Unlike LangChain, a text LLM with `_stream` also streams under `invoke` when an event
    stream listens (as chat models do), so `astream_events` shows its tokens.

    Input: a string, a prompt value (anything with ``to_string()``) or a list of
    message-like values (rendered with `get_buffer_string`).
    """

    _run_type: ClassVar[str] = "llm"
    _lm_model_type: ClassVar[str] = "llm"

    @property
    def OutputType(self) -> Any:
        """Text LLMs return a `str`."""
        return str

    # -- provider hooks ------------------------------------------------------------------
    @abc.abstractmethod
    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        """Complete each prompt; one list of generations per prompt."""

    @_fallback
    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        """Stream the completion of `prompt` as `GenerationChunk`s (optional).

        The base reports each chunk as a token; ``run_manager.on_llm_new_token`` calls
        are accepted but not forwarded, so tokens are never reported twice.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement _stream")

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        """Async twin of `_generate`; by default `_generate` in a worker thread."""
        return await call_sync_hook(self, self._generate, prompts, stop, run_manager, kwargs)

    @_fallback
    def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        """Async twin of `_stream`; by default `_stream`, one worker-thread hop per chunk."""
        return stream_sync_hook(self, prompt, stop, run_manager, kwargs)

    # -- the text family -----------------------------------------------------------------
    def _lm_input(self, input: LanguageModelInput) -> str:
        if isinstance(input, str):
            return input
        to_string = getattr(input, "to_string", None)
        if to_string is not None:
            return str(to_string())
        if isinstance(input, Sequence):
            return get_buffer_string(convert_to_messages(input))
        raise ValueError(
            f"Invalid input type {type(input).__name__} for {self.get_name()}: "
            "pass a string, a prompt value or a list of messages"
        )

    def _lm_run_inputs(self, input: Any) -> dict[str, Any]:
        return {"prompts": [input]}

    def _run_output(self, output: Any) -> Any:
        if not isinstance(output, str):
            return output
        return LLMResult(generations=[[Generation(text=output)]])

    @classmethod
    def _lm_provider(cls) -> str:
        return cls.__name__.removesuffix("LLM").lower()

    def _lm_chunk_stream(self, call: _Call, keep: bool) -> _TextStream:
        return _TextStream(keep)

    def _lm_whole(self, call: _Call) -> str:
        manager = RunManager(call.run, call.config, forward_tokens=True)
        result = self._generate([call.input], stop=call.stop, run_manager=manager, **call.kwargs)
        return result.generations[0][0].text

    async def _lm_awhole(self, call: _Call) -> str:
        manager = AsyncRunManager(call.run, call.config, forward_tokens=True)
        result = await self._agenerate(
            [call.input], stop=call.stop, run_manager=manager, **call.kwargs
        )
        if call.run is not None and call.run.pending:
            await call.run.adrain()
        return str(result.generations[0][0].text)

    def _lm_cache_prompt(self, input: Any) -> str:
        return str(input)

    def _lm_from_generations(self, generations: Sequence[Generation]) -> str:
        return generations[0].text

    def _lm_to_generations(self, output: Any) -> list[Generation]:
        return [Generation(text=output)]


class LLM(BaseLLM):
    """A text LLM written as one function: implement `_call` (prompt in, text out).

    Optionally `_acall`, and `_stream` / `_astream` for streaming.
    """

    @abc.abstractmethod
    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> str:
        """Complete `prompt`."""

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> str:
        """Async twin of `_call`; by default `_call` in a worker thread."""
        return await call_sync_hook(self, self._call, prompt, stop, run_manager, kwargs)

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        texts = [self._call(p, stop=stop, run_manager=run_manager, **kwargs) for p in prompts]
        return LLMResult(generations=[[Generation(text=text)] for text in texts])

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncRunManager | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        texts = [
            await self._acall(p, stop=stop, run_manager=run_manager, **kwargs) for p in prompts
        ]
        return LLMResult(generations=[[Generation(text=text)] for text in texts])


class _TextStream:
    """Turns a provider's `GenerationChunk`s into the `str` chunks `stream` yields."""

    __slots__ = ("_keep", "_kept", "_seen")

    def __init__(self, keep: bool) -> None:
        self._keep = keep
        self._kept: list[str] = []
        self._seen = False

    def feed(self, chunk: GenerationChunk) -> tuple[str, str]:
        text = chunk.text
        self._seen = True
        if self._keep:
            self._kept.append(text)
        return text, text

    def close(self) -> None:
        if not self._seen:
            raise ValueError("No generation chunks were returned")

    def single(self, output: Any) -> tuple[Any, Any, Any]:
        return output, GenerationChunk(text=output), output

    def result(self) -> str:
        return "".join(self._kept)
