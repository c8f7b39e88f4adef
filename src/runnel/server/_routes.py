"""`add_routes`: serve a runnable under a path with LangServe's routes.

    POST {path}/invoke  /batch  /stream  /stream_log  /stream_events
    GET  {path}/input_schema  /output_schema  /config_schema
    + {path}/playground/, {path}/v1/... (OpenAI), {path}/vercel... when those modules exist

Every route checks the API key, the body size and the config allow-list before it runs
anything; a failure before the first streamed event is an HTTP status with a JSON body.
"""

from __future__ import annotations

import copy
import importlib
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar, cast

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from runnel.runnables import Runnable, RunnableConfig
from runnel.runnables._utils import aclosing
from runnel.server._errors import ErrorTranslator, HTTPProblem
from runnel.server._settings import ConfigModifier, ServerSettings
from runnel.server._shutdown import Shutdown, lifespan_with_shutdown
from runnel.server._wire import (
    END,
    SHUTDOWN_INFO,
    data_frame,
    dumpb,
    error_frame,
    metadata_frame,
    parse_batch,
    parse_run,
    strip_internal,
)

__all__ = ["ENDPOINTS", "add_routes"]

logger = logging.getLogger("runnel.server")

ENDPOINTS = (
    "invoke",
    "batch",
    "stream",
    "stream_log",
    "stream_events",
    "input_schema",
    "output_schema",
    "config_schema",
    "playground",
    "openai",
    "vercel",
)
"""Names accepted by `enabled_endpoints` / `disabled_endpoints`."""

# Route groups written in their own modules: `routes(runnable, settings) -> list[BaseRoute]`.
_EXTENSIONS = {
    "playground": "runnel.server._playground",
    "openai": "runnel.server._openai",
    "vercel": "runnel.server._vercel",
}
# Extension routes that serve static files only: public even when API keys are set (the
# data they show comes from the guarded core routes).
_PUBLIC_EXTENSIONS = frozenset({"playground"})

T = TypeVar("T")


def add_routes(
    app: Any,
    runnable: Runnable[Any, Any],
    path: str = "",
    *,
    config_keys: Sequence[str] = ("configurable",),
    per_req_config_modifier: ConfigModifier | None = None,
    enabled_endpoints: Sequence[str] | None = None,
    disabled_endpoints: Sequence[str] | None = None,
    api_keys: Iterable[str] | str | None = None,
    max_body_bytes: int = 1024 * 1024,
    heartbeat: float = 15.0,
    send_timeout: float | None = 30.0,
    mask_errors: bool = True,
    error_translator: ErrorTranslator | None = None,
    event_versions: Sequence[str] = ("v2", "v1"),
    validate_input: bool = True,
    shutdown: Shutdown | None = None,
) -> ServerSettings:
    """Serve `runnable` on a Starlette (or FastAPI) app under `path`.

    Args:
        app: A `starlette.applications.Starlette` or `fastapi.FastAPI` (anything with a
            `router` whose `routes` list can grow).
        runnable: What to serve.
        path: Mount path, `""` or starting with `/`; also the runs' `run_name`.
        config_keys: Config keys clients may set (`configurable`, `tags`, `metadata`,
            `recursion_limit`, `max_concurrency`, `run_id`), applied after
            `per_req_config_modifier` on every endpoint.
        per_req_config_modifier: `(config, request) -> config`, sync or async.
        enabled_endpoints: Only these (see `ENDPOINTS`); None = all available.
        disabled_endpoints: All but these.
        api_keys: Keys accepted as `Authorization: Bearer <key>` or `X-API-Key: <key>` on
            every route; None or empty = no authentication.
        max_body_bytes: Largest request body (413 beyond).
        heartbeat: Idle seconds before a `: ping` comment on a stream (0 = none).
        send_timeout: Seconds a write to a client may take before the stream is dropped.
        mask_errors: Hide error messages from clients (status phrase instead).
        error_translator: `exc -> ErrorInfo | None` to choose status and message.
        event_versions: `astream_events` versions a client may ask for; first = default.
        validate_input: Check inputs against the runnable's input schema (422 if wrong).
        shutdown: Share one shutdown signal between mounts (default: one per app).

    Returns:
        The mount's settings (e.g. `settings.shutdown.trigger()` ends open streams).

    Raises:
        ValueError: a malformed path, an unknown endpoint name or config key.
    """
    if path and (not path.startswith("/") or path.endswith("/")):
        raise ValueError(f"path must be '' or start with '/' and not end with it, got {path!r}")
    enabled = _enabled(enabled_endpoints, disabled_endpoints)
    if isinstance(api_keys, str):
        api_keys = [api_keys]
    settings = ServerSettings(
        path=path,
        config_keys=tuple(config_keys),
        per_req_config_modifier=per_req_config_modifier,
        api_keys=frozenset(k for k in (api_keys or ()) if k),
        max_body_bytes=max_body_bytes,
        heartbeat=heartbeat,
        send_timeout=send_timeout,
        mask_errors=mask_errors,
        error_translator=error_translator,
        event_versions=tuple(event_versions),
        validate_input=validate_input,
        shutdown=shutdown if shutdown is not None else _app_shutdown(app),
    )
    routes = [r for name, r in core_routes(runnable, settings) if name in enabled]
    for name, module_name in _EXTENSIONS.items():
        if name not in enabled:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        extra: list[BaseRoute] = module.routes(runnable, settings)
        if settings.api_keys and name not in _PUBLIC_EXTENSIONS:
            extra = [_guarded(route, settings) for route in extra]
        routes.extend(extra)
    app.router.routes.extend(_prefixed(route, path) for route in routes)
    return settings


