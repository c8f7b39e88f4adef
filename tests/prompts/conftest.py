"""Fixtures for the prompt tests: one test drives both the sync and the async path."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from runnel.runnables import Runnable


@pytest.fixture(params=["sync", "async"])
def collect_prompt(
    request: pytest.FixtureRequest,
) -> Callable[[Runnable[Any, Any], Any], Awaitable[list[Any]]]:
    """Stream one input through `stream` (sync) or `astream` (async)."""

    async def run(prompt: Runnable[Any, Any], value: Any) -> list[Any]:
        if request.param == "sync":
            return list(prompt.stream(value))
        return [chunk async for chunk in prompt.astream(value)]

    return run
