"""`RemoteRunnable`: a runnable served by `runnel serve` / `add_routes` (or LangServe).

    remote = RemoteRunnable("http://127.0.0.1:8000/chain", headers={"X-API-Key": key})
    chain = prompt | remote | StrOutputParser()      # composes with local steps
    async for token in remote.astream({"topic": "cats"}): ...

It speaks LangServe's wire: `POST {url}/invoke|batch|stream|stream_log|stream_events`.
Failures are typed (`runnel.client.RemoteError` and its subclasses).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

import httpx

from runnel._core.json_patch import apply_patch
from runnel.client._errors import RemoteError, RemoteTimeout, RemoteUnavailable
from runnel.client._sse import SSEDecoder
from runnel.client._wire import EventReader, config_for_server, error_from_response, revive
from runnel.runnables import Runnable, RunnableConfig, ensure_config, get_config_list
from runnel.tracers import RunLog, RunLogPatch, to_jsonable

__all__ = ["DEFAULT_TIMEOUT", "RemoteRunnable"]

DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
"""Connect within 10 s; then at most 120 s between bytes (servers ping idle streams)."""

_SSE_HEADERS = {"Accept": "text/event-stream", "Cache-Control": "no-store"}


@contextlib.contextmanager
def _transport_errors(url: str) -> Iterator[None]:
    try:
        yield
    except httpx.TimeoutException as exc:
        raise RemoteTimeout(f"{url}: timed out ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise RemoteUnavailable(f"{url}: {type(exc).__name__}: {exc}") from exc


def _crashed(response: httpx.Response) -> bool:
    """A plain-text 5xx: the server's app raised (LangServe does on any failure), and
    uvicorn drops that connection without saying so. Reusing it would fail the next
    request, so the caller starts afresh."""
    return response.status_code >= 500 and response.headers.get("content-type", "").startswith(
        "text/plain"
    )


def _no_kwargs(kwargs: Mapping[str, Any]) -> None:
    if kwargs:
        raise NotImplementedError(
            f"RemoteRunnable cannot send keyword arguments ({', '.join(kwargs)}): "
            "put them in the input or the config's configurable"
        )


class RemoteRunnable(Runnable[Any, Any]):
    """A runnable whose work happens on a server speaking LangServe's routes.

    Args:
        url: The mount's base URL (`http://host:port/chain`).
        headers: Sent with every request (e.g. `{"Authorization": "Bearer <key>"}`).
        timeout: An httpx timeout (seconds or `httpx.Timeout`); None waits forever.
        auth: Any httpx auth.
        verify: TLS verification, as in httpx.
        client_kwargs: More keyword arguments for the httpx clients.
        name: This runnable's name in runs and events.
    """

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        auth: httpx.Auth | tuple[str, str] | None = None,
        verify: bool = True,
        client_kwargs: Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.name = name
        self._options: dict[str, Any] = {
            "headers": dict(headers or {}),
            "timeout": timeout,
            "auth": auth,
            "verify": verify,
            **(client_kwargs or {}),
        }
        self._sync_client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._async_clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, httpx.AsyncClient
        ] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"RemoteRunnable({self.url!r})"

    # -- clients ------------------------------------------------------------------------
    def _client(self) -> httpx.Client:
        with self._lock:  # batch calls this from several threads at once
            if self._sync_client is None:
                self._sync_client = httpx.Client(**self._options)
            return self._sync_client

    def _aclient(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            client = httpx.AsyncClient(**self._options)
            self._async_clients[loop] = client
        return client

    def close(self) -> None:
        """Close the sync HTTP client (its connections)."""
        with self._lock:
            client, self._sync_client = self._sync_client, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close the HTTP clients: the sync one and the current event loop's async one."""
        self.close()
        client = self._async_clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    def __enter__(self) -> RemoteRunnable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> RemoteRunnable:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- requests -------------------------------------------------------------------------
    def _endpoint(self, name: str) -> str:
        return f"{self.url}/{name}"

    @staticmethod
    def _body(input: Any, config: RunnableConfig | None, **extra: Any) -> dict[str, Any]:
        return {
            "input": to_jsonable(input),
            "config": config_for_server(config),
            "kwargs": {},
            **extra,
        }

    @staticmethod
    def _decode(response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise error_from_response(response.status_code, response.text)
        body = response.json()
        if not isinstance(body, dict) or "output" not in body:
            raise RemoteError(f"{response.url}: answer without 'output'", body=body)
        return revive(body["output"])

    def _post(self, endpoint: str, body: dict[str, Any]) -> Any:
        url = self._endpoint(endpoint)
        with _transport_errors(url):
            response = self._client().post(url, json=body)
        if _crashed(response):
            self.close()
        return self._decode(response)

    async def _apost(self, endpoint: str, body: dict[str, Any]) -> Any:
        url = self._endpoint(endpoint)
        with _transport_errors(url):
            response = await self._aclient().post(url, json=body)
        if _crashed(response):
            await self.aclose()
        return self._decode(response)

    def _events(self, endpoint: str, body: dict[str, Any], addable: bool) -> Iterator[Any]:
        url = self._endpoint(endpoint)
        reader, decoder = EventReader(url, addable=addable), SSEDecoder()
        with (
            _transport_errors(url),
            self._client().stream("POST", url, json=body, headers=_SSE_HEADERS) as response,
        ):
            if response.status_code >= 400:
                raise error_from_response(response.status_code, response.read().decode())
            for line in response.iter_lines():
                event = decoder.feed(line)
                if event is not None:
                    yield from reader.feed(event)
                    if reader.done:
                        return
        reader.close()

    async def _aevents(
        self, endpoint: str, body: dict[str, Any], addable: bool
    ) -> AsyncIterator[Any]:
        url = self._endpoint(endpoint)
        reader, decoder = EventReader(url, addable=addable), SSEDecoder()
        client = self._aclient()
        with _transport_errors(url):
            async with client.stream("POST", url, json=body, headers=_SSE_HEADERS) as response:
                if response.status_code >= 400:
                    raise error_from_response(
                        response.status_code, (await response.aread()).decode()
                    )
                async for line in response.aiter_lines():
                    event = decoder.feed(line)
                    if event is not None:
                        for value in reader.feed(event):
                            yield value
                        if reader.done:
                            return
        reader.close()

    # -- runnable hooks --------------------------------------------------------------------
    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        _no_kwargs(kwargs)
        return self._post("invoke", self._body(input, config))

    async def _ainvoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Any:
        _no_kwargs(kwargs)
        return await self._apost("invoke", self._body(input, config))

    def _stream(self, input: Any, config: RunnableConfig, **kwargs: Any) -> Iterator[Any]:
        _no_kwargs(kwargs)
        return self._events("stream", self._body(input, config), addable=True)

    def _astream(self, input: Any, config: RunnableConfig, **kwargs: Any) -> AsyncIterator[Any]:
        _no_kwargs(kwargs)
        return self._aevents("stream", self._body(input, config), addable=True)

    # -- batch: one request for all inputs ------------------------------------------------
    def batch(
        self,
        inputs: Sequence[Any],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Run all inputs with one `/batch` request.

        With `return_exceptions` each input is sent on its own (`/invoke`), so one failure
        does not fail the others.
        """
        if return_exceptions:
            return list(super().batch(inputs, config, return_exceptions=True, **kwargs))
        _no_kwargs(kwargs)
        if not inputs:
            return []
        configs = [ensure_config(c) for c in get_config_list(config, len(inputs))]
        runs = [self._start(c, i, False, {}) for c, i in zip(configs, inputs, strict=True)]
        try:
            outputs = self._post("batch", self._batch_body(inputs, configs))
        except BaseException as exc:
            for run in runs:
                if run is not None:
                    run.fail(exc)
            raise
        for run, output in zip(runs, outputs, strict=False):
            if run is not None:
                run.end(output)
        return list(outputs)

    async def abatch(
        self,
        inputs: Sequence[Any],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Async twin of `batch`: one `/batch` request (per-input with `return_exceptions`)."""
        if return_exceptions:
            return await super().abatch(inputs, config, return_exceptions=True, **kwargs)
        _no_kwargs(kwargs)
        if not inputs:
            return []
        configs = [ensure_config(c) for c in get_config_list(config, len(inputs))]
        runs = [self._start(c, i, True, {}) for c, i in zip(configs, inputs, strict=True)]
        try:
            outputs = await self._apost("batch", self._batch_body(inputs, configs))
        except BaseException as exc:
            for run in runs:
                if run is not None:
                    run.fail(exc)
                    if run.pending:
                        await run.adrain()
            raise
        for run, output in zip(runs, outputs, strict=False):
            if run is not None:
                run.end(output)
                if run.pending:
                    await run.adrain()
        return list(outputs)

    @staticmethod
    def _batch_body(inputs: Sequence[Any], configs: list[RunnableConfig]) -> dict[str, Any]:
        sent = [config_for_server(c) for c in configs]
        shared = all(c == sent[0] for c in sent)
        return {
            "inputs": to_jsonable(list(inputs)),
            "config": sent[0] if shared else sent,
            "kwargs": {},
        }

    # -- the server's own event streams ----------------------------------------------------
    async def astream_events(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        *,
        version: str = "v2",
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[dict[str, Any]]:
        """Stream the server's events for this input: every step it runs, as dicts.

        `version` and the filters are sent to the server (a LangServe server uses its own
        version and ignores the field).
        """
        _no_kwargs(kwargs)
        body = self._body(
            input,
            ensure_config(config),
            version=version,
            **_filters(
                include_names,
                include_types,
                include_tags,
                exclude_names,
                exclude_types,
                exclude_tags,
            ),
        )
        async for event in self._aevents("stream_events", body, addable=False):
            yield event

    def stream_events(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        *,
        version: str = "v2",
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[dict[str, Any]]:
        """Sync twin of `astream_events`."""
        _no_kwargs(kwargs)
        body = self._body(
            input,
            ensure_config(config),
            version=version,
            **_filters(
                include_names,
                include_types,
                include_tags,
                exclude_names,
                exclude_types,
                exclude_tags,
            ),
        )
        return self._events("stream_events", body, addable=False)

    async def astream_log(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        *,
        diff: bool = True,
        with_streamed_output_list: bool = True,
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[RunLogPatch]:
        """Stream the server's run log as JSON-patch operations (`RunLog`s unless `diff`)."""
        _no_kwargs(kwargs)
        body = self._body(
            input,
            ensure_config(config),
            diff=True,
            **_filters(
                include_names,
                include_types,
                include_tags,
                exclude_names,
                exclude_types,
                exclude_tags,
            ),
        )
        log: RunLog | None = None
        async for data in self._aevents("stream_log", body, addable=False):
            patch = RunLogPatch(*data["ops"])
            if diff:
                yield patch
                continue
            log = (
                RunLog(*patch.ops, state=apply_patch(None, patch.ops))
                if log is None
                else log + patch
            )
            yield log


def _filters(*values: Sequence[str] | None) -> dict[str, list[str] | None]:
    names = (
        "include_names",
        "include_types",
        "include_tags",
        "exclude_names",
        "exclude_types",
        "exclude_tags",
    )
    return {n: list(v) if v is not None else None for n, v in zip(names, values, strict=True)}
