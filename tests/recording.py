"""A recording callback handler and a sync/async invoker, shared by tools and retrieval tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest

from runnel.callbacks import BaseCallbackHandler
from runnel.runnables import Runnable, RunnableConfig


@dataclass(frozen=True, slots=True)
class Record:
    """One callback as a handler saw it."""

    hook: str
    name: str | None
    run_id: UUID
    parent_run_id: UUID | None
    data: Any
    extra: dict[str, Any]


class Recorder(BaseCallbackHandler):
    """Records tool, chain and retriever callbacks in order."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        self._names: dict[UUID, str] = {}

    def _add(self, hook: str, data: Any, kw: dict[str, Any]) -> None:
        run_id = kw.pop("run_id")
        if "name" in kw and kw["name"] is not None:
            self._names[run_id] = kw["name"]
        parent = kw.pop("parent_run_id", None)
        self.records.append(Record(hook, self._names.get(run_id), run_id, parent, data, kw))

    def on_tool_start(self, serialized: dict[str, Any], input_str: str, **kw: Any) -> None:
        self._add("on_tool_start", input_str, kw)

    def on_tool_end(self, output: Any, **kw: Any) -> None:
        self._add("on_tool_end", output, kw)

    def on_tool_error(self, error: BaseException, **kw: Any) -> None:
        self._add("on_tool_error", error, kw)

    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kw: Any) -> None:
        self._add("on_chain_start", inputs, kw)

    def on_chain_end(self, outputs: Any, **kw: Any) -> None:
        self._add("on_chain_end", outputs, kw)

    def on_retriever_start(self, serialized: dict[str, Any], query: str, **kw: Any) -> None:
        self._add("on_retriever_start", query, kw)

    def on_retriever_end(self, documents: Any, **kw: Any) -> None:
        self._add("on_retriever_end", documents, kw)

    def on_retriever_error(self, error: BaseException, **kw: Any) -> None:
        self._add("on_retriever_error", error, kw)

    def hooks(self) -> list[tuple[str, str | None]]:
        """(hook, run name) of every record."""
        return [(r.hook, r.name) for r in self.records]

    def by_name(self, name: str, hook: str) -> Record:
        """The one record of `hook` for the run named `name`."""
        (found,) = [r for r in self.records if r.name == name and r.hook == hook]
        return found


class Call:
    """`await call(runnable, input, config)`: `invoke` or `ainvoke`, per `mode`."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    async def __call__(
        self, runnable: Runnable[Any, Any], input: Any, config: RunnableConfig | None = None
    ) -> Any:
        if self.mode == "sync":
            return runnable.invoke(input, config)
        return await runnable.ainvoke(input, config)


@pytest.fixture
def recorder() -> Recorder:
    """A fresh recording handler."""
    return Recorder()


@pytest.fixture(params=["sync", "async"])
def call(request: pytest.FixtureRequest) -> Call:
    """One test for both paths: `await call(runnable, input, config)`."""
    return Call(request.param)
