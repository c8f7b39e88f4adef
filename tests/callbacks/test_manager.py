"""Tests for runnel.callbacks.manager: run managers handed to implementations, merging."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from runnel._core.run import Listener, Run
from runnel.callbacks import (
    AsyncCallbackHandler,
    AsyncRunManager,
    BaseCallbackHandler,
    CallbackManager,
    CallbackManagerForChainRun,
    RunManager,
)
from runnel.callbacks.manager import merge_callbacks
from runnel.runnables import Runnable, RunnableConfig, RunnableLambda
from runnel.runnables._plumbing import current_run

pytestmark = pytest.mark.anyio


class Starts(BaseCallbackHandler):
    def __init__(self) -> None:
        self.starts: list[dict[str, Any]] = []
        self.tokens: list[tuple[Any, UUID]] = []

    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> None:
        self.starts.append(kwargs)

    def on_llm_new_token(self, token: Any, *, chunk: Any = None, **kwargs: Any) -> None:
        self.tokens.append((token, kwargs["run_id"]))


class AsyncTokens(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[Any] = []

    async def on_llm_new_token(self, token: Any, *, chunk: Any = None, **kwargs: Any) -> None:
        self.tokens.append(token)


class UsesManager(Runnable[Any, Any]):
    """Hands its run to a RunManager, as models and tools do, and records what it saw."""

    def __init__(self, forward_tokens: bool) -> None:
        self.forward_tokens = forward_tokens
        self.seen: dict[str, Any] = {}

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        manager = RunManager(current_run(config), config, forward_tokens=self.forward_tokens)
        self.seen = {
            "run_id": manager.run_id,
            "parent_run_id": manager.parent_run_id,
            "tags": manager.tags,
            "metadata": manager.metadata,
        }
        manager.on_llm_new_token("tok")
        manager.on_text("ignored")
        grandchild = RunnableLambda(lambda x: x, name="grandchild")
        child = RunnableLambda(lambda x: grandchild.invoke(x), name="child")
        return child.invoke(input, {"callbacks": manager.get_child("sub:1")})

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        manager = AsyncRunManager(current_run(config), config, forward_tokens=self.forward_tokens)
        await manager.on_llm_new_token("atok")
        await manager.on_text("ignored")
        return input


def test_langchain_names_are_the_run_manager() -> None:
    assert CallbackManagerForChainRun is RunManager


def test_run_manager_exposes_the_current_run_and_makes_child_callbacks() -> None:
    handler = Starts()
    runnable = UsesManager(forward_tokens=True)
    runnable.invoke(1, {"callbacks": [handler], "tags": ["T"], "metadata": {"m": 1}})
    root, child, grandchild = handler.starts
    assert runnable.seen == {
        "run_id": root["run_id"],
        "parent_run_id": None,
        "tags": ["T"],
        "metadata": {"m": 1},
    }
    assert child["parent_run_id"] == root["run_id"]
    # Called the LangChain way, with only `callbacks=run_manager.get_child()`, the
    # child and its own children still carry the run's tags and metadata.
    assert child["tags"] == ["sub:1", "T"]
    assert grandchild["parent_run_id"] == child["run_id"]
    assert grandchild["tags"] == ["T"]
    assert child["metadata"] == grandchild["metadata"] == {"m": 1}
    assert handler.tokens == [("tok", root["run_id"])]


def test_run_manager_does_not_forward_tokens_runnel_reports_itself() -> None:
    handler = Starts()
    UsesManager(forward_tokens=False).invoke(1, {"callbacks": [handler]})
    assert handler.tokens == []


def test_run_manager_without_listeners() -> None:
    runnable = UsesManager(forward_tokens=True)
    assert runnable.invoke(1, {"tags": ["T"]}) == 1
    assert runnable.seen == {"run_id": None, "parent_run_id": None, "tags": ["T"], "metadata": {}}


async def test_async_run_manager_awaits_async_token_handlers() -> None:
    handler = AsyncTokens()
    assert await UsesManager(forward_tokens=True).ainvoke(1, {"callbacks": [handler]}) == 1
    assert handler.tokens == ["atok"]


def test_merge_callbacks() -> None:
    a, b = Starts(), Starts()
    assert merge_callbacks(None, [a]) == [a]
    assert merge_callbacks([a], None) == [a]
    assert merge_callbacks([a], [b, a]) == [a, b]
    parent = Run(
        id=UUID(int=1),
        parent=None,
        name="p",
        run_type="chain",
        tags=[],
        metadata={},
        inputs=None,
        listeners=(),
        is_async=False,
    )
    manager = CallbackManager([a], parent_run=parent, tags=["t"])
    for merged in (merge_callbacks(manager, [b]), merge_callbacks([b], manager)):
        assert isinstance(merged, CallbackManager)
        assert merged.handlers == [a, b]
        assert merged.parent_run is parent and merged.parent_run_id == UUID(int=1)
        assert merged.tags == ["t"]
    assert manager.handlers == [a]  # not modified


def test_listeners_are_the_base_of_handlers() -> None:
    assert issubclass(BaseCallbackHandler, Listener)
