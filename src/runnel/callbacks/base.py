"""Callback handlers: LangChain's handler API as listeners of runnel's run reports."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine
from typing import Any
from uuid import UUID

from runnel._core.run import DEFERRED, Listener, Run

__all__ = ["AsyncCallbackHandler", "BaseCallbackHandler"]

logger = logging.getLogger("runnel.callbacks")

_CHAIN_TYPES = {"chain": None, "prompt": "prompt", "parser": "parser"}


class BaseCallbackHandler(Listener):
    """Receives run events through LangChain's `on_*` methods; override what you need.

    Handlers in a call's config are inherited by every child run. Exceptions raised
    by a handler are logged and swallowed unless `raise_error` is True. Handlers are
    called inline, in the order given, in the thread and task of the run; a slow
    handler slows the stream.
    """

    raise_error: bool = False
    run_inline: bool = True

    @property
    def ignore_llm(self) -> bool:
        """Skip LLM and chat model callbacks."""
        return False

    @property
    def ignore_chain(self) -> bool:
        """Skip chain, prompt and parser callbacks."""
        return False

    @property
    def ignore_agent(self) -> bool:
        """Skip agent and tool callbacks."""
        return False

    @property
    def ignore_retriever(self) -> bool:
        """Skip retriever callbacks."""
        return False

    @property
    def ignore_chat_model(self) -> bool:
        """Skip chat model start callbacks."""
        return False

    @property
    def ignore_retry(self) -> bool:
        """Skip retry callbacks."""
        return False

    @property
    def ignore_custom_event(self) -> bool:
        """Skip custom events."""
        return False

    # -- LangChain's handler API (all no-ops) ----------------------------------------
    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> Any:
        """A chain, prompt or parser run started."""

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> Any:
        """A chain, prompt or parser run ended."""

    def on_chain_error(self, error: BaseException, **kwargs: Any) -> Any:
        """A chain, prompt or parser run failed."""

    def on_llm_start(self, serialized: dict[str, Any], prompts: list[str], **kwargs: Any) -> Any:
        """A text LLM started (or a chat model, for handlers without on_chat_model_start)."""

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[Any]], **kwargs: Any
    ) -> Any:
        """A chat model started; by default forwards to `on_llm_start` with text prompts."""
        from runnel.messages import get_buffer_string

        return self.on_llm_start(serialized, [get_buffer_string(m) for m in messages], **kwargs)

    def on_llm_new_token(self, token: Any, *, chunk: Any = None, **kwargs: Any) -> Any:
        """A model produced a token."""

    def on_llm_end(self, response: Any, **kwargs: Any) -> Any:
        """A model run ended with an LLMResult."""

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> Any:
        """A model run failed."""

    def on_tool_start(self, serialized: dict[str, Any], input_str: str, **kwargs: Any) -> Any:
        """A tool run started."""

    def on_tool_end(self, output: Any, **kwargs: Any) -> Any:
        """A tool run ended."""

    def on_tool_error(self, error: BaseException, **kwargs: Any) -> Any:
        """A tool run failed."""

    def on_retriever_start(self, serialized: dict[str, Any], query: str, **kwargs: Any) -> Any:
        """A retriever run started."""

    def on_retriever_end(self, documents: Any, **kwargs: Any) -> Any:
        """A retriever run ended."""

    def on_retriever_error(self, error: BaseException, **kwargs: Any) -> Any:
        """A retriever run failed."""

    def on_custom_event(
        self,
        name: str,
        data: Any,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A user's custom event (see `dispatch_custom_event`)."""

    def on_text(self, text: str, **kwargs: Any) -> Any:
        """Free text from a run."""

    def on_retry(self, retry_state: Any, **kwargs: Any) -> Any:
        """A retry is about to happen."""

    # -- translation from run reports ------------------------------------------------
    def _skip(self, run: Run) -> bool:
        kind = run.run_type
        if kind in _CHAIN_TYPES:
            return self.ignore_chain
        if kind in ("chat_model", "llm"):
            return self.ignore_llm
        if kind == "retriever":
            return self.ignore_retriever
        return self.ignore_agent  # tools

    def _call(self, run: Run, method: str, *args: Any, **kwargs: Any) -> None:
        try:
            result = getattr(self, method)(*args, **kwargs)
        except Exception as exc:
            if self.raise_error:
                raise
            logger.warning("Error in %s.%s callback: %r", type(self).__name__, method, exc)
            return
        if asyncio.iscoroutine(result):
            guarded = _guard(result, self, method)
            if run.is_async:
                run.defer(guarded)
            else:
                _run_in_background_loop(guarded)

    def _ids(self, run: Run) -> dict[str, Any]:
        return {"run_id": run.id, "parent_run_id": run.parent_run_id, "tags": run.tags}

    def _run_start(self, run: Run) -> None:
        if self._skip(run):
            return
        kind = run.run_type
        ids = self._ids(run)
        serialized = {"name": run.name}
        meta = run.metadata
        if kind in _CHAIN_TYPES:
            inputs = {"input": ""} if run.inputs is DEFERRED else run.inputs
            self._call(
                run,
                "on_chain_start",
                serialized,
                inputs,
                metadata=meta,
                run_type=_CHAIN_TYPES[kind],
                name=run.name,
                **ids,
            )
        elif kind == "chat_model":
            # As langchain-core: models get `name` only when the config sets run_name.
            if not self.ignore_chat_model:
                self._call(
                    run,
                    "on_chat_model_start",
                    serialized,
                    run.inputs["messages"],
                    metadata=meta,
                    name=run.extra.get("run_name"),
                    **_model_kwargs(run),
                    **ids,
                )
        elif kind == "llm":
            self._call(
                run,
                "on_llm_start",
                serialized,
                run.inputs["prompts"],
                metadata=meta,
                name=run.extra.get("run_name"),
                **_model_kwargs(run),
                **ids,
            )
        elif kind == "retriever":
            self._call(
                run,
                "on_retriever_start",
                serialized,
                run.inputs["query"],
                metadata=meta,
                name=run.name,
                **ids,
            )
        elif kind == "tool":
            self._call(
                run,
                "on_tool_start",
                serialized,
                run.extra.get("input_str", ""),
                metadata=meta,
                name=run.name,
                inputs=run.inputs,
                tool_call_id=run.extra.get("tool_call_id"),
                **ids,
            )

    def _run_token(self, run: Run, token: Any, chunk: Any) -> None:
        if not self.ignore_llm:
            self._call(run, "on_llm_new_token", token, chunk=chunk, **self._ids(run))

    def _run_end(self, run: Run) -> None:
        if self._skip(run):
            return
        kind = run.run_type
        ids = self._ids(run)
        if kind in _CHAIN_TYPES:
            self._call(run, "on_chain_end", run.outputs, inputs=run.inputs, **ids)
        elif kind in ("chat_model", "llm"):
            self._call(run, "on_llm_end", run.outputs, **ids)
        elif kind == "retriever":
            self._call(run, "on_retriever_end", run.outputs, **ids)
        elif kind == "tool":
            self._call(run, "on_tool_end", run.outputs, name=run.name, **ids)

    def _run_error(self, run: Run) -> None:
        if self._skip(run):
            return
        method = {
            "chat_model": "on_llm_error",
            "llm": "on_llm_error",
            "retriever": "on_retriever_error",
            "tool": "on_tool_error",
        }.get(run.run_type, "on_chain_error")
        extra: dict[str, Any] = {}
        if run.run_type == "tool":
            extra["tool_call_id"] = run.extra.get("tool_call_id")
        elif run.run_type in _CHAIN_TYPES and run.inputs is not DEFERRED:
            extra["inputs"] = run.inputs
        self._call(run, method, run.error, **extra, **self._ids(run))

    def _run_custom_event(self, run: Run, name: str, data: Any) -> None:
        if not self.ignore_custom_event:
            self._call(
                run,
                "on_custom_event",
                name,
                data,
                run_id=run.id,
                tags=run.tags,
                metadata=run.metadata,
            )


