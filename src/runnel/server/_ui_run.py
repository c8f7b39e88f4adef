"""Running the served runnable for a chat endpoint: its events read as `Part` values."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Awaitable
from typing import Any, TypeVar, cast

import anyio
from starlette.requests import Request

from runnel.runnables import Runnable, RunnableConfig
from runnel.runnables._utils import aclosing
from runnel.server._ui_parts import Part, PartReader

__all__ = [
    "ClientGone",
    "arun_parts",
    "declared_options",
    "run_id_of",
    "until_disconnect",
    "with_configurable",
]

T = TypeVar("T")


async def arun_parts(
    runnable: Runnable[Any, Any], value: Any, config: RunnableConfig
) -> AsyncGenerator[list[Part], None]:
    """Run `runnable` on `value` and yield the parts of its events, as they come.

    Leaving early (or a cancellation) stops the run and closes its streams.

    Raises:
        Exception: whatever the run raised, after the parts produced before it.
    """
    reader = PartReader()
    events = cast(
        AsyncGenerator[dict[str, Any], None],
        runnable.astream_events(value, config, version="v2"),
    )
    async with aclosing(events):
        async for event in events:
            parts = reader.feed(event)
            if parts:
                yield parts


def declared_options(runnable: Runnable[Any, Any], names: tuple[str, ...]) -> frozenset[str]:
    """Which of `names` the runnable declares as configurable fields (by spec id)."""
    ids = {getattr(spec, "id", None) for spec in runnable.config_specs}
    return frozenset(name for name in names if name in ids)


def with_configurable(config: RunnableConfig, values: dict[str, Any]) -> RunnableConfig:
    """`config` with `values` set in its `configurable` (client values win)."""
    if not values:
        return config
    out = dict(config)
    out["configurable"] = {**values, **(config.get("configurable") or {})}
    return out  # type: ignore[return-value]


def run_id_of(config: RunnableConfig) -> str:
    """The run id the server chose for this request (as a string)."""
    run_id = config.get("run_id")
    return str(run_id) if isinstance(run_id, uuid.UUID) else str(uuid.uuid4())


class ClientGone(Exception):
    """The client disconnected before its answer was ready."""


async def until_disconnect(request: Request, work: Awaitable[T]) -> T:
    """Await `work`, cancelling it at once if the client disconnects first.

    Raises:
        ClientGone: the client went away (the work was cancelled).
        Exception: whatever `work` raised.
    """
    result: list[T] = []
    failure: list[Exception] = []

    async def run(scope: anyio.CancelScope) -> None:
        try:
            result.append(await work)
        except Exception as exc:  # raised below, not wrapped in an exception group
            failure.append(exc)
        scope.cancel()

    async def watch(scope: anyio.CancelScope) -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        scope.cancel()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(run, tasks.cancel_scope)
        tasks.start_soon(watch, tasks.cancel_scope)
    if failure:
        raise failure[0]
    if not result:
        raise ClientGone
    return result[0]
