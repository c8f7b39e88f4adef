"""astream_events / stream_events: every run's start, chunks and end as event dicts.

The runnable runs in a producer (a task, or a thread for `stream_events`) whose
event sink hands events to the consumer through a bounded buffer: a consumer that
stops reading stops the run after about `buffer_size` more events (at most twice that
when the streamed runnable's own output does not stream), and leaving the loop
(break + close, `aclose()`, cancellation) cancels it. Filters are applied
when a run starts, before any event of it is built.

A stream event travels as a record (its run's `_RunInfo`, the chunk) and becomes a
dict only when the consumer takes it: events waiting in buffers are then few
objects, which matters to the garbage collector when many streams run at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence
from typing import Any, cast

from runnel._core.run import DEFERRED, Listener, Run
from runnel.callbacks.manager import merge_callbacks
from runnel.runnables._config import RunnableConfig, ensure_config
from runnel.runnables._utils import aclosing

__all__ = [
    "EventFilter",
    "EventSink",
    "astream_events",
    "drive",
    "llm_result_dict",
    "pump",
    "stream_event",
    "stream_events",
]

VERSIONS = ("v1", "v2")
BUFFER_SIZE = 128


class EventFilter:
    """LangChain's include/exclude rule on names, run types and tags."""

    __slots__ = (
        "exclude_names",
        "exclude_tags",
        "exclude_types",
        "include_names",
        "include_tags",
        "include_types",
        "selective",
    )

    def __init__(
        self,
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
    ) -> None:
        self.include_names = frozenset(include_names or ())
        self.include_types = frozenset(include_types or ())
        self.include_tags = frozenset(include_tags or ())
        self.exclude_names = frozenset(exclude_names or ())
        self.exclude_types = frozenset(exclude_types or ())
        self.exclude_tags = frozenset(exclude_tags or ())
        self.selective = bool(
            self.include_names
            or self.include_types
            or self.include_tags
            or self.exclude_names
            or self.exclude_types
            or self.exclude_tags
        )

    def __call__(self, name: str, run_type: str, tags: Sequence[str]) -> bool:
        """True if an event with this name, type and tags passes."""
        if not self.selective:
            return True
        include = not (self.include_names or self.include_types or self.include_tags)
        if not include:
            include = (
                name in self.include_names
                or run_type in self.include_types
                or any(tag in self.include_tags for tag in tags)
            )
        return (
            include
            and name not in self.exclude_names
            and run_type not in self.exclude_types
            and not any(tag in self.exclude_tags for tag in tags)
        )


class _RunInfo:
    __slots__ = ("base", "delivered", "kind", "template", "text_chunks")

    def __init__(self, kind: str, base: dict[str, Any], version: str) -> None:
        self.kind = kind
        self.base = base
        # Stream events are copies of this dict with their own `data`.
        self.template = {"event": f"on_{kind}_stream", "data": None, **base}
        self.delivered = False
        # v2 streams an LLM's text chunks as GenerationChunks.
        self.text_chunks = kind == "llm" and version == "v2"


def stream_event(head: _RunInfo | None, payload: Any) -> dict[str, Any]:
    """The event dict of one record that `EventSink` put: (run info, chunk) or (None, event)."""
    if head is None:
        return cast("dict[str, Any]", payload)
    event = head.template.copy()
    event["data"] = {"chunk": payload}
    return event


