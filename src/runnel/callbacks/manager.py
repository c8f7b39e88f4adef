"""Callback managers: what runs hand to implementations and children."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias
from uuid import UUID

from runnel._core.run import CallbackManager, Run

if TYPE_CHECKING:
    from runnel.runnables._config import RunnableConfig

__all__ = [
    "AsyncCallbackManagerForChainRun",
    "AsyncCallbackManagerForLLMRun",
    "AsyncCallbackManagerForRetrieverRun",
    "AsyncCallbackManagerForToolRun",
    "AsyncRunManager",
    "CallbackManager",
    "CallbackManagerForChainRun",
    "CallbackManagerForLLMRun",
    "CallbackManagerForRetrieverRun",
    "CallbackManagerForToolRun",
    "Callbacks",
    "RunManager",
    "adispatch_custom_event",
    "dispatch_custom_event",
    "merge_callbacks",
]

Callbacks: TypeAlias = "Sequence[Any] | CallbackManager | None"


def merge_callbacks(left: Callbacks, right: Callbacks) -> Callbacks:
    """Handlers of both: a manager keeps its parent run and gains the other's handlers."""
    if not left:
        return right
    if not right:
        return left
    if isinstance(left, CallbackManager):
        merged = CallbackManager(
            left.handlers,
            left.inheritable_handlers,
            tags=left.tags,
            parent_run=left.parent_run,
            inheritable_tags=left.inheritable_tags,
            inheritable_metadata=left.inheritable_metadata,
        )
        for handler in right.handlers if isinstance(right, CallbackManager) else right:
            merged.add_handler(handler)
        return merged
    if isinstance(right, CallbackManager):
        return merge_callbacks(right, left)
    return [*left, *(h for h in right if h not in left)]


class RunManager:
    """The current run as an implementation sees it (`run_manager=` of `_generate` etc.).

    `on_llm_new_token` forwards tokens only when runnel is not already reporting
    each chunk itself, so a model ported from LangChain never reports twice.
    """

    __slots__ = ("_forward_tokens", "_run", "config")

    def __init__(self, run: Run | None, config: RunnableConfig, *, forward_tokens: bool) -> None:
        self._run = run
        self.config = config
        self._forward_tokens = forward_tokens

    @property
    def run_id(self) -> UUID | None:
        """The id of the current run (None when nobody listens)."""
        return self._run.id if self._run is not None else None

    @property
    def parent_run_id(self) -> UUID | None:
        """The id of the parent run, if any."""
        return self._run.parent_run_id if self._run is not None else None

    @property
    def tags(self) -> list[str]:
        """Tags of the current run."""
        return list(self._run.tags) if self._run is not None else list(self.config.get("tags", []))

    @property
    def metadata(self) -> dict[str, Any]:
        """Metadata of the current run."""
        return dict(self._run.metadata) if self._run is not None else {}

    def on_llm_new_token(self, token: Any, *, chunk: Any = None, **kwargs: Any) -> None:
        """Report a token (ignored while runnel reports the chunks itself)."""
        if self._forward_tokens and self._run is not None:
            self._run.token(token, chunk)

    def on_text(self, text: str, **kwargs: Any) -> None:
        """Free text; accepted for compatibility."""

    def get_child(self, tag: str | None = None) -> CallbackManager | None:
        """The callbacks to pass to a runnable invoked inside this run.

        They carry this run's tags and metadata, so a child invoked with only
        `{"callbacks": run_manager.get_child()}` (the LangChain way) inherits them.
        """
        callbacks = self.config.get("callbacks")
        if isinstance(callbacks, CallbackManager):
            child = callbacks.child(tag)
            child.inheritable_tags = list(self.config.get("tags", ()))
            child.inheritable_metadata = dict(self.config.get("metadata", {}))
            return child
        return None


class AsyncRunManager(RunManager):
    """`RunManager` for async implementations: the same methods, awaitable."""

    __slots__ = ()

    async def on_llm_new_token(  # type: ignore[override]
        self, token: Any, *, chunk: Any = None, **kwargs: Any
    ) -> None:
        """Report a token (ignored while runnel reports the chunks itself)."""
        if self._forward_tokens and self._run is not None:
            self._run.token(token, chunk)
            if self._run.pending:
                await self._run.adrain()

    async def on_text(self, text: str, **kwargs: Any) -> None:  # type: ignore[override]
        """Free text; accepted for compatibility."""


# LangChain's names for the same object.
CallbackManagerForLLMRun = RunManager
CallbackManagerForChainRun = RunManager
CallbackManagerForToolRun = RunManager
CallbackManagerForRetrieverRun = RunManager
AsyncCallbackManagerForLLMRun = AsyncRunManager
AsyncCallbackManagerForChainRun = AsyncRunManager
AsyncCallbackManagerForToolRun = AsyncRunManager
AsyncCallbackManagerForRetrieverRun = AsyncRunManager


def _current_run(config: RunnableConfig | None) -> Run | None:
    from runnel.runnables._config import child_config_var, ensure_config

    if config is None and child_config_var.get() is None:
        raise RuntimeError(
            "dispatch_custom_event was called outside of a run: call it from inside a "
            "runnable (a RunnableLambda, tool or generator), or pass that run's config"
        )
    callbacks = ensure_config(config).get("callbacks")
    return callbacks.parent_run if isinstance(callbacks, CallbackManager) else None


def dispatch_custom_event(name: str, data: Any, *, config: RunnableConfig | None = None) -> None:
    """Report a custom event `name` with `data` from inside the current run.

    Raises:
        RuntimeError: called outside of any run.
    """
    run = _current_run(config)
    if run is not None:
        run.custom_event(name, data)


async def adispatch_custom_event(
    name: str, data: Any, *, config: RunnableConfig | None = None
) -> None:
    """Async twin of `dispatch_custom_event`; awaits async handlers.

    Raises:
        RuntimeError: called outside of any run.
    """
    run = _current_run(config)
    if run is not None:
        run.custom_event(name, data)
        if run.pending:
            await run.adrain()
