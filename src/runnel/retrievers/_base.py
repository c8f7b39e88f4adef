"""BaseRetriever: a runnable that returns the documents relevant to a query."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import anyio.to_thread

from runnel._core.run import Run, start_run
from runnel.callbacks.manager import AsyncRunManager, RunManager
from runnel.documents import Document
from runnel.runnables._config import RunnableConfig, child_config_var
from runnel.runnables._plumbing import current_run, run_in_context
from runnel.runnables._serializable import RunnableSerializable

__all__ = ["BaseRetriever", "RetrieverInput", "RetrieverOutput"]

RetrieverInput = str
RetrieverOutput = list[Document]


class BaseRetriever(RunnableSerializable[RetrieverInput, RetrieverOutput]):
    """Returns the documents relevant to a query string; invoke-only (no partial results).

    Implement `_get_relevant_documents(query, *, run_manager)` and, when retrieval has a
    native async path, `_aget_relevant_documents`; without it the sync one runs in a
    worker thread. Keyword arguments given to `invoke` reach these methods when they
    accept them. Runnables invoked inside either method become child runs.

    `stream` yields the whole list as one chunk. Runs are reported with
    `inputs={"query": query}`, the documents as outputs, this retriever's `tags` and
    `metadata` (its own run only) plus `ls_retriever_name`.

    Attributes:
        tags: Tags for this retriever's runs (not inherited by child runs).
        metadata: Metadata for this retriever's runs (not inherited by child runs).
    """

    _run_type: ClassVar[str] = "retriever"

    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None

    # -- to implement ----------------------------------------------------------------
    def _get_relevant_documents(self, query: str, *, run_manager: RunManager) -> list[Document]:
        """Return the documents relevant to `query`."""
        raise NotImplementedError(f"{type(self).__name__} implements no _get_relevant_documents")

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncRunManager
    ) -> list[Document]:
        """Async twin of `_get_relevant_documents` (default: the sync one in a worker thread)."""
        raise NotImplementedError  # never called: `_ainvoke` checks for an override first

    # -- run reporting ---------------------------------------------------------------
    def _get_ls_params(self, **kwargs: Any) -> dict[str, Any]:
        """Tracing metadata: `ls_retriever_name` (the class name without "Retriever")."""
        name = self.get_name()
        if name.startswith("Retriever"):
            name = name[len("Retriever") :]
        elif name.endswith("Retriever"):
            name = name[: -len("Retriever")]
        return {"ls_retriever_name": name.lower()}

    def _start(
        self, config: RunnableConfig, input: Any, is_async: bool, kwargs: Mapping[str, Any]
    ) -> Run | None:
        if self.tags:
            config = {**config, "tags": [*config.get("tags", []), *self.tags]}
        return start_run(
            config,
            self.get_name(),
            self._run_type,
            {"query": input},
            is_async=is_async,
            metadata={**self._get_ls_params(**kwargs), **(self.metadata or {})},
        )

    # -- hooks -----------------------------------------------------------------------
    def _invoke(self, input: str, config: RunnableConfig, **kwargs: Any) -> list[Document]:
        manager = RunManager(current_run(config), config, forward_tokens=False)
        call = _bind(self._get_relevant_documents, manager, kwargs)
        return run_in_context(config, call, input)

    async def _ainvoke(self, input: str, config: RunnableConfig, **kwargs: Any) -> list[Document]:
        if type(self)._aget_relevant_documents is BaseRetriever._aget_relevant_documents:
            sync_manager = RunManager(current_run(config), config, forward_tokens=False)
            call = _bind(self._get_relevant_documents, sync_manager, kwargs)
            return await anyio.to_thread.run_sync(run_in_context, config, call, input)
        manager = AsyncRunManager(current_run(config), config, forward_tokens=False)
        acall = _bind(self._aget_relevant_documents, manager, kwargs)
        token = child_config_var.set(config)
        try:
            documents: list[Document] = await acall(input)
        finally:
            child_config_var.reset(token)
        return documents


@functools.cache
def _accepts(method: Callable[..., Any]) -> tuple[bool, bool]:
    """Whether `method` takes `run_manager`, and whether it takes other keyword arguments."""
    params = list(inspect.signature(method).parameters.values())[2:]  # after self, query
    names = {p.name for p in params}
    others = any(p.kind is p.VAR_KEYWORD or p.name != "run_manager" for p in params)
    return "run_manager" in names, others


def _bind(method: Callable[..., Any], manager: RunManager, kwargs: Mapping[str, Any]) -> Any:
    """`method` with `run_manager` and the invoke kwargs it accepts bound."""
    takes_manager, takes_others = _accepts(getattr(method, "__func__", method))
    bound: dict[str, Any] = dict(kwargs) if takes_others else {}
    if takes_manager:
        bound["run_manager"] = manager
    return functools.partial(method, **bound) if bound else method
