"""`ServerSettings`: one mount's options and the request helpers every route shares.

`add_routes` builds one `ServerSettings` per mount and hands it to each route module
(`routes(runnable, settings) -> list[BaseRoute]`). Every guarded route is built with
`settings.endpoint(handler, render_error=...)`, which checks the API key first and answers
any exception in the endpoint's own error shape; the handler then reads its request:

    body = await settings.read_json(request)       # 413 past max_body_bytes, 400 bad JSON
    config = await settings.build_config(request, body.get("config"), endpoint="invoke")
    value = settings.check_input(runnable, config, body["input"])   # 422 naming where

and streams with `settings.event_stream(frames, ..., render_error=...)`.
"""

from __future__ import annotations

import functools
import hmac
import inspect
import json
import logging
import threading
import uuid
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, RootModel, ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from runnel.runnables import RunnableConfig
from runnel.server._disconnect import ClientGone
from runnel.server._errors import ErrorInfo, ErrorTranslator, HTTPProblem, describe_error
from runnel.server._shutdown import Shutdown
from runnel.server._sse import EventStreamResponse

if TYPE_CHECKING:
    from runnel.runnables import Runnable

__all__ = [
    "CLIENT_CONFIG_KEYS",
    "ConfigModifier",
    "ErrorRenderer",
    "Handler",
    "ServerSettings",
    "json_error",
]

logger = logging.getLogger("runnel.server")

ConfigModifier = Callable[[dict[str, Any], Request], dict[str, Any] | Awaitable[dict[str, Any]]]
"""`per_req_config_modifier(config, request) -> config`, sync or async."""

Handler = Callable[[Request], Awaitable[Response]]
"""A Starlette request/response endpoint."""

ErrorRenderer = Callable[[ErrorInfo], Response]
"""Renders what a client is told about a failure in one endpoint's error shape."""


def json_error(info: ErrorInfo) -> Response:
    """LangServe's error answer: JSON `{"status_code", "message", "type"}` with the status."""
    return JSONResponse(info.to_json(), status_code=info.status_code)


