"""astream_log: a run as JSON-patch operations on a growing run-log state.

The state (`RunState`) has the root run's `id`, `name`, `type`, `streamed_output`,
`final_output` and, under `logs`, one `LogEntry` per included child run keyed by its
name (`name`, `name:2`, ... for repeats). Each `RunLogPatch` holds the operations
(RFC 6902) made by one report; adding patches gives a `RunLog` with the state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, TypedDict

from runnel._core.fold import RunningSum
from runnel._core.json_patch import apply_patch
from runnel._core.run import Listener, Run
from runnel.runnables._config import RunnableConfig
from runnel.runnables._utils import aclosing
from runnel.tracers.event_stream import (
    BUFFER_SIZE,
    EventFilter,
    _AsyncChannel,
    _with_sink,
    drive,
    llm_result_dict,
    pump,
)

__all__ = ["LogEntry", "RunLog", "RunLogPatch", "RunState", "astream_log"]


class LogEntry(TypedDict):
    """One child run in the log."""

    id: str
    name: str
    type: str
    tags: list[str]
    metadata: dict[str, Any]
    start_time: str
    streamed_output: list[Any]
    streamed_output_str: list[str]
    final_output: Any
    end_time: str | None


class RunState(TypedDict):
    """The whole log: the root run's output so far and its children's entries."""

    id: str
    streamed_output: list[Any]
    final_output: Any
    logs: dict[str, LogEntry]
    name: str
    type: str


class RunLogPatch:
    """A list of JSON-patch operations on a `RunState`."""

    def __init__(self, *ops: dict[str, Any]) -> None:
        self.ops = list(ops)

    def __add__(self, other: RunLogPatch) -> RunLog:
        if not isinstance(other, RunLogPatch):
            return NotImplemented
        ops = self.ops + other.ops
        return RunLog(*ops, state=apply_patch(None, ops))

    def __repr__(self) -> str:
        return f"RunLogPatch({', '.join(repr(op) for op in self.ops)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunLogPatch) and self.ops == other.ops

    __hash__ = None  # type: ignore[assignment]


class RunLog(RunLogPatch):
    """Every operation so far and the state they produce."""

    def __init__(self, *ops: dict[str, Any], state: RunState) -> None:
        super().__init__(*ops)
        self.state = state

    def __add__(self, other: RunLogPatch) -> RunLog:
        if not isinstance(other, RunLogPatch):
            return NotImplemented
        return RunLog(*self.ops, *other.ops, state=apply_patch(self.state, other.ops))

    def __repr__(self) -> str:
        return f"RunLog({self.state!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunLog) and self.state == other.state


def _timestamp(run: Run, end: bool = False) -> str:
    moment = run.end_time if end else run.start_time
    assert moment is not None
    return moment.isoformat(timespec="milliseconds")


class LogSink(Listener):
    """Turns run reports into `RunLogPatch`es."""

    streams_tokens = True

    def __init__(self, keep: EventFilter, put: Any, with_streamed_output_list: bool) -> None:
        self.keep = keep
        self.put = put
        self.with_list = with_streamed_output_list
        self._root: Run | None = None
        self._root_output = RunningSum()
        self._keys: dict[int, str] = {}
        self._counts: dict[str, int] = {}

    def _patch(self, run: Run, *ops: dict[str, Any]) -> None:
        self.put(None, RunLogPatch(*ops), run)

    def _run_start(self, run: Run) -> None:
        if self._root is None:
            self._root = run
            self._patch(
                run,
                {
                    "op": "replace",
                    "path": "",
                    "value": {
                        "id": run.id_str,
                        "streamed_output": [],
                        "final_output": None,
                        "logs": {},
                        "name": run.name,
                        "type": _log_type(run),
                    },
                },
            )
            return
        kind = _log_type(run)
        if not self.keep(run.name, kind, run.tags):
            return
        count = self._counts.get(run.name, 0) + 1
        self._counts[run.name] = count
        key = run.name if count == 1 else f"{run.name}:{count}"
        self._keys[id(run)] = key
        entry: LogEntry = {
            "id": run.id_str,
            "name": run.name,
            "type": kind,
            "tags": run.tags,
            "metadata": run.metadata,
            "start_time": _timestamp(run),
            "streamed_output": [],
            "streamed_output_str": [],
            "final_output": None,
            "end_time": None,
        }
        self._patch(run, {"op": "add", "path": f"/logs/{key}", "value": entry})

    def _run_quiet(self, run: Run) -> bool:
        return run is not self._root and id(run) not in self._keys

    def _run_chunk(self, run: Run, chunk: Any) -> None:
        if run is self._root:
            total = self._root_output.add(chunk)
            ops = [{"op": "replace", "path": "/final_output", "value": total}]
            if self.with_list:
                ops.insert(0, {"op": "add", "path": "/streamed_output/-", "value": chunk})
            self._patch(run, *ops)
            return
        key = self._keys.get(id(run))
        if key is None:
            return
        ops = [{"op": "add", "path": f"/logs/{key}/streamed_output/-", "value": chunk}]
        if run.run_type in ("chat_model", "llm"):
            text = chunk if isinstance(chunk, str) else getattr(chunk, "content", "")
            ops.insert(
                0,
                {
                    "op": "add",
                    "path": f"/logs/{key}/streamed_output_str/-",
                    "value": text if isinstance(text, str) else str(text),
                },
            )
        self._patch(run, *ops)

    def _run_end(self, run: Run) -> None:
        if run is self._root:
            if self._root_output.empty:
                self._patch(
                    run, {"op": "replace", "path": "/final_output", "value": _plain_output(run)}
                )
            return
        key = self._keys.pop(id(run), None)
        if key is None:
            return
        self._patch(
            run,
            {"op": "add", "path": f"/logs/{key}/final_output", "value": _final_output(run)},
            {"op": "add", "path": f"/logs/{key}/end_time", "value": _timestamp(run, end=True)},
        )

    def _run_error(self, run: Run) -> None:
        key = self._keys.pop(id(run), None)
        if key is None or run.end_time is None:
            return
        self._patch(
            run,
            {"op": "add", "path": f"/logs/{key}/final_output", "value": None},
            {"op": "add", "path": f"/logs/{key}/end_time", "value": _timestamp(run, end=True)},
        )


def _log_type(run: Run) -> str:
    """The run type as the log shows it: chat models are "llm" runs there."""
    return "llm" if run.run_type == "chat_model" else run.run_type


def _plain_output(run: Run) -> Any:
    out = run.outputs
    generations = getattr(out, "generations", None)
    if run.run_type in ("chat_model", "llm") and generations:
        first = generations[0][0]
        return first.message if run.run_type == "chat_model" else first.text
    return out


def _final_output(run: Run) -> Any:
    out = run.outputs
    kind = run.run_type
    if kind in ("chat_model", "llm") and hasattr(out, "generations"):
        return llm_result_dict(out)
    if kind == "retriever":
        return {"documents": out}
    if kind == "prompt" or isinstance(out, dict):
        return out
    return {"output": out}


async def astream_log(
    runnable: Any,
    input: Any,
    config: RunnableConfig | None = None,
    *,
    diff: bool = True,
    with_streamed_output_list: bool = True,
    include_names: Sequence[str] | None = None,
    include_types: Sequence[str] | None = None,
    include_tags: Sequence[str] | None = None,
    exclude_names: Sequence[str] | None = None,
    exclude_types: Sequence[str] | None = None,
    exclude_tags: Sequence[str] | None = None,
    buffer_size: int = BUFFER_SIZE,
    **kwargs: Any,
) -> AsyncIterator[RunLogPatch]:
    """Stream `RunLogPatch`es (or, with `diff=False`, the cumulative `RunLog`).

    Filters choose which child runs get a log entry; the root's operations are
    always sent.

    Raises:
        Exception: whatever the run raised, after the patches produced before it.
    """
    keep = EventFilter(
        include_names, include_types, include_tags, exclude_names, exclude_types, exclude_tags
    )
    channel = _AsyncChannel(buffer_size)
    sink = LogSink(keep, channel.put, with_streamed_output_list)
    run_config = _with_sink(config, sink)

    log: RunLog | None = None
    producer = pump(runnable, input, run_config, kwargs, channel)
    async with aclosing(drive(producer, channel)) as batches:
        async for batch in batches:
            for patch in batch[1::2]:  # records are (None, patch)
                if diff:
                    yield patch
                elif log is None:
                    log = RunLog(*patch.ops, state=apply_patch(None, patch.ops))
                    yield log
                else:
                    log = log + patch
                    yield log
            batch.clear()  # let go of its chunks now, not once the next batch comes
