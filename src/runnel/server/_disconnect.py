"""Cancelling a non-streamed answer when its client goes away.

A streamed response watches for the disconnect itself (`EventStreamResponse`); a handler
that answers once (`/invoke`, `/batch`, a non-streamed chat completion) awaits its work
through `until_disconnect`, so a client that leaves cancels the run and its provider
request at once instead of letting them run on for nobody.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import anyio
from starlette.requests import Request

__all__ = ["ClientGone", "until_disconnect"]

T = TypeVar("T")


class ClientGone(Exception):
    """The client disconnected before its answer was ready."""


async def until_disconnect(request: Request, work: Awaitable[T]) -> T:
    """Await `work`, cancelling it at once if the client disconnects first.

    Raises:
        ClientGone: the client went away (the work was cancelled).
        Exception: whatever `work` raised (not wrapped in an exception group).
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