CLIENT_CONFIG_KEYS = (
    "tags",
    "metadata",
    "run_name",
    "max_concurrency",
    "recursion_limit",
    "configurable",
    "run_id",
)
"""The config keys a client may send at all; anything else is answered with 422."""


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Options of one `add_routes` mount, with the helpers its routes share.

    Attributes:
        path: The mount path (`"/chain"`, or `""` at the root); also the runs' `run_name`.
        config_keys: Config keys clients may set; enforced after `per_req_config_modifier`.
        per_req_config_modifier: Called with the client's (allowed) config and the request.
        api_keys: Accepted keys (`Authorization: Bearer <key>` or `X-API-Key: <key>`);
            empty means no authentication.
        max_body_bytes: Largest accepted request body.
        heartbeat: Seconds of silence before a stream sends a `: ping` comment (0 = never).
            Also how long a stream response is held back waiting for its first event.
        send_timeout: Seconds one write to a client may take before the stream is dropped
            (None = wait forever).
        mask_errors: Replace error messages with the status phrase in responses.
        error_translator: Maps an exception to what the client sees (None = default).
        event_versions: `astream_events` versions clients may ask for; the first is the default.
        validate_input: Check inputs against the runnable's input schema before running.
        shutdown: Set when the server begins to shut down; open streams then end.
    """

    path: str = ""
    config_keys: tuple[str, ...] = ("configurable",)
    per_req_config_modifier: ConfigModifier | None = None
    api_keys: frozenset[str] = frozenset()
    max_body_bytes: int = 1024 * 1024
    heartbeat: float = 15.0
    send_timeout: float | None = 30.0
    mask_errors: bool = True
    error_translator: ErrorTranslator | None = None
    event_versions: tuple[str, ...] = ("v2", "v1")
    validate_input: bool = True
    shutdown: Shutdown = field(default_factory=Shutdown, compare=False)
    _schemas: _SchemaCache = field(
        default_factory=lambda: _SchemaCache(), compare=False, repr=False
    )

    def __post_init__(self) -> None:
        unknown = [k for k in self.config_keys if k not in CLIENT_CONFIG_KEYS]
        if unknown:
            raise ValueError(
                f"config_keys: unknown key(s) {', '.join(map(repr, unknown))}; "
                f"choose from {', '.join(CLIENT_CONFIG_KEYS)}"
            )
        if "run_name" in self.config_keys:
            raise ValueError("config_keys: 'run_name' is set by the server and cannot be allowed")
        if self.max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be positive")
        if self.heartbeat < 0:
            raise ValueError("heartbeat must be >= 0 (0 turns it off)")
        if not self.event_versions:
            raise ValueError("event_versions must name at least one version")

    # -- authentication ---------------------------------------------------------------

    async def authorize(self, request: Request) -> None:
        """Check the request's API key.

        Raises:
            HTTPProblem: 401 when keys are configured and none matches.
        """
        if not self.api_keys:
            return
        given = request.headers.get("x-api-key")
        if given is None:
            scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer":
                given = credentials.strip()
        if given and any(hmac.compare_digest(given, key) for key in self.api_keys):
            return
        raise HTTPProblem(
            401,
            "missing or invalid API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )

    # -- bodies -------------------------------------------------------------------------

    async def read_body(self, request: Request) -> bytes:
        """Read the request body, refusing more than `max_body_bytes`.

        Raises:
            HTTPProblem: 413 when the body is too large.
        """
        limit = self.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise HTTPProblem(413, f"request body too large: the limit is {limit} bytes")
        parts: list[bytes] = []
        size = 0
        async for part in request.stream():
            size += len(part)
            if size > limit:
                raise HTTPProblem(413, f"request body too large: the limit is {limit} bytes")
            parts.append(part)
        return b"".join(parts)

    async def read_json(self, request: Request) -> Any:
        """Read and decode a JSON body (size-limited).

        Raises:
            HTTPProblem: 413 too large, 400 not JSON.
        """
        raw = await self.read_body(request)
        if not raw.strip():
            raise HTTPProblem(400, "request body is empty: expected a JSON object")
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, ValueError) as exc:
            raise HTTPProblem(400, f"request body is not valid JSON: {exc}") from None

    # -- config -------------------------------------------------------------------------

    async def build_config(
        self, request: Request, client_config: Any, *, endpoint: str
    ) -> RunnableConfig:
        """The config a run gets: the client's, modified, then cut to `config_keys`.

        Order: reject unknown keys (422); drop keys the client may not set (a non-empty
        `configurable` that is not allowed is a 422, as in LangServe; other keys are
        dropped quietly, since clients send their defaults); apply
        `per_req_config_modifier`; keep only `config_keys` of what it returns (the same on
        every endpoint); then set the server's `run_name` (the path), `run_id` (unless the
        client sent one) and `__`-prefixed metadata.

        Raises:
            HTTPProblem: 422 for a malformed or disallowed config.
        """
        config = self._client_config(client_config)
        if self.per_req_config_modifier is not None:
            modified = self.per_req_config_modifier(dict(config), request)
            if inspect.isawaitable(modified):
                modified = await modified
            if not isinstance(modified, dict):
                raise TypeError("per_req_config_modifier must return a dict")
            config = {k: v for k, v in modified.items() if k in self.config_keys}
        return self._server_defaults(config, request, endpoint)

    def _client_config(self, raw: Any) -> dict[str, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise HTTPProblem(422, "config must be a JSON object", type="InvalidConfig")
        unknown = sorted(k for k in raw if k not in CLIENT_CONFIG_KEYS and k != "callbacks")
        if unknown:
            raise HTTPProblem(
                422,
                f"unknown config key(s): {', '.join(unknown)}; "
                f"allowed: {', '.join(self.config_keys) or 'none'}",
                type="InvalidConfig",
            )
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if key in self.config_keys:
                out[key] = value
            elif key == "configurable" and value:
                raise HTTPProblem(
                    422,
                    "The config field `configurable` has been disallowed by the server: "
                    "add 'configurable' to config_keys to accept it",
                    type="InvalidConfig",
                )
        self._check_types(out)
        return out

    @staticmethod
    def _check_types(config: dict[str, Any]) -> None:
        expect: dict[str, tuple[type, ...]] = {
            "tags": (list,),
            "metadata": (dict,),
            "configurable": (dict,),
            "recursion_limit": (int,),
            "max_concurrency": (int, type(None)),
            "run_id": (str, type(None)),
        }
        for key, value in config.items():
            kinds = expect.get(key)
            if kinds is not None and (not isinstance(value, kinds) or isinstance(value, bool)):
                raise HTTPProblem(
                    422,
                    f"config.{key} has the wrong type ({type(value).__name__})",
                    type="InvalidConfig",
                )
        if "tags" in config and not all(isinstance(t, str) for t in config["tags"]):
            raise HTTPProblem(422, "config.tags must be a list of strings", type="InvalidConfig")

    def _server_defaults(
        self, config: dict[str, Any], request: Request, endpoint: str
    ) -> RunnableConfig:
        out = dict(config)
        run_id = out.get("run_id")
        if isinstance(run_id, str):
            try:
                out["run_id"] = uuid.UUID(run_id)
            except ValueError:
                raise HTTPProblem(
                    422, "config.run_id is not a UUID", type="InvalidConfig"
                ) from None
        elif not isinstance(run_id, uuid.UUID):
            out["run_id"] = uuid.uuid4()
        if self.path:
            out["run_name"] = self.path
        metadata = {
            k: v for k, v in (out.get("metadata") or {}).items() if not str(k).startswith("__")
        }
        metadata["__useragent"] = request.headers.get("user-agent", "")
        metadata["__runnel_endpoint"] = endpoint
        out["metadata"] = metadata
        return cast(RunnableConfig, out)

    # -- input --------------------------------------------------------------------------

    def check_input(self, runnable: Runnable[Any, Any], config: RunnableConfig, value: Any) -> Any:
        """Validate `value` against the runnable's input schema; returns the input to run.

        Values the schema types (messages in a prompt's placeholder, a pydantic model
        input) come back revived; keys the schema does not know pass through unchanged.

        Raises:
            HTTPProblem: 422 naming where the input is wrong.
        """
        if not self.validate_input:
            return value
        schema = self._schemas.input_schema(runnable, config)
        try:
            validated = schema.model_validate(value)
        except ValidationError as exc:
            raise _input_problem(exc) from None
        if isinstance(validated, RootModel):
            return validated.root
        if isinstance(value, dict):
            fields = type(validated).model_fields
            return {k: getattr(validated, k) if k in fields else v for k, v in value.items()}
        return value

    # -- errors -------------------------------------------------------------------------

    def describe(self, exc: BaseException) -> ErrorInfo:
        """What the client is told about `exc` (masked unless `mask_errors` is off)."""
        return describe_error(exc, mask=self.mask_errors, translator=self.error_translator)

    def error_response(
        self, exc: BaseException, render_error: ErrorRenderer = json_error
    ) -> Response:
        """The answer to `exc`: `render_error(self.describe(exc))` with the problem's headers.

        `render_error` gives the endpoint's own error shape (default: LangServe's JSON
        `{"status_code", "message", "type"}`); an `HTTPProblem`'s headers (such as
        `WWW-Authenticate`) are added to whatever it returns.
        """
        response = render_error(self.describe(exc))
        if isinstance(exc, HTTPProblem):
            response.headers.update(exc.headers)
        return response

    def endpoint(self, handler: Handler, *, render_error: ErrorRenderer = json_error) -> Handler:
        """`handler` as a route endpoint of this mount: API key checked, errors answered.

        The one place routes check the API key (`authorize`), before `handler` runs. A
        refusal, or any exception `handler` raises, is answered with
        `error_response(exc, render_error)` (so each endpoint keeps its clients' error
        shape); a client that left before its answer (`ClientGone`) gets nothing.
        """

        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            try:
                await self.authorize(request)
                return await handler(request)
            except (ClientGone, ClientDisconnect):
                return Response(status_code=499)  # nobody reads it; uvicorn drops it
            except Exception as exc:
                if not isinstance(exc, HTTPProblem):
                    logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
                return self.error_response(exc, render_error)

        return endpoint

    def event_stream(
        self,
        frames: AsyncIterable[bytes],
        *,
        on_error: Callable[[ErrorInfo], bytes],
        on_shutdown: bytes,
        render_error: ErrorRenderer = json_error,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> EventStreamResponse:
        """An SSE response over `frames` with this mount's heartbeat, timeouts and shutdown.

        `frames` must include its own terminal frame (LangServe's `event: end`, OpenAI's
        `data: [DONE]`). If it raises before its first frame the client gets
        `error_response(exc, render_error)`; after, the frames
        `on_error(self.describe(exc))`, then the stream ends. On server shutdown an open
        stream gets `on_shutdown` and ends (one not yet started answers 503).
        """

        def failed(exc: Exception) -> bytes:
            logger.error("stream failed", exc_info=exc)
            return on_error(self.describe(exc))

        def early(exc: Exception) -> Response:
            if not isinstance(exc, HTTPProblem):
                logger.error("stream failed before its first event", exc_info=exc)
            return self.error_response(exc, render_error)

        return EventStreamResponse(
            frames,
            on_error=failed,
            error_response=early,
            on_shutdown=on_shutdown,
            heartbeat=self.heartbeat,
            send_timeout=self.send_timeout,
            shutdown=self.shutdown,
            headers=headers,
            media_type=media_type,
        )

    def event_version(self, requested: Any) -> str:
        """The `astream_events` version a client asked for (default: the first allowed).

        Raises:
            HTTPProblem: 422 for a version the server does not offer.
        """
        if requested is None:
            return self.event_versions[0]
        if requested not in self.event_versions:
            raise HTTPProblem(
                422,
                f"unsupported event version {requested!r}: "
                f"choose from {', '.join(self.event_versions)}",
                type="InvalidRequest",
            )
        return cast(str, requested)


class _SchemaCache:
    """Input schemas by runnable and `configurable` (building one costs about a millisecond).

    Only `configurable` can change a runnable's input schema (configurable alternatives).
    """

    _LIMIT = 64

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._schemas: dict[tuple[int, str], tuple[Any, type[BaseModel]]] = {}

    def input_schema(self, runnable: Runnable[Any, Any], config: RunnableConfig) -> type[BaseModel]:
        """`runnable.get_input_schema(config)`, remembered."""
        try:
            variant = json.dumps(config.get("configurable") or {}, sort_keys=True)
        except (TypeError, ValueError):
            return runnable.get_input_schema(config)
        key = (id(runnable), variant)
        with self._lock:
            hit = self._schemas.get(key)
        if hit is not None and hit[0] is runnable:
            return hit[1]
        schema = runnable.get_input_schema(config)
        with self._lock:
            if len(self._schemas) >= self._LIMIT:
                self._schemas.pop(next(iter(self._schemas)))
            self._schemas[key] = (runnable, schema)  # the runnable kept: its id stays unique
        return schema


def _input_problem(exc: ValidationError) -> HTTPProblem:
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    first = errors[0] if errors else {"loc": (), "msg": "invalid input"}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "root") or "input"
    if where != "input":
        where = f"input.{where}"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return HTTPProblem(
        422,
        f"invalid input at {where}: {first.get('msg', 'invalid')}{more}",
        type="InvalidInput",
        detail=[
            {
                "loc": ["input", *[p for p in e["loc"] if p != "root"]],
                "msg": e["msg"],
                "type": e["type"],
            }
            for e in errors
        ],
    )
