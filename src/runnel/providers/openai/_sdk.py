"""The official `openai` SDK: its clients, and the raw lines of its streamed responses.

Requests go through the SDK (authentication, URLs, Azure deployments, error types); the
body of a streamed response is read as raw SSE lines (``response.iter_lines()``) rather
than through the SDK's typed stream, which stops silently at ``[DONE]`` *and* at a
connection that ends early: runnel must tell the two apart. The SDK's own retries are off
(``max_retries=0``): runnel retries, once, in `ProviderChatModel`.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import AsyncIterator, Hashable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from runnel.providers._keys import import_sdk
from runnel.providers._loops import LoopLocal
from runnel.providers._tls import ssl_context

openai = import_sdk("openai", extra="openai")

__all__ = [
    "acomplete",
    "aopen_lines",
    "base_url_from",
    "client_classes",
    "client_options",
    "complete",
    "open_lines",
    "openai",
    "sdk_arguments",
    "shared_client",
]

_REQUIRED = ("model", "stream")


def sdk_arguments(body: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    """The SDK ``create`` arguments that send `body` as the request's JSON.

    The fields the SDK requires are passed by name; the rest go as ``extra_body``, already
    in wire format, so fields the SDK does not know (a provider's own) are sent as well.
    """
    arguments = {name: body[name] for name in (*required, *_REQUIRED) if name in body}
    rest = {k: v for k, v in body.items() if k not in arguments}
    if rest:
        arguments["extra_body"] = rest
    return arguments


@contextmanager
def open_lines(resource: Any, arguments: dict[str, Any]) -> Iterator[Iterator[str]]:
    """The lines of a streamed response; leaving the block closes the connection."""
    with resource.with_streaming_response.create(**arguments) as response:
        yield response.iter_lines()


@asynccontextmanager
async def aopen_lines(
    resource: Any, arguments: dict[str, Any]
) -> AsyncIterator[AsyncIterator[str]]:
    """Async twin of `open_lines`."""
    async with resource.with_streaming_response.create(**arguments) as response:
        yield response.iter_lines()


def complete(resource: Any, arguments: dict[str, Any]) -> Any:
    """The JSON body of a whole (non-streamed) response."""
    with resource.with_streaming_response.create(**arguments) as response:
        return response.json()


async def acomplete(resource: Any, arguments: dict[str, Any]) -> Any:
    """Async twin of `complete`."""
    async with resource.with_streaming_response.create(**arguments) as response:
        return await response.json()


def client_options(settings: Any, base_url: str | None) -> dict[str, Any]:
    """The SDK client's settings for a model (`ProviderSettings` plus the optional
    ``organization``, ``default_headers``, ``default_query``); the SDK's own retries are
    off, since runnel retries, once."""
    options: dict[str, Any] = {"api_key": settings._secret(), "max_retries": 0}
    if base_url:
        options["base_url"] = base_url
    for name in ("timeout", "organization"):
        if (value := getattr(settings, name, None)) is not None:
            options[name] = value
    for name in ("default_headers", "default_query"):
        if value := getattr(settings, name, None):
            options[name] = dict(value)
    return options


def base_url_from(given: str | None, variable: str | None, default: str | None) -> str | None:
    """The base URL given, else the one in environment variable `variable`, else `default`."""
    if given:
        return given
    if variable and (found := os.environ.get(variable)):
        return found
    return default


def shared_client(cls: Any, options: dict[str, Any]) -> Any:
    """The SDK client of class `cls` with `options`, shared by every model that asks for the
    same ones (its connection pool too).

    Clients are shared rather than owned by a model: an SDK client is freed only by the
    garbage collector (it holds reference cycles), which cannot close an async client's
    connections properly. So sync clients live as long as the process; async clients live
    as long as their event loop (their pooled connections belong to it) and are closed
    when it shuts down: ``asyncio.run`` and ``asyncio.Runner`` first close the loop's
    async generators, and one parked on its first ``yield`` closes the loop's clients.
    """
    key = (cls, _freeze(options))
    if not issubclass(cls, openai.AsyncOpenAI):
        with _LOCK:
            client = _SYNC.get(key)
            if client is None:
                client = _SYNC[key] = _new(cls, options, openai.DefaultHttpxClient)
        return client
    clients = _ASYNC.get()
    if clients is None:  # another async library: not shared
        return _new(cls, options, openai.DefaultAsyncHttpxClient)
    client = clients.get(key)
    if client is None:
        client = clients[key] = _new(cls, options, openai.DefaultAsyncHttpxClient)
    return client


def _new(cls: Any, options: dict[str, Any], http_client: Any) -> Any:
    """A client whose HTTP client shares one SSL context (making one takes ~100 ms)."""
    for name in ("httpx2", "httpx"):  # the SDK's HTTP library (httpx before openai 3)
        http = sys.modules.get(name)
        if hasattr(http, "create_ssl_context"):
            return cls(**options, http_client=http_client(verify=ssl_context(http)))
    return cls(**options)


_LOCK = threading.Lock()
_SYNC: dict[Hashable, Any] = {}


@atexit.register
def _close_sync_clients() -> None:
    """Close the pooled connections of the sync clients (quietly, at exit)."""
    with _LOCK:
        clients = list(_SYNC.values())
        _SYNC.clear()
    for client in clients:
        client.close()


def _freeze(value: Any) -> Hashable:
    if isinstance(value, dict):
        return tuple(sorted((key, _freeze(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    return value  # type: ignore[no-any-return]


async def _close_all(clients: dict[Hashable, Any]) -> None:
    """Close an event loop's clients (when it shuts down)."""
    for client in list(clients.values()):
        await client.close()
    clients.clear()


_ASYNC: LoopLocal[dict[Hashable, Any]] = LoopLocal(dict, _close_all)


def client_classes(is_async: bool) -> tuple[Any, Any]:
    """The SDK's (OpenAI, AzureOpenAI) client classes, async or not."""
    if is_async:
        return openai.AsyncOpenAI, openai.AsyncAzureOpenAI
    return openai.OpenAI, openai.AzureOpenAI
