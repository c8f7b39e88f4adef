"""Tests for runnel.runnables._protocol: the methods every runnable derives from its hooks."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from runnel.runnables import (
    Runnable,
    RunnableConfig,
    RunnableLambda,
    RunnableParallel,
    RunnableSequence,
    coerce_to_runnable,
)

from .conftest import Path

pytestmark = pytest.mark.anyio


# -- derived defaults --------------------------------------------------------------------
class Doubler(Runnable[int, int]):
    """Written LangChain-style: only the public `invoke`."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def invoke(self, input: int, config: RunnableConfig | None = None, **kwargs: Any) -> int:
        self.threads.append(threading.get_ident())
        return input * 2


async def test_langchain_style_subclass_gets_every_method_from_invoke() -> None:
    doubler = Doubler()
    assert list(doubler.stream(3)) == [6]
    assert [c async for c in doubler.astream(3)] == [6]
    assert doubler.batch([1, 2, 3]) == [2, 4, 6]
    assert await doubler.abatch([1, 2, 3]) == [2, 4, 6]
    # Not a transformer: its input chunks are added up first.
    assert list(doubler.transform(iter([1, 2]))) == [6]


async def test_langchain_style_ainvoke_runs_invoke_in_a_worker_thread() -> None:
    doubler = Doubler()
    assert await doubler.ainvoke(5) == 10
    assert doubler.threads != [threading.get_ident()]
    assert len(doubler.threads) == 1


class Upper(Runnable[str, str]):
    """Only `_stream`: one chunk per character."""

    def _stream(self, input: str, config: RunnableConfig, **kwargs: Any) -> Iterator[str]:
        yield from input.upper()


class Exclaim(Runnable[str, str]):
    """Only `_transform`: a chunk-by-chunk step."""

    def _transform(
        self, chunks: Iterator[str], config: RunnableConfig, **kwargs: Any
    ) -> Iterator[str]:
        for chunk in chunks:
            yield chunk + "!"


async def test_invoke_folds_the_stream_hook(path: Path) -> None:
    assert await path.invoke(Upper(), "abc") == "ABC"
    assert await path.stream(Upper(), "abc") == ["A", "B", "C"]


async def test_transform_hook_streams_each_input_chunk(path: Path) -> None:
    assert await path.transform(Exclaim(), ["a", "b"]) == ["a!", "b!"]
    assert await path.invoke(Exclaim(), "a") == "a!"
    assert await path.stream(Exclaim(), "a") == ["a!"]


async def test_stream_hook_is_a_barrier_under_transform(path: Path) -> None:
    assert await path.transform(Upper(), ["ab", "c"]) == ["A", "B", "C"]


