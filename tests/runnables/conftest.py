"""Fixtures for the runnables tests: one test drives both the sync and the async path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest

from runnel.callbacks import BaseCallbackHandler
from runnel.runnables import Runnable, RunnableConfig


@dataclass(frozen=True, slots=True)
class Event:
    """One chain callback as a handler saw it."""

    kind: str  # start | end | error
    name: str
    run_id: UUID
    parent_run_id: UUID | None
    tags: list[str]
    metadata: dict[str, Any]
    data: Any  # inputs (start), outputs (end) or the error


class Recorder(BaseCallbackHandler):
    """Records every chain start, end and error, in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._names: dict[UUID, str] = {}
        self._meta: dict[UUID, dict[str, Any]] = {}

    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kw: Any) -> None:
        self._names[kw["run_id"]] = kw["name"]
        self._meta[kw["run_id"]] = kw["metadata"]
        self._add("start", inputs, kw)

    def on_chain_end(self, outputs: Any, **kw: Any) -> None:
        self._add("end", outputs, kw)

    def on_chain_error(self, error: BaseException, **kw: Any) -> None:
        self._add("error", error, kw)

    def _add(self, kind: str, data: Any, kw: dict[str, Any]) -> None:
        run_id = kw["run_id"]
        self.events.append(
            Event(
                kind,
                self._names[run_id],
                run_id,
                kw["parent_run_id"],
                list(kw["tags"]),
                self._meta[run_id],
                data,
            )
        )

    def of(self, kind: str, name: str | None = None) -> list[Event]:
        """The events of one kind (and run name), in order."""
        return [e for e in self.events if e.kind == kind and name in (None, e.name)]

    def start(self, name: str) -> Event:
        """The only start event of the run called `name`."""
        (event,) = self.of("start", name)
        return event

    def name_of(self, run_id: UUID | None) -> str | None:
        """The name of the run with this id."""
        return None if run_id is None else self._names[run_id]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


class Path:
    """Calls the sync or the async twin of each method, so one test covers both."""

    def __init__(self, is_async: bool) -> None:
        self.is_async = is_async

    def __repr__(self) -> str:
        return "async" if self.is_async else "sync"

    async def invoke(
        self,
        runnable: Runnable[Any, Any],
        input: Any,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Any:
        if self.is_async:
            return await runnable.ainvoke(input, config, **kwargs)
        return runnable.invoke(input, config, **kwargs)

    async def stream(
        self,
        runnable: Runnable[Any, Any],
        input: Any,
        config: RunnableConfig | None = None,
        *,
        log: list[Any] | None = None,
        **kwargs: Any,
    ) -> list[Any]:
        """All chunks of `stream`/`astream`; each is also logged as `("got", chunk)`."""
        if self.is_async:
            return await _acollect(runnable.astream(input, config, **kwargs), log)
        return _collect(runnable.stream(input, config, **kwargs), log)

    async def transform(
        self,
        runnable: Runnable[Any, Any],
        chunks: Iterable[Any],
        config: RunnableConfig | None = None,
        *,
        log: list[Any] | None = None,
    ) -> list[Any]:
        """All chunks of `transform`/`atransform` fed with `chunks`."""
        if self.is_async:

            async def source() -> AsyncIterator[Any]:
                for chunk in chunks:
                    yield chunk

            return await _acollect(runnable.atransform(source(), config), log)
        return _collect(runnable.transform(iter(chunks), config), log)

    async def batch(
        self, runnable: Runnable[Any, Any], inputs: list[Any], config: Any = None, **kwargs: Any
    ) -> list[Any]:
        if self.is_async:
            return await runnable.abatch(inputs, config, **kwargs)
        return runnable.batch(inputs, config, **kwargs)


def _collect(chunks: Iterable[Any], log: list[Any] | None) -> list[Any]:
    out = []
    for chunk in chunks:
        if log is not None:
            log.append(("got", chunk))
        out.append(chunk)
    return out


async def _acollect(chunks: AsyncIterator[Any], log: list[Any] | None) -> list[Any]:
    out = []
    async with aclosing(chunks) as it:
        async for chunk in it:
            if log is not None:
                log.append(("got", chunk))
            out.append(chunk)
    return out


@pytest.fixture(params=[False, True], ids=["sync", "async"])
def path(request: pytest.FixtureRequest) -> Path:
    return Path(request.param)
