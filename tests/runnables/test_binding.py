"""Tests for runnel.runnables._binding: bound kwargs, bound config and run listeners."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from runnel._core.run import Run
from runnel.runnables import (
    Runnable,
    RunnableBinding,
    RunnableConfig,
    RunnableGenerator,
    RunnableLambda,
)

from .conftest import Path, Recorder

pytestmark = pytest.mark.anyio


class Echo(Runnable[str, Any]):
    """Returns its input and the keyword arguments it was called with."""

    _sync_is_cheap = True

    def _invoke(self, input: str, config: RunnableConfig, **kwargs: Any) -> Any:
        return (input, kwargs)


def chars(chunks: Iterator[str]) -> Iterator[str]:
    for chunk in chunks:
        yield from chunk


async def test_bind_adds_keyword_arguments_to_every_call(path: Path) -> None:
    bound = Echo().bind(stop=["\n"], temperature=0)
    assert isinstance(bound, RunnableBinding)
    assert await path.invoke(bound, "x") == ("x", {"stop": ["\n"], "temperature": 0})
    assert await path.stream(bound, "x") == [("x", {"stop": ["\n"], "temperature": 0})]
    assert await path.batch(bound, ["x"]) == [("x", {"stop": ["\n"], "temperature": 0})]
    # Later binds and call-time kwargs win.
    rebound = bound.bind(temperature=1)
    assert await path.invoke(rebound, "x", top_p=2) == (
        "x",
        {"stop": ["\n"], "temperature": 1, "top_p": 2},
    )


async def test_bindings_are_transparent(path: Path) -> None:
    bound = RunnableGenerator(chars).bind().with_config(tags=["t"])
    assert await path.stream(bound, "ab") == ["a", "b"]
    assert await path.transform(bound, ["ab", "c"]) == ["a", "b", "c"]
    assert bound.get_name() == "chars"


async def test_with_config_merges_tags_and_metadata(path: Path, recorder: Recorder) -> None:
    def read(x: Any, config: RunnableConfig) -> Any:
        return (sorted(config["tags"]), config["metadata"])

    bound = RunnableLambda(read).with_config(tags=["bound"], metadata={"a": 1, "b": 1})
    out = await path.invoke(
        bound, 1, {"tags": ["call"], "metadata": {"b": 2}, "callbacks": [recorder]}
    )
    assert out == (["bound", "call"], {"a": 1, "b": 2})
    assert recorder.start("read").tags == ["bound", "call"]
    assert recorder.start("read").metadata == {"a": 1, "b": 2}


async def test_with_config_run_name_names_that_run_only(path: Path, recorder: Recorder) -> None:
    inner = RunnableLambda(lambda x: x, name="inner")
    outer = (RunnableLambda(lambda x: inner.invoke(x), name="outer") | inner).with_config(
        run_name="named"
    )
    await path.invoke(outer, 1, {"callbacks": [recorder]})
    names = [e.name for e in recorder.of("start")]
    assert names == ["named", "outer", "inner", "inner"]
    assert outer.get_name() == "named"


async def test_with_listeners_get_the_run(path: Path) -> None:
    calls: list[tuple[str, Any, Any, Any]] = []

    def listener(kind: str) -> Any:
        def listen(run: Run) -> None:
            calls.append((kind, run.inputs, run.outputs, run.error))

        return listen

    def fail(x: int) -> int:
        if x < 0:
            raise ValueError("negative")
        return x * 2

    listened = RunnableLambda(fail).with_listeners(
        on_start=listener("start"), on_end=listener("end"), on_error=listener("error")
    )
    assert await path.invoke(listened, 2) == 4
    assert calls == [("start", 2, None, None), ("end", 2, 4, None)]
    calls.clear()
    with pytest.raises(ValueError, match="negative"):
        await path.invoke(listened, -1)
    assert [c[:3] for c in calls] == [("start", -1, None), ("error", -1, None)]
    error = calls[1][3]
    assert isinstance(error, ValueError) and str(error) == "negative"


async def test_listeners_see_only_the_runnable_they_are_attached_to(path: Path) -> None:
    names: list[str] = []
    chain = RunnableLambda(lambda x: x, name="a") | RunnableLambda(lambda x: x, name="b")
    listened = chain.with_listeners(on_end=lambda run: names.append(run.name))
    await path.invoke(listened, 1)
    assert names == ["RunnableSequence"]


async def test_listener_may_take_the_config(path: Path) -> None:
    seen: list[Any] = []
    listened = RunnableLambda(lambda x: x).with_listeners(
        on_end=lambda run, config: seen.append(config["tags"])
    )
    await path.invoke(listened, 1, {"tags": ["t"]})
    assert seen == [["t"]]


async def test_with_listeners_on_a_stream_sees_the_whole_output(path: Path) -> None:
    ends: list[Run] = []
    listened = RunnableGenerator(chars).with_listeners(on_end=ends.append)
    assert await path.stream(listened, "ab") == ["a", "b"]
    (run,) = ends
    assert run.outputs == "ab"
    assert run.inputs == "ab"


async def test_bound_callbacks_and_call_callbacks_both_listen(path: Path) -> None:
    bound_handler, call_handler = Recorder(), Recorder()
    bound = RunnableLambda(lambda x: x, name="step").with_config(callbacks=[bound_handler])
    await path.invoke(bound, 1, {"callbacks": [call_handler]})
    assert [e.kind for e in bound_handler.events] == ["start", "end"]
    assert [e.kind for e in call_handler.events] == ["start", "end"]
    assert bound_handler.events[0].run_id == call_handler.events[0].run_id


async def test_listeners_survive_later_bindings(path: Path) -> None:
    ends: list[Run] = []
    listened = (
        RunnableLambda(lambda x, config: config["tags"], name="step")
        .with_listeners(on_end=ends.append)
        .with_config(tags=["t"])
        .bind()
    )
    assert await path.invoke(listened, 1) == ["t"]
    assert [run.outputs for run in ends] == [["t"]]