class EventSink(Listener):
    """Turns run reports into event records and hands them to `put(head, payload, run)`.

    A stream event is put as (its run's info, the chunk), any other event as (None, the
    event dict); `stream_event` makes the dict. The root input goes on the first event
    and off the end event of that event's run (LangChain's contract, done on copies).
    """

    streams_tokens = True

    def __init__(self, version: str, keep: EventFilter, put: Any, root_input: Any) -> None:
        self.version = version
        self.keep = keep
        self.put = put
        self._runs: dict[int, _RunInfo] = {}
        self._root: Run | None = None  # the run of the streamed runnable itself
        self._root_input = root_input
        self._first: Run | None = None  # the run of the first event emitted

    def _base(self, run: Run) -> dict[str, Any]:
        return {
            "name": run.name,
            "run_id": run.id_str,
            "tags": run.tags,
            "metadata": dict(run.metadata),  # never the caller's own config dict
            "parent_ids": run.parent_ids() if self.version == "v2" else [],
        }

    def _emit(self, event: str, base: dict[str, Any], data: Any, run: Run) -> None:
        if self._first is None:
            self._first = run
            if event != "on_custom_event":  # a custom event's data is the user's own
                data = {**data, "input": self._root_input}
        elif run is self._first and event.endswith("_end"):
            data.pop("input", None)
        self.put(None, {"event": event, "data": data, **base}, run)

    # -- listener hooks ----------------------------------------------------------------
    def _run_start(self, run: Run) -> None:
        if self._root is None:
            self._root = run
        if not self.keep(run.name, run.run_type, run.tags):
            return
        info = _RunInfo(run.run_type, self._base(run), self.version)
        self._runs[id(run)] = info
        data = {} if run.inputs is DEFERRED else {"input": run.inputs}
        self._emit(f"on_{info.kind}_start", info.base, data, run)

    def _run_quiet(self, run: Run) -> bool:
        return id(run) not in self._runs  # filtered out: no stream or end events

    def _chunk_receiver(self, run: Run) -> Callable[[Any], None] | None:
        info = self._runs.get(id(run))
        if info is None:
            return None
        put = self.put
        if info.text_chunks:
            from runnel.outputs import GenerationChunk

            def receive_text(chunk: Any) -> None:
                info.delivered = True
                put(info, GenerationChunk(text=chunk) if isinstance(chunk, str) else chunk, run)

            return receive_text

        def receive(chunk: Any) -> None:
            info.delivered = True
            put(info, chunk, run)

        return receive

    def _run_end(self, run: Run) -> None:
        info = self._runs.pop(id(run), None)
        if info is None:
            return
        output = self._output(run, info)
        if self.version == "v1":
            if not info.delivered and run is self._root and info.kind != "prompt":
                self._emit(f"on_{info.kind}_stream", info.base, {"chunk": output}, run)
            data = {} if run.inputs is DEFERRED else {"input": run.inputs}
            data["output"] = output
        else:
            data = {"output": output}
            if run.inputs is not DEFERRED:
                data["input"] = run.inputs
        self._emit(f"on_{info.kind}_end", info.base, data, run)

    def _run_error(self, run: Run) -> None:
        info = self._runs.pop(id(run), None)
        if info is None:
            return
        if info.kind == "tool" and self.version == "v2":
            data: dict[str, Any] = {
                "error": run.error,
                "input": run.inputs,
                "tool_call_id": run.extra.get("tool_call_id"),
            }
            self._emit("on_tool_error", info.base, data, run)
        elif (
            self.version == "v1"
            and run is not self._root  # v1 reports a failed step, not a failed root
            and not isinstance(run.error, (GeneratorExit, asyncio.CancelledError, _Stop))
        ):
            data = {} if run.inputs is DEFERRED else {"input": run.inputs}
            data["output"] = None
            self._emit(f"on_{info.kind}_end", info.base, data, run)

    def _run_custom_event(self, run: Run, name: str, data: Any) -> None:
        if self.version != "v2" or not self.keep(name, name, run.tags):
            return
        base = self._base(run)
        base["name"] = name
        self._emit("on_custom_event", base, data, run)

    # -- output shapes -----------------------------------------------------------------
    def _output(self, run: Run, info: _RunInfo) -> Any:
        out = run.outputs
        kind = info.kind
        if kind not in ("chat_model", "llm", "retriever"):
            return out
        if kind == "retriever":
            # v1 wraps a nested retriever's documents; at the root it gives the list.
            return {"documents": out} if self.version == "v1" and run is not self._root else out
        generations = getattr(out, "generations", None)
        if generations is None:
            return out
        if self.version == "v2":
            if kind == "chat_model":
                return generations[0][0].message
            return {
                "generations": [[g.model_dump() for g in gens] for gens in generations],
                "llm_output": out.llm_output,
            }
        if run is self._root:  # v1 at the root: the plain streamed output
            first = generations[0][0]
            return first.message if kind == "chat_model" else first.text
        return llm_result_dict(out)


