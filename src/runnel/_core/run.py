"""Run reporting: the one mechanism every runnable uses to say what it is doing.

A `Run` is one execution of one runnable. It reports start, each output chunk, end,
error and custom events to its listeners. Callback handlers, `astream_events`,
`astream_log` and `with_listeners` are all listeners: objects with the `_run_*`
methods of `Listener`. When nobody listens, no `Run` is created at all and a
runnable pays one `is None` check per chunk.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from runnel.runnables._config import RunnableConfig

__all__ = [
    "DEFERRED",
    "CallbackManager",
    "Listener",
    "Run",
    "child_config",
    "start_run",
    "uuid7",
]


class _Deferred:
    """Marker for a run input that is only known once its input stream is consumed."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<deferred>"


DEFERRED: Final = _Deferred()


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (version 7): runs sort by start time."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & 0xFFFFFFFFFFFF) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64
    value |= 0b10 << 62 | rand & 0x3FFFFFFFFFFFFFFF
    return uuid.UUID(int=value)


class Listener:
    """What a run reports to. Subclasses override the hooks they need.

    `streams_tokens` asks models to stream internally even under `invoke`, so that
    their tokens are reported (event streams set it).
    """

    streams_tokens: bool = False
    # Constructor-local listeners are not inherited by child runs.
    inheritable: bool = True

    def _run_start(self, run: Run) -> None:
        """Called when `run` starts (its inputs may be DEFERRED)."""

    def _run_chunk(self, run: Run, chunk: Any) -> None:
        """Called for each output chunk of `run`."""

    def _run_end(self, run: Run) -> None:
        """Called when `run` ends; `run.outputs` and `run.inputs` are set."""

    def _run_error(self, run: Run) -> None:
        """Called when `run` fails or is abandoned; `run.error` is set."""

    def _run_custom_event(self, run: Run, name: str, data: Any) -> None:
        """Called for a custom event dispatched while `run` is the current run."""

    def _run_token(self, run: Run, token: Any, chunk: Any) -> None:
        """Called by models for each new token (before `_run_chunk` of that chunk)."""

    def _run_quiet(self, run: Run) -> bool:
        """True if, after its start, this listener wants nothing more of `run`."""
        return False

    def _chunk_receiver(self, run: Run) -> Callable[[Any], None] | None:
        """What takes `run`'s chunks, asked once it has started (None: nothing does).

        By default `_run_chunk`, if overridden; a listener may return a function made
        for this run instead (it is called once per chunk).
        """
        if type(self)._run_chunk is Listener._run_chunk or self._run_quiet(run):
            return None
        return partial(self._run_chunk, run)


