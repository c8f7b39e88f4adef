"""The google-genai clients Gemini models share, and the HTTP connections under them.

Every model asks for its `genai.Client` at call time (so building a model never looks up
credentials) by its `ClientOptions`; equal options share one client. The clients are built
with runnel's settings: the base URL and API version, the timeout, SDK retries off (runnel
retries, honouring ``retry-after``), and HTTP clients of runnel's own, shared by all
models:

* one for sync calls, closed when the interpreter exits;
* one per event loop for async calls (a connection belongs to its loop), closed when that
  loop shuts down: ``asyncio.run`` and anyio close a loop's async generators on the way
  out, and one of them closes the pool.

So a model may be made per request and dropped: it owns no connection, and no socket is
ever left for the garbage collector. Each HTTP client records the responses it opens in
the current call's list (`recording`), so a call can close its own response at once.
"""

from __future__ import annotations

import atexit
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from runnel.providers._keys import import_sdk
from runnel.providers._loops import LoopLocal
from runnel.providers._tls import ssl_context

__all__ = ["ClientOptions", "async_client", "recording", "sync_client"]

_CACHED_CLIENTS = 32  # genai clients kept per scope (distinct keys, base URLs...)
_OPENED: ContextVar[list[Any] | None] = ContextVar("runnel_google_opened", default=None)
_lock = threading.Lock()


@dataclass(frozen=True)
class ClientOptions:
    """What a `genai.Client` is built from (secrets never appear in the repr)."""

    vertexai: bool
    api_key: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    credentials: Any = field(default=None, repr=False)
    project: str | None = None
    location: str | None = None
    base_url: str | None = None
    api_version: str | None = None
    timeout: float | None = None
    headers: tuple[tuple[str, str], ...] = ()


class _Scope:
    """The HTTP clients of one scope (sync, or one event loop) and the genai clients on them."""

    def __init__(self, http: Any, ahttp: Any) -> None:
        self.http = http
        self.ahttp = ahttp
        self.clients: OrderedDict[ClientOptions, Any] = OrderedDict()

    def client(self, options: ClientOptions) -> Any:
        try:
            hash(options)
        except TypeError:  # credentials that cannot be hashed: not shared
            return _build(options, self.http, self.ahttp)
        found = self.clients.get(options)
        if found is not None:
            self.clients.move_to_end(options)
            return found
        made = self.clients[options] = _build(options, self.http, self.ahttp)
        if len(self.clients) > _CACHED_CLIENTS:
            self.clients.popitem(last=False)
        return made

    async def aclose(self) -> None:
        self.http.close()
        await self.ahttp.aclose()


_sync: _Scope | None = None
_other: _Scope | None = None
_loops: LoopLocal[_Scope] = LoopLocal(lambda: _Scope(*_http_clients()), _Scope.aclose)


def sync_client(options: ClientOptions) -> Any:
    """The `genai.Client` for sync calls with `options`."""
    global _sync
    with _lock:
        if _sync is None:
            _sync = _Scope(*_http_clients())
            atexit.register(_sync.http.close)
        return _sync.client(options)


async def async_client(options: ClientOptions) -> Any:
    """The `genai.Client` for async calls with `options`, on the running event loop."""
    scope = _loops.get()  # the loop closes it (and the pool) when it shuts down
    if scope is None:  # another event loop (trio): one pool, left to the interpreter
        return _unmanaged(options)
    with _lock:
        return scope.client(options)


def _unmanaged(options: ClientOptions) -> Any:
    global _other
    with _lock:
        if _other is None:
            _other = _Scope(*_http_clients())
        return _other.client(options)


@contextmanager
def recording(opened: list[Any]) -> Iterator[None]:
    """Within the block, the responses the HTTP clients open are appended to `opened`."""
    token = _OPENED.set(opened)
    try:
        yield
    finally:
        _OPENED.reset(token)


def _record(response: Any) -> None:
    opened = _OPENED.get()
    if opened is not None:
        opened.append(response)


async def _arecord(response: Any) -> None:
    _record(response)


def _http_clients() -> tuple[Any, Any]:
    """A sync and an async HTTP client that google-genai accepts."""
    try:  # every google-genai takes httpx clients; 3.x also httpx2 ones (its default)
        http = import_sdk("httpx", extra="google")
    except ImportError:
        http = import_sdk("httpx2", extra="google")
    return (
        http.Client(verify=ssl_context(http), event_hooks={"response": [_record]}),
        http.AsyncClient(verify=ssl_context(http), event_hooks={"response": [_arecord]}),
    )


def _build(options: ClientOptions, http: Any, ahttp: Any) -> Any:
    genai = import_sdk("google.genai", extra="google")
    types = genai.types
    credentials = options.credentials
    if credentials is None and options.access_token is not None:
        oauth2 = import_sdk("google.oauth2.credentials", extra="google")
        credentials = oauth2.Credentials(token=options.access_token)
    timeout = options.timeout
    http_options = types.HttpOptions(
        base_url=options.base_url,
        api_version=options.api_version,
        headers=dict(options.headers) or None,
        timeout=None if timeout is None else max(1, round(timeout * 1000)),  # milliseconds
        retry_options=types.HttpRetryOptions(attempts=1),
        httpx_client=http,
        httpx_async_client=ahttp,
    )
    return genai.Client(
        vertexai=options.vertexai,
        api_key=options.api_key if credentials is None else None,
        credentials=credentials,
        project=options.project,
        location=options.location,
        http_options=http_options,
    )
