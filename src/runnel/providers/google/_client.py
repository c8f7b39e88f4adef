"""Calls through google-genai: streams that close their HTTP response at once, and errors.

google-genai leaves a streamed response open when its iterator is abandoned. `open_stream`
and `aopen_stream` record the responses their call opens (see `_pool.recording`) and close
them when the consumer stops, so the connection goes away at once. SDK errors become
`ProviderError`s here, with the wait that Google's ``RetryInfo`` asks for.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio

from runnel.exceptions import ProviderError
from runnel.providers._errors import to_provider_error
from runnel.providers.google._pool import ClientOptions, async_client, recording, sync_client

__all__ = ["acomplete", "aopen_stream", "complete", "open_stream"]

_DELAY = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?)s\s*$")


@contextmanager
def open_stream(
    options: ClientOptions, request: dict[str, Any], provider: str
) -> Iterator[Iterator[Any]]:
    """google-genai's stream of responses for `request`; leaving closes its HTTP response."""
    client = sync_client(options)
    opened: list[Any] = []

    def events() -> Generator[Any, None, None]:
        stream = client.models.generate_content_stream(**request)
        try:
            while True:
                with recording(opened), _mapped(provider):
                    response = next(stream, None)
                if response is None:
                    return
                yield response
        finally:
            stream.close()

    iterator = events()
    try:
        yield iterator
    finally:
        for response in opened:
            response.close()
        iterator.close()


@asynccontextmanager
async def aopen_stream(
    options: ClientOptions, request: dict[str, Any], provider: str
) -> AsyncIterator[AsyncIterator[Any]]:
    """Async twin of `open_stream`."""
    client = await async_client(options)
    opened: list[Any] = []
    started: list[Any] = []

    async def events() -> AsyncGenerator[Any, None]:
        with recording(opened), _mapped(provider):
            stream = await client.aio.models.generate_content_stream(**request)
        started.append(stream)
        while True:
            with recording(opened), _mapped(provider):
                try:
                    response = await anext(stream)
                except StopAsyncIteration:
                    return
            yield response

    iterator = events()
    try:
        yield iterator
    finally:
        with anyio.CancelScope(shield=True):
            for response in opened:
                await response.aclose()
            await iterator.aclose()
            for stream in started:
                await stream.aclose()


def complete(options: ClientOptions, request: dict[str, Any], provider: str) -> Any:
    """google-genai's non-streamed response for `request`."""
    client = sync_client(options)
    with _mapped(provider):
        return client.models.generate_content(**request)


async def acomplete(options: ClientOptions, request: dict[str, Any], provider: str) -> Any:
    """Async twin of `complete`."""
    client = await async_client(options)
    with _mapped(provider):
        return await client.aio.models.generate_content(**request)


@contextmanager
def _mapped(provider: str) -> Iterator[None]:
    """SDK errors as `ProviderError`s, with the wait Google's ``RetryInfo`` asks for."""
    try:
        yield
    except ProviderError:
        raise
    except Exception as error:
        if type(error).__module__ != "google.genai.errors":
            raise
        converted = to_provider_error(error, provider)
        if converted.retry_after is None:
            converted.retry_after = _retry_delay(getattr(error, "details", None))
        raise converted from error


def _retry_delay(details: Any) -> float | None:
    """Seconds from a ``google.rpc.RetryInfo`` in an error body (``"retryDelay": "12s"``)."""
    if isinstance(details, list) and len(details) == 1:
        details = details[0]
    error = details.get("error") if isinstance(details, dict) else None
    items = error.get("details") if isinstance(error, dict) else None
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and str(item.get("@type", "")).endswith("google.rpc.RetryInfo"):
            found = _DELAY.match(str(item.get("retryDelay", "")))
            if found:
                return float(found.group(1))
    return None