class AsyncOnly(Runnable[int, int]):
    """Only `_ainvoke`."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    async def _ainvoke(self, input: int, config: RunnableConfig, **kwargs: Any) -> int:
        self.threads.append(threading.get_ident())
        return input + 1


class AsyncStreamOnly(Runnable[str, str]):
    """Only `_astream`."""

    async def _astream(
        self, input: str, config: RunnableConfig, **kwargs: Any
    ) -> AsyncIterator[str]:
        for ch in input:
            yield ch * 2


async def test_async_only_implementation_runs_natively_on_the_event_loop() -> None:
    runnable = AsyncOnly()
    assert await runnable.ainvoke(1) == 2
    assert [c async for c in runnable.astream(2)] == [3]
    assert await runnable.abatch([1, 2]) == [2, 3]
    assert set(runnable.threads) == {threading.get_ident()}
    streaming = AsyncStreamOnly()
    assert [c async for c in streaming.astream("ab")] == ["aa", "bb"]
    assert await streaming.ainvoke("ab") == "aabb"


class PublicAsyncOnly(Runnable[int, int]):
    """Written LangChain-style: only the public `ainvoke`."""

    async def ainvoke(self, input: int, config: RunnableConfig | None = None, **kwargs: Any) -> int:
        return input - 1


async def test_langchain_style_async_only_subclass_gets_the_async_methods() -> None:
    runnable = PublicAsyncOnly()
    assert [c async for c in runnable.astream(3)] == [2]
    assert await runnable.abatch([1, 2]) == [0, 1]


@pytest.mark.parametrize("runnable", [AsyncOnly(), AsyncStreamOnly(), PublicAsyncOnly()], ids=repr)
async def test_async_only_implementation_refuses_sync_calls_clearly(
    runnable: Runnable[Any, Any],
) -> None:
    name = type(runnable).__name__
    with pytest.raises(TypeError, match=f"{name} only has an async implementation"):
        runnable.invoke(1)
    with pytest.raises(TypeError, match="use ainvoke/astream"):
        list(runnable.stream(1))
    with pytest.raises(TypeError, match="only has an async implementation"):
        runnable.batch([1, 2])


class Blocking(Runnable[int, int]):
    def __init__(self) -> None:
        self.threads: list[int] = []

    def _invoke(self, input: int, config: RunnableConfig, **kwargs: Any) -> int:
        self.threads.append(threading.get_ident())
        return input


class Cheap(Blocking):
    _sync_is_cheap = True


async def test_sync_hooks_run_in_a_worker_thread_unless_declared_cheap() -> None:
    blocking, cheap = Blocking(), Cheap()
    await blocking.ainvoke(1)
    await cheap.ainvoke(1)
    assert blocking.threads != [threading.get_ident()]
    assert cheap.threads == [threading.get_ident()]


def test_a_runnable_without_any_hook_says_so() -> None:
    class Nothing(Runnable[Any, Any]):
        pass

    with pytest.raises(NotImplementedError, match="Nothing implements no invoke"):
        Nothing().invoke(1)


# -- batch -------------------------------------------------------------------------------
async def test_batch_keeps_the_input_order(path: Path) -> None:
    square = RunnableLambda(lambda x: x * x)
    assert await path.batch(square, [3, 1, 2]) == [9, 1, 4]
    assert await path.batch(square, []) == []


async def test_batch_takes_one_config_per_input(path: Path) -> None:
    seen = RunnableLambda(lambda x, config: (x, config["tags"]))
    out = await path.batch(seen, [1, 2], [{"tags": ["one"]}, {"tags": ["two"]}])
    assert out == [(1, ["one"]), (2, ["two"])]
    with pytest.raises(ValueError, match="got 1 configs for 2 inputs"):
        await path.batch(seen, [1, 2], [{"tags": ["one"]}])


async def test_batch_return_exceptions(path: Path) -> None:
    def check(x: int) -> int:
        if x < 0:
            raise ValueError(f"negative: {x}")
        return x

    runnable = RunnableLambda(check)
    out = await path.batch(runnable, [1, -2, 3], return_exceptions=True)
    assert out[0] == 1 and out[2] == 3
    assert isinstance(out[1], ValueError) and str(out[1]) == "negative: -2"
    with pytest.raises(ValueError, match="negative: -2"):
        await path.batch(runnable, [1, -2, 3])


def test_batch_runs_at_most_max_concurrency_calls_at_once() -> None:
    limit = 2
    lock = threading.Lock()
    running = peak = 0
    together = threading.Barrier(limit, timeout=10)  # proves `limit` do run at once

    def work(x: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        together.wait()
        with lock:
            running -= 1
        return x

    out = RunnableLambda(work).batch(list(range(8)), {"max_concurrency": limit})
    assert out == list(range(8))
    assert peak == limit


async def test_abatch_runs_at_most_max_concurrency_calls_at_once() -> None:
    limit = 3
    running = peak = 0
    full = asyncio.Event()

    async def work(x: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        if running == limit:
            full.set()
        await full.wait()
        for _ in range(5):  # let any task the bound failed to hold back start
            await asyncio.sleep(0)
        running -= 1
        return x

    out = await RunnableLambda(work).abatch(list(range(10)), {"max_concurrency": limit})
    assert out == list(range(10))
    assert peak == limit
    assert await RunnableLambda(work).abatch(list(range(10))) == list(range(10))


async def test_abatch_failure_cancels_the_other_calls() -> None:
    cancelled: list[int] = []
    started = asyncio.Event()

    async def work(x: int) -> int:
        if x == 0:
            started.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(x)
                raise
        await started.wait()
        raise ValueError(f"failed {x}")

    tasks = asyncio.all_tasks()
    with pytest.raises(ValueError, match="failed 1"):
        await RunnableLambda(work).abatch([0, 1])
    assert cancelled == [0]
    assert asyncio.all_tasks() == tasks


def test_batch_as_completed_yields_each_result_as_it_finishes() -> None:
    release = threading.Event()

    def work(x: int) -> int:
        if x == 0:
            assert release.wait(10), "the first result was never handed out"
        return x * 10

    order = []
    for index, result in RunnableLambda(work).batch_as_completed([0, 1]):
        order.append((index, result))
        release.set()
    assert order == [(1, 10), (0, 0)]


async def test_abatch_as_completed_yields_each_result_as_it_finishes() -> None:
    release = asyncio.Event()

    async def work(x: int) -> int:
        if x == 0:
            await release.wait()
        return x * 10

    order = []
    async for index, result in RunnableLambda(work).abatch_as_completed([0, 1]):
        order.append((index, result))
        release.set()
    assert order == [(1, 10), (0, 0)]


async def test_batch_as_completed_return_exceptions(path: Path) -> None:
    def check(x: int) -> int:
        if x == 1:
            raise KeyError(x)
        return x

    runnable = RunnableLambda(check)
    if path.is_async:
        got = [pair async for pair in runnable.abatch_as_completed([0, 1], return_exceptions=True)]
    else:
        got = list(runnable.batch_as_completed([0, 1], return_exceptions=True))
    results = dict(got)
    assert results[0] == 0 and isinstance(results[1], KeyError)


async def test_map_applies_to_each_element(path: Path) -> None:
    each = RunnableLambda(lambda x: x + 1).map()
    assert await path.invoke(each, [1, 2, 3]) == [2, 3, 4]


# -- composition -------------------------------------------------------------------------
def test_pipe_and_or_build_one_flat_sequence() -> None:
    a, b, c = (RunnableLambda(lambda x, n=n: x + n) for n in ("a", "b", "c"))
    piped = a.pipe(b, c, name="abc")
    assert isinstance(piped, RunnableSequence)
    assert piped.steps == [a, b, c]
    assert piped.get_name() == "abc"
    assert piped.invoke("") == "abc"
    assert (a | b | c).steps == [a, b, c]
    assert (a | (b | c)).steps == [a, b, c]


def test_or_coerces_functions_and_dicts_on_either_side() -> None:
    step = RunnableLambda(lambda x: x * 2)
    assert ((lambda x: x + 1) | step).invoke(1) == 4
    assert (step | (lambda x: x + 1)).invoke(1) == 3
    assert ({"a": lambda x: x, "b": lambda x: -x} | RunnableLambda(sorted)).invoke(1) == ["a", "b"]
    to_dict = step | {"double": lambda x: x, "half": lambda x: x / 4}
    assert isinstance(to_dict.last, RunnableParallel)
    assert to_dict.invoke(2) == {"double": 4, "half": 1.0}


@pytest.mark.parametrize("other", [42, "text", None], ids=lambda o: type(o).__name__)
def test_piping_a_non_runnable_names_its_type(other: Any) -> None:
    step = RunnableLambda(lambda x: x)
    name = type(other).__name__
    with pytest.raises(TypeError, match=f"got {name}$"):
        step | other
    with pytest.raises(TypeError, match=f"got {name}$"):
        other | step
    with pytest.raises(TypeError, match=f"got {name}$"):
        step.pipe(other)
    with pytest.raises(TypeError, match=f"got {name}$"):
        coerce_to_runnable(other)


# -- names and schemas -------------------------------------------------------------------
def test_get_name() -> None:
    def shout(x: str) -> str:
        return x.upper()

    assert Doubler().get_name() == "Doubler"
    assert Doubler().get_name(name="custom") == "custom"
    assert Doubler().get_name("Input") == "DoublerInput"
    assert RunnableLambda(shout).get_name() == "shout"
    assert RunnableLambda(shout).get_name("Input") == "shout_input"
    assert RunnableLambda(lambda x: x).get_name() == "RunnableLambda"
    assert RunnableLambda(shout, name="loud").get_name() == "loud"
    assert (RunnableLambda(shout) | shout).get_name() == "RunnableSequence"
    assert RunnableParallel(a=shout, b=shout).get_name() == "RunnableParallel<a,b>"


def test_schemas_of_a_typed_lambda() -> None:
    def count(text: str, config: RunnableConfig) -> int:
        return len(text)

    runnable = RunnableLambda(count)
    assert runnable.InputType is str
    assert runnable.OutputType is int
    assert runnable.get_input_jsonschema() == {"title": "count_input", "type": "string"}
    assert runnable.get_output_jsonschema() == {"title": "count_output", "type": "integer"}
    assert runnable.input_schema.model_validate("abc").root == "abc"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="string"):
        runnable.input_schema.model_validate(3)
    assert runnable.output_schema.model_json_schema()["type"] == "integer"
    # A sequence takes its input schema from its first step, output from its last.
    chain = RunnableLambda(lambda n: str(n)) | runnable
    assert chain.get_output_jsonschema()["type"] == "integer"
    assert (runnable | (lambda n: n)).get_input_jsonschema()["type"] == "string"


def test_untyped_lambda_accepts_anything() -> None:
    schema = RunnableLambda(lambda x: x).get_input_jsonschema()
    assert schema == {"title": "RunnableLambdaInput"}


class WithSpecs(Runnable[Any, Any]):
    def __init__(self, *specs: str) -> None:
        self.specs = list(specs)

    @property
    def config_specs(self) -> list[Any]:
        return self.specs

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        return input


def test_config_specs_are_collected_from_children_without_duplicates() -> None:
    assert RunnableLambda(lambda x: x).config_specs == []
    a, b = WithSpecs("x", "y"), WithSpecs("y", "z")
    assert (a | b).config_specs == ["x", "y", "z"]
    assert RunnableParallel(a=a, b=b).config_specs == ["x", "y", "z"]
    assert a.with_config(tags=["t"]).config_specs == ["x", "y"]
    assert a.with_retry().config_specs == ["x", "y"]
