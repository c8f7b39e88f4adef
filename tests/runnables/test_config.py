"""Tests for runnel.runnables._config: config keys, merging, and how they reach children."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from runnel.runnables import (
    RunnableConfig,
    RunnableGenerator,
    RunnableLambda,
    RunnablePassthrough,
    ensure_config,
    get_config_list,
    merge_configs,
    patch_config,
)

from .conftest import Path, Recorder

pytestmark = pytest.mark.anyio


# -- the config dict ---------------------------------------------------------------------
def test_ensure_config_fills_defaults() -> None:
    assert ensure_config() == {
        "tags": [],
        "metadata": {},
        "callbacks": None,
        "recursion_limit": 25,
        "configurable": {},
    }


def test_ensure_config_moves_unknown_keys_into_configurable() -> None:
    config = ensure_config({"thread_id": "t1", "tags": ["a"]})  # type: ignore[typeddict-unknown-key]
    assert config["configurable"] == {"thread_id": "t1"}
    assert config["tags"] == ["a"]
    assert "thread_id" not in config


def test_ensure_config_copies_the_configured_model_into_metadata() -> None:
    config = ensure_config({"configurable": {"model": "gpt-x", "other": "y"}})
    assert config["metadata"] == {"model": "gpt-x"}


def test_merge_configs() -> None:
    handler = Recorder()
    merged = merge_configs(
        {"tags": ["b", "a"], "metadata": {"x": 1, "y": 1}, "recursion_limit": 10},
        {"tags": ["a", "c"], "metadata": {"y": 2}, "callbacks": [handler]},
        {"recursion_limit": 25, "configurable": {"k": "v"}},
        None,
    )
    assert merged == {
        "tags": ["a", "b", "c"],
        "metadata": {"x": 1, "y": 2},
        "recursion_limit": 10,
        "callbacks": [handler],
        "configurable": {"k": "v"},
    }


def test_patch_config_drops_run_name_and_run_id_with_new_callbacks() -> None:
    config: RunnableConfig = {"run_name": "r", "run_id": uuid.uuid4(), "tags": ["t"]}
    patched = patch_config(config, callbacks=[Recorder()], recursion_limit=3)
    assert "run_name" not in patched and "run_id" not in patched
    assert patched["tags"] == ["t"] and patched["recursion_limit"] == 3
    assert patch_config(config, run_name="other")["run_name"] == "other"


def test_get_config_list() -> None:
    run_id = uuid.uuid4()
    first, second = get_config_list({"run_id": run_id, "tags": ["t"]}, 2)
    assert first["run_id"] == run_id
    assert "run_id" not in second and second["tags"] == ["t"]
    with pytest.raises(ValueError, match="got 1 configs for 2 inputs"):
        get_config_list([{}], 2)
    with pytest.raises(ValueError, match="length must be >= 0"):
        get_config_list(None, -1)


# -- what children see -------------------------------------------------------------------
def named(name: str, func: Any = lambda x: x) -> RunnableLambda:
    return RunnableLambda(func, name=name)


async def test_tags_metadata_and_handlers_reach_every_descendant(
    path: Path, recorder: Recorder
) -> None:
    chain = named("a") | {"k": named("b") | named("c"), "j": named("d")}
    config: RunnableConfig = {"callbacks": [recorder], "tags": ["T"], "metadata": {"m": 1}}
    await path.invoke(chain, 1, config)
    starts = recorder.of("start")
    assert len(starts) == 7
    assert all("T" in e.tags and e.metadata == {"m": 1} for e in starts)


@pytest.mark.parametrize("method", ["invoke", "stream"])
async def test_step_tags_are_local_to_the_step(path: Path, recorder: Recorder, method: str) -> None:
    chain = named("a") | {"k": named("b") | named("c")}
    call = path.invoke if method == "invoke" else path.stream
    await call(chain, 1, {"callbacks": [recorder], "tags": ["T"]})
    tags = [(recorder.name_of(e.parent_run_id), e.name, e.tags) for e in recorder.of("start")]
    assert sorted(tags, key=str) == sorted(
        [
            (None, "RunnableSequence", ["T"]),
            ("RunnableSequence", "a", ["seq:step:1", "T"]),
            ("RunnableSequence", "RunnableParallel<k>", ["seq:step:2", "T"]),
            ("RunnableParallel<k>", "RunnableSequence", ["map:key:k", "T"]),
            # The grandchildren do not inherit `seq:step:2` or `map:key:k`.
            ("RunnableSequence", "b", ["seq:step:1", "T"]),
            ("RunnableSequence", "c", ["seq:step:2", "T"]),
        ],
        key=str,
    )


async def test_parents_follow_the_composition(path: Path, recorder: Recorder) -> None:
    chain = named("a") | {"k": named("b")}
    await path.stream(chain, 1, {"callbacks": [recorder]})
    parents = {e.name: recorder.name_of(e.parent_run_id) for e in recorder.of("start")}
    assert parents == {
        "RunnableSequence": None,
        "a": "RunnableSequence",
        "RunnableParallel<k>": "RunnableSequence",
        "b": "RunnableParallel<k>",
    }


async def test_run_name_and_run_id_apply_to_their_run_only(path: Path, recorder: Recorder) -> None:
    run_id = uuid.uuid4()
    chain = named("a") | named("b")
    await path.invoke(chain, 1, {"callbacks": [recorder], "run_name": "root", "run_id": run_id})
    starts = recorder.of("start")
    assert [e.name for e in starts] == ["root", "a", "b"]
    assert starts[0].run_id == run_id
    assert len({e.run_id for e in starts}) == 3
    assert starts[1].parent_run_id == run_id


async def test_config_reaches_a_function_with_a_config_parameter(path: Path) -> None:
    def read(x: Any, config: RunnableConfig) -> Any:
        return config

    config = await path.invoke(
        named("a") | read,
        1,
        {
            "tags": ["T"],
            "metadata": {"m": 1},
            "max_concurrency": 3,
            "recursion_limit": 7,
            "configurable": {"user": "u"},
            "run_name": "root",
        },
    )
    assert config["tags"] == ["T"]
    assert config["metadata"] == {"m": 1}
    assert config["max_concurrency"] == 3
    assert config["recursion_limit"] == 7
    assert config["configurable"] == {"user": "u"}
    assert "run_name" not in config


# -- implicit propagation ----------------------------------------------------------------
async def test_a_runnable_invoked_inside_a_function_is_a_child_run(
    path: Path, recorder: Recorder
) -> None:
    inner = named("inner", lambda x: x + 1)
    outer = named("outer", lambda x: inner.invoke(x) * 10)
    assert await path.invoke(outer, 1, {"callbacks": [recorder], "tags": ["T"]}) == 20
    assert recorder.start("inner").parent_run_id == recorder.start("outer").run_id
    assert recorder.start("inner").tags == ["T"]
    # Outside the run, nothing is inherited any more.
    inner.invoke(1)
    assert len(recorder.of("start")) == 2


async def test_a_runnable_awaited_inside_an_async_function_is_a_child_run(
    recorder: Recorder,
) -> None:
    inner = named("inner", lambda x: x + 1)

    async def outer(x: int) -> int:
        return await inner.ainvoke(x) * 10

    assert await RunnableLambda(outer).ainvoke(1, {"callbacks": [recorder]}) == 20
    assert recorder.start("inner").parent_run_id == recorder.start("outer").run_id


async def test_a_sync_function_in_a_worker_thread_still_propagates(recorder: Recorder) -> None:
    inner = named("inner", lambda x: x + 1)
    threads = []

    def outer(x: int) -> int:
        threads.append(threading.get_ident())
        return inner.invoke(x)

    assert await RunnableLambda(outer).ainvoke(1, {"callbacks": [recorder]}) == 2
    assert threads != [threading.get_ident()]
    assert recorder.start("inner").parent_run_id == recorder.start("outer").run_id


async def test_a_runnable_invoked_inside_a_generator_is_a_child_run(
    path: Path, recorder: Recorder
) -> None:
    inner = named("inner", str.upper)

    def shout(chunks: Iterator[str]) -> Iterator[str]:
        for chunk in chunks:
            yield inner.invoke(chunk)

    out = await path.stream(RunnableGenerator(shout), "a", {"callbacks": [recorder]})
    assert out == ["A"]
    assert recorder.start("inner").parent_run_id == recorder.start("shout").run_id


async def test_a_runnable_invoked_by_a_passthrough_function_is_a_child_run(
    path: Path, recorder: Recorder
) -> None:
    inner = named("inner")
    step = RunnablePassthrough(lambda x: inner.invoke(x), name="pass")
    await path.invoke(step, 1, {"callbacks": [recorder]})
    assert recorder.start("inner").parent_run_id == recorder.start("pass").run_id


async def test_passing_the_config_explicitly_makes_a_child_run(
    path: Path, recorder: Recorder
) -> None:
    inner = named("inner")

    def outer(x: int, config: RunnableConfig) -> Any:
        return inner.invoke(x, config)

    await path.invoke(RunnableLambda(outer), 1, {"callbacks": [recorder], "tags": ["T"]})
    assert recorder.start("inner").parent_run_id == recorder.start("outer").run_id
    assert recorder.start("inner").tags == ["T"]


async def test_each_batch_input_is_its_own_root_run(path: Path, recorder: Recorder) -> None:
    run_id = uuid.uuid4()
    await path.batch(named("step"), [1, 2], {"callbacks": [recorder], "run_id": run_id})
    starts = recorder.of("start")
    assert [e.parent_run_id for e in starts] == [None, None]
    assert len({e.run_id for e in starts}) == 2
    assert run_id in {e.run_id for e in starts}