def llm_result_dict(result: Any) -> dict[str, Any]:
    """An `LLMResult` as LangChain's tracers show it: a dict whose messages stay objects."""
    return {
        "generations": [
            [
                {**g.model_dump(exclude={"message"}), "message": g.message}
                if hasattr(g, "message")
                else g.model_dump()
                for g in generations
            ]
            for generations in result.generations
        ],
        "llm_output": result.llm_output,
        "run": None,
        "type": "LLMResult",
    }


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise ValueError(
            f"unknown astream_events version {version!r}: supported versions are "
            + ", ".join(repr(v) for v in VERSIONS)
        )


def _with_sink(config: RunnableConfig | None, sink: Listener) -> RunnableConfig:
    config = ensure_config(config)
    config = config.copy()
    config["callbacks"] = merge_callbacks(config.get("callbacks"), [sink])
    return config


class _AsyncChannel:
    """Bounded hand-off of records (head, payload) from the producer task to the consumer.

    The buffer is flat (head, payload, head, payload...): no tuple per record. The
    consumer takes everything buffered at once. The producer waits for room between
    the chunks of the streamed runnable once `limit` records are buffered (`pump`), and
    deep inside the run (through `Run.defer`) once twice that are: waiting at the top
    costs least, and a runnable whose own output does not stream still stops. Once the
    consumer has left (`close`), records are dropped and the producer never waits: a
    run being cancelled may still report (errors, ends) on its way out.
    """

    def __init__(self, limit: int) -> None:
        self.buffer: list[Any] = []
        self.limit = 2 * limit  # two list items per record
        self.hard_limit = 2 * self.limit
        self.closed = False
        self.loop = asyncio.get_running_loop()
        self.thread = threading.get_ident()
        self._reader: asyncio.Future[None] | None = None
        # Everyone waiting for room: the streamed runnable's task and any task inside it.
        self._writers: list[asyncio.Future[None]] = []

    def put(self, head: Any, payload: Any, run: Run) -> None:
        if self.closed:
            return
        if threading.get_ident() != self.thread:
            self.loop.call_soon_threadsafe(self._append, head, payload)
            return
        buffer = self.buffer
        buffer.append(head)
        buffer.append(payload)
        if self._reader is not None:
            self.wake_reader()
        if len(buffer) >= self.hard_limit and run.is_async:
            run.defer(self.wait_space(self.hard_limit))

    def _append(self, head: Any, payload: Any) -> None:
        if not self.closed:
            self.buffer.append(head)
            self.buffer.append(payload)
            self.wake_reader()

    def wake_reader(self) -> None:
        reader = self._reader
        if reader is not None:
            self._reader = None
            if not reader.done():
                reader.set_result(None)

    async def wait_space(self, limit: int) -> None:
        """Wait until fewer than `limit` list items are buffered (or the consumer left)."""
        while len(self.buffer) >= limit and not self.closed:
            writer = self.loop.create_future()
            self._writers.append(writer)
            await writer

    def _wake_writers(self) -> None:
        writers, self._writers = self._writers, []
        for writer in writers:
            if not writer.done():
                writer.set_result(None)

    def take_all(self) -> list[Any]:
        """Every record buffered, flat: head, payload, head, payload..."""
        items, self.buffer = self.buffer, []
        self._wake_writers()
        return items

    def close(self) -> None:
        """The consumer has left: drop what is buffered and all later records."""
        self.closed = True
        self.buffer = []
        self._wake_writers()

    async def wait(self) -> None:
        self._reader = self.loop.create_future()
        await self._reader


async def astream_events(
    runnable: Any,
    input: Any,
    config: RunnableConfig | None = None,
    *,
    version: str = "v2",
    include_names: Sequence[str] | None = None,
    include_types: Sequence[str] | None = None,
    include_tags: Sequence[str] | None = None,
    exclude_names: Sequence[str] | None = None,
    exclude_types: Sequence[str] | None = None,
    exclude_tags: Sequence[str] | None = None,
    buffer_size: int = BUFFER_SIZE,
    **kwargs: Any,
) -> AsyncIterator[dict[str, Any]]:
    """Stream events from `runnable` run on `input` and from every run inside it.

    Raises:
        ValueError: an unknown `version`.
        Exception: whatever the run raised, after the events produced before it.
    """
    _check_version(version)
    keep = EventFilter(
        include_names, include_types, include_tags, exclude_names, exclude_types, exclude_tags
    )
    channel = _AsyncChannel(buffer_size)
    sink = EventSink(version, keep, channel.put, input)
    run_config = _with_sink(config, sink)

    async with aclosing(
        drive(pump(runnable, input, run_config, kwargs, channel), channel)
    ) as batches:
        async for batch in batches:
            records = iter(batch)
            for head, payload in zip(records, records, strict=True):
                if head is None:
                    yield payload
                else:  # `stream_event`, inline: this runs for every token of every run
                    event = head.template.copy()
                    event["data"] = {"chunk": payload}
                    yield event
            batch.clear()  # let go of its chunks now, not once the next batch comes