def _enabled(enabled: Sequence[str] | None, disabled: Sequence[str] | None) -> frozenset[str]:
    for names in (enabled or (), disabled or ()):
        unknown = [n for n in names if n not in ENDPOINTS]
        if unknown:
            raise ValueError(
                f"unknown endpoint name(s) {', '.join(map(repr, unknown))}; "
                f"choose from {', '.join(ENDPOINTS)}"
            )
    chosen = frozenset(ENDPOINTS if enabled is None else enabled)
    return chosen - frozenset(disabled or ())


def _app_shutdown(app: Any) -> Shutdown:
    """The app's shutdown signal, created (and hooked to its lifespan) on first use."""
    state = app.state
    shutdown = getattr(state, "runnel_shutdown", None)
    if isinstance(shutdown, Shutdown):
        return shutdown
    shutdown = Shutdown()
    state.runnel_shutdown = shutdown
    router = app.router
    router.lifespan_context = lifespan_with_shutdown(router.lifespan_context, shutdown)
    return shutdown


# -- route plumbing ----------------------------------------------------------------------


def _prefixed(route: BaseRoute, prefix: str) -> BaseRoute:
    if not prefix:
        return route
    route = copy.copy(route)
    if isinstance(route, Mount):
        route.path = prefix + route.path
        route.path_regex, route.path_format, route.param_convertors = compile_path(
            route.path + "/{path:path}"
        )
    elif isinstance(route, (Route, WebSocketRoute)):
        route.path = prefix + route.path
        route.path_regex, route.path_format, route.param_convertors = compile_path(route.path)
    else:
        raise TypeError(f"cannot mount a {type(route).__name__} under {prefix!r}")
    return route


