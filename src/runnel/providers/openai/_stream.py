"""Decoders of the OpenAI family's streams: SSE lines in, generation chunks out.

One decoder object serves the sync and the async loop of `ProviderChatModel`: it is fed
the response's lines one by one and never blocks. It frames server-sent events (``data:``
lines up to a blank line), stops at ``[DONE]`` (the terminal event: `done`), raises
`ProviderError` for an error event (a payload with an ``error`` object, or an SSE
``event: error``), and turns every other payload into a chunk, or None when it carries
nothing (Azure's prompt and content-filter annotations) or only trailing metadata (a finish
reason, usage), which the last chunk carries.

Tolerated variants: ``usage`` absent or null; usage in a ``choices: []`` chunk (OpenAI,
Azure, Ollama, vLLM), on the finish chunk (Groq, in ``usage`` and ``x_groq.usage``,
counted once; Fireworks, Together) or on every chunk (vLLM); choices without ``delta``;
tool calls in fragments or whole; Together's ``eos`` finish reason; reasoning text in
``reasoning_content`` or ``reasoning``.
"""

from __future__ import annotations

import json
from typing import Any, Generic, TypeVar

from runnel.exceptions import ProviderError
from runnel.messages import AIMessageChunk, UsageMetadata, tool_call_chunk
from runnel.messages._usage import add_usage
from runnel.outputs import ChatGenerationChunk, GenerationChunk
from runnel.providers.openai._usage import UsageDeltas

__all__ = ["ChatDecoder", "CompletionDecoder"]

C = TypeVar("C", ChatGenerationChunk, GenerationChunk)

_PLAIN_DELTA = frozenset({"content", "role", "refusal"})
_FINISH_WORDS = {"eos": "stop", "end_turn": "stop"}


class _SSEDecoder(Generic[C]):
    """SSE framing, ``[DONE]`` and error events; subclasses turn payloads into chunks."""

    __slots__ = ("_data", "_event", "done", "provider")

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.done = False
        self._data: list[str] = []
        self._event: str | None = None

    def feed(self, line: str) -> C | None:
        """Take one line of the response; the chunk it completes, if any.

        Raises:
            ProviderError: the line completes an error event.
        """
        if line:
            if line.startswith("data:"):
                self._data.append(line[6:] if line[5:6] == " " else line[5:])
            elif line.startswith("event:"):
                self._event = line[6:].strip()
            return None  # a comment, or a field the protocol does not use
        data = self._data
        if not data:
            return None
        payload = data[0] if len(data) == 1 else "\n".join(data)
        self._data = []
        event, self._event = self._event, None
        if payload.startswith("[DONE]"):
            self.done = True
            return self._last()
        value = json.loads(payload)
        if event == "error" or (type(value) is dict and value.get("error")):
            raise self._error(value)
        return self._chunk(value)

    def _chunk(self, data: dict[str, Any]) -> C | None:
        raise NotImplementedError

    def _last(self) -> C | None:
        """The chunk to yield at ``[DONE]``, if any."""
        return None

    def _error(self, value: Any) -> ProviderError:
        error = value.get("error", value) if isinstance(value, dict) else value
        message = error.get("message") if isinstance(error, dict) else error
        code = error.get("code") if isinstance(error, dict) else None
        status = code if isinstance(code, int) and 400 <= code <= 599 else None
        text = message if isinstance(message, str) and message else "the stream reported an error"
        return ProviderError(
            f"error event mid-stream: {text}",
            provider=self.provider,
            status_code=status,
            body=error,
        )


