"""Tests for runnel.runnables._branch: the first branch whose condition holds runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runnel.runnables import RunnableBranch, RunnableGenerator, RunnableLambda

from .conftest import Path, Recorder

pytestmark = pytest.mark.anyio


def chars(chunks: Iterator[str]) -> Iterator[str]:
    for chunk in chunks:
        yield from chunk


def make_branch() -> RunnableBranch:
    return RunnableBranch(
        (lambda x: x.startswith("a"), RunnableLambda(lambda x: "first:" + x)),
        (lambda x: x.startswith(("a", "b")), lambda x: "second:" + x),
        RunnableGenerator(chars),
    )


async def test_the_first_matching_branch_runs(path: Path) -> None:
    branch = make_branch()
    assert await path.invoke(branch, "apple") == "first:apple"
    assert await path.invoke(branch, "banana") == "second:banana"
    assert await path.invoke(branch, "cherry") == "cherry"


async def test_streams_the_chosen_branch(path: Path) -> None:
    assert await path.stream(make_branch(), "cab") == ["c", "a", "b"]
    assert await path.stream(make_branch(), "bc") == ["second:bc"]


async def test_conditions_are_not_evaluated_past_the_first_match(path: Path) -> None:
    evaluated: list[str] = []

    def cond(name: str, result: bool) -> RunnableLambda:
        return RunnableLambda(lambda x: evaluated.append(name) or result)

    branch = RunnableBranch(
        (cond("one", False), lambda x: 1),
        (cond("two", True), lambda x: 2),
        (cond("three", True), lambda x: 3),
        lambda x: 0,
    )
    assert await path.invoke(branch, None) == 2
    assert evaluated == ["one", "two"]


async def test_branch_runs_are_children_with_local_tags(path: Path, recorder: Recorder) -> None:
    branch = RunnableBranch(
        (RunnableLambda(lambda x: False, name="never"), RunnableLambda(str, name="no")),
        RunnableLambda(lambda x: x * 2, name="default"),
    )
    assert await path.invoke(branch, 2, {"callbacks": [recorder]}) == 4
    root = recorder.start("RunnableBranch")
    assert recorder.start("never").parent_run_id == root.run_id
    assert recorder.start("never").tags == ["condition:1"]
    assert recorder.start("default").parent_run_id == root.run_id
    assert recorder.start("default").tags == ["branch:default"]
    assert recorder.of("start", "no") == []


def test_construction_errors() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RunnableBranch(lambda x: x)
    with pytest.raises(TypeError, match="must be a \\(condition, runnable\\) pair, got str"):
        RunnableBranch("nope", lambda x: x)