class _Guard:
    """ASGI wrapper answering 401 unless the request carries an accepted API key."""

    def __init__(self, app: ASGIApp, settings: ServerSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                await self.settings.authorize(Request(scope, receive))
            except HTTPProblem as problem:
                await self.settings.error_response(problem)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _guarded(route: BaseRoute, settings: ServerSettings) -> BaseRoute:
    if not isinstance(route, (Route, Mount)):
        return route
    route = copy.copy(route)
    route.app = _Guard(route.app, settings)
    return route


async def _until_disconnect(request: Request, work: Awaitable[T]) -> T:
    """Await `work`, cancelling it if the client disconnects first.

    Raises:
        anyio.get_cancelled_exc_class(): the client went away (nobody is left to answer).
    """
    result: list[T] = []
    errors: list[Exception] = []

    async def run(scope: anyio.CancelScope) -> None:
        try:
            result.append(await work)
        except Exception as exc:
            errors.append(exc)
        scope.cancel()

    async def watch(scope: anyio.CancelScope) -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        scope.cancel()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(run, tasks.cancel_scope)
        tasks.start_soon(watch, tasks.cancel_scope)
    if errors:
        raise errors[0]
    if not result:
        raise _ClientGone
    return result[0]


class _ClientGone(Exception):
    """The client disconnected before the answer was ready."""


# -- the LangServe routes -------------------------------------------------------------------


def core_routes(
    runnable: Runnable[Any, Any], settings: ServerSettings
) -> list[tuple[str, BaseRoute]]:
    """The LangServe routes, each with its endpoint name, paths relative to the mount."""
    handlers = _Handlers(runnable, settings)
    return [
        ("invoke", Route("/invoke", handlers.invoke, methods=["POST"])),
        ("batch", Route("/batch", handlers.batch, methods=["POST"])),
        ("stream", Route("/stream", handlers.stream, methods=["POST"])),
        ("stream_log", Route("/stream_log", handlers.stream_log, methods=["POST"])),
        ("stream_events", Route("/stream_events", handlers.stream_events, methods=["POST"])),
        ("input_schema", Route("/input_schema", handlers.input_schema, methods=["GET"])),
        ("output_schema", Route("/output_schema", handlers.output_schema, methods=["GET"])),
        ("config_schema", Route("/config_schema", handlers.config_schema, methods=["GET"])),
    ]


def _answering(handler: Callable[[_Handlers, Request], Awaitable[Response]]) -> Any:
    """Turn any exception a handler raises into the JSON error response."""

    async def wrapped(self: _Handlers, request: Request) -> Response:
        try:
            return await handler(self, request)
        except (_ClientGone, ClientDisconnect):
            return Response(status_code=499)  # nobody reads it; uvicorn drops it
        except Exception as exc:
            if not isinstance(exc, HTTPProblem):
                logger.exception("%s %s failed", request.method, request.url.path)
            return self.settings.error_response(exc)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


class _Handlers:
    def __init__(self, runnable: Runnable[Any, Any], settings: ServerSettings) -> None:
        self.runnable = runnable
        self.settings = settings

    async def _prepare(
        self, request: Request, endpoint: str
    ) -> tuple[Any, RunnableConfig, dict[str, Any]]:
        settings = self.settings
        await settings.authorize(request)
        body = parse_run(await settings.read_json(request))
        config = await settings.build_config(request, body.config, endpoint=endpoint)
        value = settings.check_input(self.runnable, config, body.input)
        options: dict[str, Any] = dict(body.filters)
        if endpoint == "stream_events":
            options["version"] = settings.event_version(body.version)
        return value, config, options

    @_answering
    async def invoke(self, request: Request) -> Response:
        value, config, _ = await self._prepare(request, "invoke")
        output = await _until_disconnect(request, self.runnable.ainvoke(value, config))
        run_id = config.get("run_id")
        return _json({"output": output, "metadata": {"run_id": str(run_id), "feedback_tokens": []}})

    @_answering
    async def batch(self, request: Request) -> Response:
        settings = self.settings
        await settings.authorize(request)
        body = parse_batch(await settings.read_json(request))
        shared = not body.configs or all(c is body.configs[0] for c in body.configs)
        configs: list[RunnableConfig] = []
        inputs: list[Any] = []
        for index, (raw_input, raw_config) in enumerate(
            zip(body.inputs, body.configs, strict=True)
        ):
            if shared and index and isinstance(raw_config, dict) and "run_id" in raw_config:
                raw_config = {k: v for k, v in raw_config.items() if k != "run_id"}
            config = await settings.build_config(request, raw_config, endpoint="batch")
            inputs.append(settings.check_input(self.runnable, config, raw_input))
            configs.append(config)
        outputs = (
            await _until_disconnect(request, self.runnable.abatch(inputs, configs))
            if inputs
            else []
        )
        run_ids = [str(c.get("run_id")) for c in configs]
        return _json(
            {
                "output": outputs,
                "metadata": {
                    "responses": [{"run_id": r, "feedback_tokens": []} for r in run_ids],
                    "run_ids": run_ids,
                },
            }
        )

    @_answering
    async def stream(self, request: Request) -> Response:
        value, config, _ = await self._prepare(request, "stream")
        run_id = cast(uuid.UUID, config.get("run_id"))

        async def frames() -> AsyncIterator[bytes]:
            first = True
            async with aclosing(_agen(self.runnable.astream(value, config))) as chunks:
                async for chunk in chunks:
                    if first:
                        first = False
                        yield metadata_frame(run_id) + data_frame(chunk)
                    else:
                        yield data_frame(chunk)
            yield END

        return self._event_stream(frames())

    @_answering
    async def stream_log(self, request: Request) -> Response:
        value, config, filters = await self._prepare(request, "stream_log")

        async def frames() -> AsyncIterator[bytes]:
            patches = self.runnable.astream_log(value, config, diff=True, **filters)
            async with aclosing(_agen(patches)) as patches:
                async for patch in patches:
                    yield data_frame({"ops": [_strip_op(op) for op in patch.ops]})
            yield END

        return self._event_stream(frames())

    @_answering
    async def stream_events(self, request: Request) -> Response:
        value, config, options = await self._prepare(request, "stream_events")

        async def frames() -> AsyncIterator[bytes]:
            events = self.runnable.astream_events(value, config, **options)
            async with aclosing(_agen(events)) as events:
                async for event in events:
                    metadata = event.get("metadata")
                    if metadata:
                        event = {**event, "metadata": strip_internal(metadata)}
                    yield data_frame(event)
            yield END

        return self._event_stream(frames())

    def _event_stream(self, frames: AsyncIterator[bytes]) -> Response:
        return self.settings.event_stream(
            frames, on_error=error_frame, on_shutdown=error_frame(SHUTDOWN_INFO)
        )

    @_answering
    async def input_schema(self, request: Request) -> Response:
        await self.settings.authorize(request)
        return JSONResponse(self.runnable.get_input_jsonschema())

    @_answering
    async def output_schema(self, request: Request) -> Response:
        await self.settings.authorize(request)
        return JSONResponse(self.runnable.get_output_jsonschema())

    @_answering
    async def config_schema(self, request: Request) -> Response:
        await self.settings.authorize(request)
        keys = [k for k in self.settings.config_keys if k != "run_id"]
        return JSONResponse(self.runnable.get_config_jsonschema(include=keys))


def _strip_op(op: dict[str, Any]) -> dict[str, Any]:
    value = op.get("value")
    if isinstance(value, dict) and isinstance(value.get("metadata"), dict):
        return {**op, "value": {**value, "metadata": strip_internal(value["metadata"])}}
    return op


def _json(content: Any) -> Response:
    return Response(dumpb(content), media_type="application/json")


def _agen(iterator: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    return cast(AsyncGenerator[T, None], iterator)