async def pump(
    runnable: Any,
    input: Any,
    config: RunnableConfig,
    kwargs: dict[str, Any],
    channel: _AsyncChannel,
) -> None:
    """Stream `runnable` to its end, waiting for room in `channel` between its chunks."""
    try:
        async with aclosing(runnable.astream(input, config, **kwargs)) as chunks:
            async for _ in chunks:
                if len(channel.buffer) >= channel.limit:
                    await channel.wait_space(channel.limit)
    finally:
        channel.wake_reader()


async def drive(producer: Any, channel: _AsyncChannel) -> AsyncGenerator[list[Any], None]:
    """Run `producer` as a task and yield what it puts in `channel` (flat batches), as it comes.

    The producer's exception is raised after everything it put before failing.
    Leaving early cancels the producer and waits for it to finish (what it reports
    on its way out is dropped, so it never waits for room in the channel).
    """
    task = asyncio.ensure_future(producer)
    try:
        while True:
            if channel.buffer:
                yield channel.take_all()
                continue
            if task.done():
                task.result()
                return
            await channel.wait()
    finally:
        channel.close()
        # The consumer has its answer (or has left): the producer's outcome is not news.
        task.add_done_callback(_retrieve)
        if not task.done():
            task.cancel()
            # Wait for the producer's cleanup; a cancellation of the consumer itself
            # while waiting propagates (awaiting the task would swallow it).
            await asyncio.wait((task,))


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


_CLOSED = object()


class _Stop(BaseException):
    """Raised inside a `stream_events` producer thread once the consumer has left."""


def stream_events(
    runnable: Any,
    input: Any,
    config: RunnableConfig | None = None,
    *,
    version: str = "v2",
    include_names: Sequence[str] | None = None,
    include_types: Sequence[str] | None = None,
    include_tags: Sequence[str] | None = None,
    exclude_names: Sequence[str] | None = None,
    exclude_types: Sequence[str] | None = None,
    exclude_tags: Sequence[str] | None = None,
    buffer_size: int = BUFFER_SIZE,
    **kwargs: Any,
) -> Iterator[dict[str, Any]]:
    """Synchronous `astream_events`: the run goes on in a worker thread.

    Raises:
        ValueError: an unknown `version`.
        Exception: whatever the run raised, after the events produced before it.
    """
    _check_version(version)
    keep = EventFilter(
        include_names, include_types, include_tags, exclude_names, exclude_types, exclude_tags
    )
    events: queue.Queue[Any] = queue.Queue(maxsize=buffer_size)
    stopped = threading.Event()

    def put(head: Any, payload: Any, run: Run) -> None:
        while True:
            if stopped.is_set():
                raise _Stop
            try:
                events.put((head, payload), timeout=0.05)
                return
            except queue.Full:
                continue

    sink = EventSink(version, keep, put, input)
    run_config = _with_sink(config, sink)
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            for _ in runnable.stream(input, run_config, **kwargs):
                if stopped.is_set():
                    break
        except _Stop:
            pass
        except BaseException as exc:
            failure.append(exc)
        finally:
            while True:
                try:
                    events.put(_CLOSED, timeout=0.05)
                    break
                except queue.Full:
                    if stopped.is_set():
                        break

    return _consume_thread(produce, events, stopped, failure)


def _consume_thread(
    produce: Any,
    events: queue.Queue[Any],
    stopped: threading.Event,
    failure: list[BaseException],
) -> Iterator[dict[str, Any]]:
    import contextvars

    thread = threading.Thread(
        target=contextvars.copy_context().run,
        args=(produce,),
        name="runnel-stream-events",
        daemon=True,
    )
    thread.start()
    try:
        while True:
            event = events.get()
            if event is _CLOSED:
                break
            yield stream_event(*event)
        if failure:
            raise failure[0]
    finally:
        stopped.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                events.get(timeout=0.05)
        thread.join()
