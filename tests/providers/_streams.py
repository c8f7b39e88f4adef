"""Helpers the provider tests share: run a runnable the sync or the async way."""

from __future__ import annotations

from typing import Any


async def collect(runnable: Any, input: Any, mode: str, **kwargs: Any) -> list[Any]:
    """What `runnable` streams, with `stream` (mode ``"sync"``) or `astream`."""
    if mode == "sync":
        return list(runnable.stream(input, **kwargs))
    return [chunk async for chunk in runnable.astream(input, **kwargs)]


async def stream_into(runnable: Any, mode: str, into: list[Any], input: Any = "hi") -> None:
    """Stream into `into`, so that what arrived before an error stays visible."""
    if mode == "sync":
        for chunk in runnable.stream(input):
            into.append(chunk)
    else:
        async for chunk in runnable.astream(input):
            into.append(chunk)


async def collect_with_error(
    runnable: Any, input: Any, mode: str
) -> tuple[list[Any], Exception | None]:
    """The chunks `runnable` streams, and the error that ended the stream if any."""
    chunks: list[Any] = []
    try:
        await stream_into(runnable, mode, chunks, input)
    except Exception as error:
        return chunks, error
    return chunks, None


async def call(runnable: Any, input: Any, mode: str, **kwargs: Any) -> Any:
    """`runnable.invoke` (mode ``"sync"``) or `ainvoke`."""
    if mode == "sync":
        return runnable.invoke(input, **kwargs)
    return await runnable.ainvoke(input, **kwargs)


def added(chunks: list[Any]) -> Any:
    """The chunks added up."""
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total