class AsyncCallbackHandler(BaseCallbackHandler):
    """A handler whose `on_*` methods are coroutines.

    In an async run they are awaited in order right after the event; in a sync run
    they run on a background event loop, and the run waits for them.
    """

    async def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> Any:
        """A chain, prompt or parser run started."""

    async def on_chain_end(self, outputs: Any, **kwargs: Any) -> Any:
        """A chain, prompt or parser run ended."""

    async def on_chain_error(self, error: BaseException, **kwargs: Any) -> Any:
        """A chain, prompt or parser run failed."""

    async def on_llm_start(
        self, serialized: dict[str, Any], prompts: list[str], **kwargs: Any
    ) -> Any:
        """A text LLM started (or a chat model, for handlers without on_chat_model_start)."""

    async def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[Any]], **kwargs: Any
    ) -> Any:
        """A chat model started; by default forwards to `on_llm_start` with text prompts."""
        from runnel.messages import get_buffer_string

        await self.on_llm_start(serialized, [get_buffer_string(m) for m in messages], **kwargs)

    async def on_llm_new_token(self, token: Any, *, chunk: Any = None, **kwargs: Any) -> Any:
        """A model produced a token."""

    async def on_llm_end(self, response: Any, **kwargs: Any) -> Any:
        """A model run ended with an LLMResult."""

    async def on_llm_error(self, error: BaseException, **kwargs: Any) -> Any:
        """A model run failed."""

    async def on_tool_start(self, serialized: dict[str, Any], input_str: str, **kwargs: Any) -> Any:
        """A tool run started."""

    async def on_tool_end(self, output: Any, **kwargs: Any) -> Any:
        """A tool run ended."""

    async def on_tool_error(self, error: BaseException, **kwargs: Any) -> Any:
        """A tool run failed."""

    async def on_retriever_start(
        self, serialized: dict[str, Any], query: str, **kwargs: Any
    ) -> Any:
        """A retriever run started."""

    async def on_retriever_end(self, documents: Any, **kwargs: Any) -> Any:
        """A retriever run ended."""

    async def on_retriever_error(self, error: BaseException, **kwargs: Any) -> Any:
        """A retriever run failed."""

    async def on_custom_event(
        self,
        name: str,
        data: Any,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A user's custom event (see `adispatch_custom_event`)."""

    async def on_text(self, text: str, **kwargs: Any) -> Any:
        """Free text from a run."""

    async def on_retry(self, retry_state: Any, **kwargs: Any) -> Any:
        """A retry is about to happen."""


def _model_kwargs(run: Run) -> dict[str, Any]:
    params = run.extra.get("invocation_params", {})
    return {"invocation_params": params, "options": {"stop": params.get("stop")}, "batch_size": 1}


async def _guard(coro: Coroutine[Any, Any, Any], handler: BaseCallbackHandler, method: str) -> None:
    try:
        await coro
    except Exception as exc:
        if handler.raise_error:
            raise
        logger.warning("Error in %s.%s callback: %r", type(handler).__name__, method, exc)


_loop_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _run_in_background_loop(coro: Coroutine[Any, Any, Any]) -> None:
    """Run an async handler's coroutine from sync code, and wait for it."""
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="runnel-callbacks", daemon=True).start()
    asyncio.run_coroutine_threadsafe(coro, _loop).result()