class Run:
    """One execution of one runnable, as its listeners see it."""

    __slots__ = (
        "_id_str",
        "end_time",
        "error",
        "extra",
        "id",
        "inputs",
        "is_async",
        "listeners",
        "metadata",
        "name",
        "outputs",
        "parent",
        "pending",
        "quiet",
        "receivers",
        "run_type",
        "start_time",
        "tags",
        "token_listeners",
    )

    def __init__(
        self,
        *,
        id: uuid.UUID,
        parent: Run | None,
        name: str,
        run_type: str,
        tags: list[str],
        metadata: dict[str, Any],
        inputs: Any,
        listeners: tuple[Listener, ...],
        is_async: bool,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.id = id
        self._id_str: str | None = None
        self.parent = parent
        self.name = name
        self.run_type = run_type
        self.tags = tags
        self.metadata = metadata
        self.inputs = inputs
        self.outputs: Any = None
        self.error: BaseException | None = None
        self.listeners = listeners
        # Only listeners that take tokens are told of each one (a call per token saved).
        self.token_listeners = tuple(
            listener
            for listener in listeners
            if type(listener)._run_token is not Listener._run_token
        )
        self.is_async = is_async
        self.extra = extra if extra is not None else {}
        self.start_time = datetime.now(UTC)
        self.end_time: datetime | None = None
        # Async work listeners left for `adrain` (None when there is none).
        self.pending: list[Awaitable[Any]] | None = None
        # True when no listener wants this run's chunks or end (filtered out): the run
        # then only serves as its children's parent.
        self.quiet = False
        self.receivers: tuple[Callable[[Any], None], ...] = ()

    def __repr__(self) -> str:
        return f"Run(name={self.name!r}, run_type={self.run_type!r}, id={self.id})"

    @property
    def parent_run_id(self) -> uuid.UUID | None:
        """The id of the run this one runs inside, if any."""
        return self.parent.id if self.parent is not None else None

    @property
    def streams_tokens(self) -> bool:
        """True when a listener wants model tokens even under `invoke`."""
        return any(listener.streams_tokens for listener in self.listeners)

    @property
    def id_str(self) -> str:
        """`str(self.id)`, made once."""
        if self._id_str is None:
            self._id_str = str(self.id)
        return self._id_str

    def parent_ids(self) -> list[str]:
        """Ids of all ancestors, root first, immediate parent last."""
        ids: list[str] = []
        run = self.parent
        while run is not None:
            ids.append(run.id_str)
            run = run.parent
        ids.reverse()
        return ids

    # -- reporting -----------------------------------------------------------------
    def start(self) -> None:
        """Report the start of this run."""
        listeners = self.listeners
        for listener in listeners:
            listener._run_start(self)
        self.quiet = all(listener._run_quiet(self) for listener in listeners)
        self.receivers = tuple(
            receive
            for listener in listeners
            if (receive := listener._chunk_receiver(self)) is not None
        )

    def chunk(self, chunk: Any) -> None:
        """Report one output chunk."""
        for receive in self.receivers:
            receive(chunk)

    def chunk_reporter(self) -> Callable[[Any], None]:
        """`chunk`, or the one receiver itself when there is one (for per-chunk loops)."""
        return self.receivers[0] if len(self.receivers) == 1 else self.chunk

    def token(self, token: Any, chunk: Any) -> None:
        """Report one model token (models only)."""
        for listener in self.token_listeners:
            listener._run_token(self, token, chunk)

    def end(self, outputs: Any, inputs: Any = DEFERRED) -> None:
        """Report success with `outputs` (and the aggregated input, for streamed input)."""
        if inputs is not DEFERRED:
            self.inputs = inputs
        self.outputs = outputs
        self.end_time = datetime.now(UTC)
        for listener in self.listeners:
            listener._run_end(self)

    def fail(self, error: BaseException, inputs: Any = DEFERRED) -> None:
        """Report failure (or abandonment: GeneratorExit, CancelledError)."""
        if inputs is not DEFERRED:
            self.inputs = inputs
        self.error = error
        self.end_time = datetime.now(UTC)
        for listener in self.listeners:
            listener._run_error(self)

    def custom_event(self, name: str, data: Any) -> None:
        """Report a user's custom event, dispatched while this run is current."""
        for listener in self.listeners:
            listener._run_custom_event(self, name, data)

    # -- async work left by listeners ----------------------------------------------
    def defer(self, awaitable: Awaitable[Any]) -> None:
        """Leave async work (an async handler call, backpressure) for `adrain`."""
        if self.pending is None:
            self.pending = []
        self.pending.append(awaitable)

    @property
    def has_pending(self) -> bool:
        """True when `adrain` has work to await."""
        return bool(self.pending)

    async def adrain(self) -> None:
        """Await the async work listeners left, in order."""
        pending = self.pending
        while pending:
            self.pending = None
            for awaitable in pending:
                await awaitable
            pending = self.pending


class CallbackManager:
    """The `callbacks` a run hands to its children: handlers, parent run, local tags.

    Users may pass one as `config["callbacks"]`; runnel builds them for children.
    `tags` apply to the run it is given to only. `inheritable_tags` and
    `inheritable_metadata` (set by `RunManager.get_child`, for code written the
    LangChain way) are merged into the config of the run it is given to, so that
    run and its descendants carry them.
    """

    __slots__ = (
        "handlers",
        "inheritable_handlers",
        "inheritable_metadata",
        "inheritable_tags",
        "parent_run",
        "tags",
    )

    def __init__(
        self,
        handlers: Sequence[Any] = (),
        inheritable_handlers: Sequence[Any] | None = None,
        parent_run_id: uuid.UUID | None = None,
        *,
        tags: Sequence[str] = (),
        parent_run: Run | None = None,
        inheritable_tags: Sequence[str] = (),
        inheritable_metadata: dict[str, Any] | None = None,
    ) -> None:
        self.handlers = list(handlers)
        self.inheritable_handlers = (
            list(inheritable_handlers) if inheritable_handlers is not None else list(handlers)
        )
        self.parent_run = parent_run
        self.tags = list(tags)
        self.inheritable_tags = list(inheritable_tags)
        self.inheritable_metadata = dict(inheritable_metadata or {})
        del parent_run_id  # accepted for compatibility; the parent run carries its id

    @property
    def parent_run_id(self) -> uuid.UUID | None:
        """The id of the run whose children this manager serves."""
        return self.parent_run.id if self.parent_run is not None else None

    def add_handler(self, handler: Any, inherit: bool = True) -> None:
        """Attach a handler (to children too unless `inherit` is False)."""
        if handler not in self.handlers:
            self.handlers.append(handler)
        if inherit and handler not in self.inheritable_handlers:
            self.inheritable_handlers.append(handler)

    def child(self, tag: str | None = None) -> CallbackManager:
        """The manager for one child step, with a local tag such as `seq:step:2`."""
        return CallbackManager(
            self.inheritable_handlers,
            tags=(tag,) if tag else (),
            parent_run=self.parent_run,
        )

    def __repr__(self) -> str:
        return f"CallbackManager(handlers={self.handlers!r}, parent_run={self.parent_run!r})"


def _as_listeners(handlers: Iterable[Any]) -> tuple[Listener, ...]:
    out = []
    for handler in handlers:
        if not isinstance(handler, Listener):
            raise TypeError(
                f"callbacks must be callback handlers, got {type(handler).__name__}: "
                "subclass runnel.callbacks.BaseCallbackHandler or AsyncCallbackHandler"
            )
        out.append(handler)
    return tuple(out)


def start_run(
    config: RunnableConfig,
    name: str,
    run_type: str,
    inputs: Any,
    *,
    is_async: bool,
    local_handlers: Sequence[Any] | None = None,
    metadata: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Run | None:
    """Start a run if anyone listens; return None (and do nothing) otherwise."""
    callbacks = config.get("callbacks")
    parent: Run | None = None
    local_tags: list[str] = []
    local = list(local_handlers or ())
    if callbacks is None:
        handlers: Sequence[Any] = ()
    elif isinstance(callbacks, CallbackManager):
        handlers = callbacks.handlers
        parent = callbacks.parent_run
        local_tags = callbacks.tags
        # A manager's handlers that are not inheritable serve this run only.
        local += [h for h in handlers if h not in callbacks.inheritable_handlers]
    else:
        handlers = callbacks
    if local_handlers:
        handlers = [*handlers, *(h for h in local_handlers if h not in handlers)]
    if not handlers:
        return None
    tags = config.get("tags")
    run = Run(
        id=config.get("run_id") or uuid7(),
        parent=parent,
        name=config.get("run_name") or name,
        run_type=run_type,
        tags=[*local_tags, *(t for t in tags or () if t not in local_tags)],
        metadata={**config.get("metadata", {}), **metadata}
        if metadata
        else config.get("metadata", {}),
        inputs=inputs,
        listeners=_as_listeners(handlers),
        is_async=is_async,
        extra=extra,
    )
    if local:
        run.extra["_local"] = tuple(local)
    if "run_name" in config:
        run.extra["run_name"] = config["run_name"]
    run.start()
    return run


def child_config(config: RunnableConfig, run: Run | None) -> RunnableConfig:
    """The config a run passes to its children: same options, this run as parent.

    `run_name` and `run_id` apply to one run only and are dropped.
    """
    if run is None:
        if "run_name" in config or "run_id" in config:
            config = config.copy()
            config.pop("run_name", None)
            config.pop("run_id", None)
        return config
    local = run.extra.get("_local", ())
    inherited = [listener for listener in run.listeners if listener not in local]
    out = config.copy()
    out.pop("run_name", None)
    out.pop("run_id", None)
    out["callbacks"] = CallbackManager(inherited, parent_run=run)
    return out


def step_config(config: RunnableConfig, tag: str) -> RunnableConfig:
    """The config for one step of a composite, with a local tag (`seq:step:N`, `map:key:K`).

    The tag is added to the step's own run only; the step's children do not inherit it.
    """
    callbacks = config.get("callbacks")
    if isinstance(callbacks, CallbackManager):
        out = config.copy()
        out["callbacks"] = CallbackManager(
            callbacks.inheritable_handlers,
            tags=[*callbacks.tags, tag] if tag else callbacks.tags,
            parent_run=callbacks.parent_run,
        )
        return out
    if callbacks:
        out = config.copy()
        out["callbacks"] = CallbackManager(callbacks, tags=(tag,))
        return out
    return config
