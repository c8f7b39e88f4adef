"""`add_routes`: serve a runnable under a path with LangServe's routes.

    POST {path}/invoke  /batch  /stream  /stream_log  /stream_events
    GET  {path}/input_schema  /output_schema  /config_schema
    + {path}/playground/ (`_playground`), {path}/v1/... (`_openai`), {path}/vercel/... (`_vercel`)

Every route but the playground's static files is built with `settings.endpoint`, which
checks the API key before anything else; then the body size and the config allow-list are
checked before anything runs. A failure before the first streamed event is an HTTP status
with a body in the endpoint's own error shape (LangServe's JSON here).
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Sequence
from typing import Any, TypeVar, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute, compile_path

from runnel.runnables import Runnable, RunnableConfig
from runnel.runnables._utils import aclosing
from runnel.server import _openai, _playground, _vercel
from runnel.server._disconnect import until_disconnect
from runnel.server._errors import ErrorTranslator
from runnel.server._settings import ConfigModifier, ServerSettings
from runnel.server._shutdown import Shutdown, lifespan_with_shutdown
from runnel.server._ui_input import InputAdapter
from runnel.server._ui_stream import SdkVersion
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
    input_adapter: InputAdapter | None = None,
    openai_model: str | None = None,
    vercel_sdk_version: SdkVersion = 5,
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
        input_adapter: How the chat endpoints (`openai`, `vercel`) turn a conversation
            (a list of messages) into the runnable's input; None = inferred from its input
            schema (see `runnel.server._ui_input`).
        openai_model: The model id the OpenAI endpoints answer as; None = the path without
            slashes, or the runnable's name at the root.
        vercel_sdk_version: The oldest AI SDK major the `useChat` front end may run: 5
            writes only what every ai 5.x accepts; 6 or 7 add `finish.finishReason`.

    Returns:
        The mount's settings (e.g. `settings.shutdown.trigger()` ends open streams).

    Raises:
        ValueError: a malformed path, an unknown endpoint name or config key, a
            `vercel_sdk_version` other than 5, 6 or 7 (with `vercel` enabled).
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
    if "playground" in enabled:  # static files only: public, the data routes are guarded
        routes.extend(_playground.routes(runnable, settings))
    if "openai" in enabled:
        routes.extend(
            _openai.routes(runnable, settings, model=openai_model, input_adapter=input_adapter)
        )
    if "vercel" in enabled:
        routes.extend(
            _vercel.routes(
                runnable, settings, input_adapter=input_adapter, sdk_version=vercel_sdk_version
            )
        )
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


# -- the LangServe routes -------------------------------------------------------------------


def core_routes(
    runnable: Runnable[Any, Any], settings: ServerSettings
) -> list[tuple[str, BaseRoute]]:
    """The LangServe routes, each with its endpoint name, paths relative to the mount."""
    handlers = _Handlers(runnable, settings)
    table = (
        ("invoke", "POST", handlers.invoke),
        ("batch", "POST", handlers.batch),
        ("stream", "POST", handlers.stream),
        ("stream_log", "POST", handlers.stream_log),
        ("stream_events", "POST", handlers.stream_events),
        ("input_schema", "GET", handlers.input_schema),
        ("output_schema", "GET", handlers.output_schema),
        ("config_schema", "GET", handlers.config_schema),
    )
    # settings.endpoint: the API key first, errors in LangServe's JSON shape
    return [
        (name, Route(f"/{name}", settings.endpoint(handler), methods=[method]))
        for name, method, handler in table
    ]


class _Handlers:
    def __init__(self, runnable: Runnable[Any, Any], settings: ServerSettings) -> None:
        self.runnable = runnable
        self.settings = settings

    async def _prepare(
        self, request: Request, endpoint: str
    ) -> tuple[Any, RunnableConfig, dict[str, Any]]:
        settings = self.settings
        body = parse_run(await settings.read_json(request))
        config = await settings.build_config(request, body.config, endpoint=endpoint)
        value = settings.check_input(self.runnable, config, body.input)
        options: dict[str, Any] = dict(body.filters)
        if endpoint == "stream_events":
            options["version"] = settings.event_version(body.version)
        return value, config, options

    async def invoke(self, request: Request) -> Response:
        value, config, _ = await self._prepare(request, "invoke")
        output = await until_disconnect(request, self.runnable.ainvoke(value, config))
        run_id = config.get("run_id")
        return _json({"output": output, "metadata": {"run_id": str(run_id), "feedback_tokens": []}})

    async def batch(self, request: Request) -> Response:
        settings = self.settings
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
            await until_disconnect(request, self.runnable.abatch(inputs, configs)) if inputs else []
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

    async def stream_log(self, request: Request) -> Response:
        value, config, filters = await self._prepare(request, "stream_log")

        async def frames() -> AsyncIterator[bytes]:
            patches = self.runnable.astream_log(value, config, diff=True, **filters)
            async with aclosing(_agen(patches)) as patches:
                async for patch in patches:
                    yield data_frame({"ops": [_strip_op(op) for op in patch.ops]})
            yield END

        return self._event_stream(frames())

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

    async def input_schema(self, request: Request) -> Response:
        return JSONResponse(self.runnable.get_input_jsonschema())

    async def output_schema(self, request: Request) -> Response:
        return JSONResponse(self.runnable.get_output_jsonschema())

    async def config_schema(self, request: Request) -> Response:
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