class ChatDecoder(_SSEDecoder[ChatGenerationChunk]):
    """Chat Completions chunks as `ChatGenerationChunk`s of `AIMessageChunk`s.

    Trailing chunks that carry only metadata (the finish chunk without text, the usage
    chunk) are held and yielded as one last chunk (``chunk_position="last"``) when
    ``[DONE]`` arrives, so the final chunk has the finish reason, the model name and the
    usage together. A stream cut off before ``[DONE]`` loses only that metadata.

    Args:
        provider: Names the provider in errors.
        model_provider: The ``response_metadata["model_provider"]`` of each chunk.
    """

    __slots__ = ("_info", "_metadata", "_usage", "_usages")

    def __init__(self, provider: str, model_provider: str) -> None:
        super().__init__(provider)
        self._metadata = model_provider
        self._usage = UsageDeltas()
        self._info: dict[str, Any] = {}
        self._usages: list[UsageMetadata] = []

    def _chunk(self, data: dict[str, Any]) -> ChatGenerationChunk | None:
        choices = data.get("choices")
        usage = data.get("usage")
        if usage is None and "x_groq" in data:
            usage = (data["x_groq"] or {}).get("usage")
        if not choices:
            if usage:
                self._usages.append(self._usage.feed(usage))
            return None  # held for the last chunk (or Azure's prompt annotation)
        choice = choices[0]
        delta = choice.get("delta")
        finish = choice.get("finish_reason")
        if (
            delta is not None
            and not finish
            and not usage
            and delta.keys() <= _PLAIN_DELTA
            and not delta.get("refusal")
            and not choice.get("logprobs")
            and not self._info
            and not self._usages
        ):  # the common case, once per token
            metadata = {"model_provider": self._metadata}
            message = AIMessageChunk(delta.get("content") or "", response_metadata=metadata)
            return ChatGenerationChunk(message=message)
        if delta is None and not finish and not usage:
            return None  # Azure's content-filter annotation
        return self._full_chunk(data, choice, delta or {}, finish, usage)

    def _full_chunk(
        self,
        data: dict[str, Any],
        choice: dict[str, Any],
        delta: dict[str, Any],
        finish: str | None,
        usage: dict[str, Any] | None,
    ) -> ChatGenerationChunk | None:
        if finish:
            self._info["finish_reason"] = _FINISH_WORDS.get(finish, finish)
            for key, name in (
                ("model", "model_name"),
                ("system_fingerprint", "system_fingerprint"),
                ("service_tier", "service_tier"),
            ):
                if value := data.get(key):
                    self._info[name] = value
        if logprobs := choice.get("logprobs"):
            self._info["logprobs"] = logprobs
        if usage:
            self._usages.append(self._usage.feed(usage))
        fields: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        if reasoning := delta.get("reasoning_content") or delta.get("reasoning"):
            extra["reasoning_content"] = reasoning
        if refusal := delta.get("refusal"):
            extra["refusal"] = refusal
        if extra:
            fields["additional_kwargs"] = extra
        if calls := delta.get("tool_calls"):
            fields["tool_call_chunks"] = [
                tool_call_chunk(
                    name=(call.get("function") or {}).get("name"),
                    args=(call.get("function") or {}).get("arguments"),
                    id=call.get("id"),
                    index=call.get("index", position),
                )
                for position, call in enumerate(calls)
            ]
        content = delta.get("content") or ""
        if not fields and not content:
            return None  # metadata only: held for the last chunk
        return self._emit(content, fields, last=False)

    def _last(self) -> ChatGenerationChunk | None:
        if not self._info and not self._usages:
            return None
        return self._emit("", {}, last=True)

    def _emit(self, content: str, fields: dict[str, Any], *, last: bool) -> ChatGenerationChunk:
        """A chunk with `content` and `fields`, carrying the held metadata if any."""
        info, self._info = self._info, {}
        usages, self._usages = self._usages, []
        if usages:
            fields["usage_metadata"] = usages[0] if len(usages) == 1 else add_usage(usages)
        if last:
            fields["chunk_position"] = "last"
        message = AIMessageChunk(
            content, response_metadata={"model_provider": self._metadata}, **fields
        )
        return ChatGenerationChunk(message=message, generation_info=info or None)


class CompletionDecoder(_SSEDecoder[GenerationChunk]):
    """Legacy Completions chunks as `GenerationChunk`s; the usage chunk as an empty one
    whose ``generation_info`` holds ``token_usage`` (OpenAI's counts, as given)."""

    __slots__ = ()

    def _chunk(self, data: dict[str, Any]) -> GenerationChunk | None:
        choices = data.get("choices")
        if not choices:
            usage = data.get("usage")
            return (
                GenerationChunk(text="", generation_info={"token_usage": usage}) if usage else None
            )
        choice = choices[0]
        info: dict[str, Any] = {}
        if finish := choice.get("finish_reason"):
            info["finish_reason"] = _FINISH_WORDS.get(finish, finish)
            if model := data.get("model"):
                info["model_name"] = model
        if logprobs := choice.get("logprobs"):
            info["logprobs"] = logprobs
        return GenerationChunk(text=choice.get("text") or "", generation_info=info or None)
