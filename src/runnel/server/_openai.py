"""OpenAI-compatible routes: `POST /v1/chat/completions` and `GET /v1/models`.

A chain whose input is a conversation (or that has an input adapter, see
`runnel.server._ui_input`) and whose output is a message or a string can be used by any
OpenAI client: point its `base_url` at ``{mount}/v1``. The answer streams as
`chat.completion.chunk` events ended by ``data: [DONE]``, or comes whole as one
`chat.completion`; `usage` sums the token counts of every chat model in the run (null
when none reported any). Errors use OpenAI's body ``{"error": {"message", "type",
"param", "code"}}``: a real HTTP status before the first chunk, an error chunk after it.
"""

from __future__ import annotations

import functools
import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from runnel.runnables import Runnable, RunnableConfig
from runnel.runnables._utils import aclosing
from runnel.server._disconnect import until_disconnect
from runnel.server._errors import ErrorInfo, HTTPProblem
from runnel.server._oai_encode import CompletionEncoder
from runnel.server._oai_request import SAMPLING_OPTIONS, parse_chat_request
from runnel.server._settings import ServerSettings
from runnel.server._ui_input import InputAdapter, InputAdapterError, infer_input_adapter
from runnel.server._ui_parts import Finished
from runnel.server._ui_run import aencode, arun_parts, declared_options, with_configurable

__all__ = ["error_body", "model_id", "render_error", "routes"]

_SHUTDOWN = ErrorInfo(503, "server_error", "The server is shutting down; retry the request.")


def model_id(runnable: Runnable[Any, Any], settings: ServerSettings) -> str:
    """The model id a mount answers as: its path without slashes, else the runnable's name."""
    return settings.path.strip("/") or runnable.get_name()


def error_body(info: ErrorInfo) -> dict[str, Any]:
    """OpenAI's error object for `info`: `{"error": {"message", "type", "param", "code"}}`."""
    param = info.detail.get("param") if isinstance(info.detail, dict) else None
    kind = info.type
    if kind != "invalid_request_error":
        kind = "invalid_request_error" if info.status_code < 500 else "server_error"
    return {
        "error": {
            "message": info.message,
            "type": kind,
            "param": param,
            "code": None if info.type == kind else info.type,
        }
    }


def render_error(info: ErrorInfo) -> Response:
    """An error answered as OpenAI does: its error object, with the error's status."""
    return JSONResponse(error_body(info), status_code=info.status_code)


def _frame(value: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(value, separators=(",", ":")).encode() + b"\n\n"


def _frames(chunks: list[dict[str, Any]]) -> bytes:
    return b"".join(_frame(chunk) for chunk in chunks)


class _ChatCompletions:
    """The handlers of one mount."""

    def __init__(
        self,
        runnable: Runnable[Any, Any],
        settings: ServerSettings,
        model: str,
        input_adapter: InputAdapter,
    ) -> None:
        self.runnable = runnable
        self.settings = settings
        self.model = model
        self.adapt = input_adapter
        self.options = declared_options(runnable, SAMPLING_OPTIONS)
        self.created = int(time.time())

    async def create(self, request: Request) -> Response:
        """`POST /v1/chat/completions`."""
        settings = self.settings
        chat = parse_chat_request(await settings.read_json(request))
        config = await settings.build_config(request, None, endpoint="openai")
        options = {k: v for k, v in chat.options.items() if k in self.options}
        config = with_configurable(config, options)
        try:
            value = self.adapt(chat.messages)
        except InputAdapterError as exc:
            kind = "invalid_request_error" if exc.status_code < 500 else "server_error"
            raise HTTPProblem(exc.status_code, str(exc), type=kind) from None
        value = settings.check_input(self.runnable, config, value)
        encoder = CompletionEncoder(
            model=self.model, include_usage=chat.include_usage, created=int(time.time())
        )
        if chat.stream:
            return settings.event_stream(
                aencode(self.runnable, value, config, encoder, _frames),
                on_error=lambda info: _frame(error_body(info)),
                on_shutdown=_frame(error_body(_SHUTDOWN)),
                render_error=render_error,
            )
        finished = await until_disconnect(request, self._whole(value, config, encoder))
        return JSONResponse(encoder.completion(finished))

    async def _whole(
        self, value: Any, config: RunnableConfig, encoder: CompletionEncoder
    ) -> Finished:
        finished: Finished | None = None
        async with aclosing(arun_parts(self.runnable, value, config)) as batches:
            async for parts in batches:
                for part in parts:
                    encoder.fold(part)
                    if isinstance(part, Finished):
                        finished = part
        if finished is None:  # pragma: no cover - every run that returns ends its root
            raise RuntimeError("the run ended without an output")
        return finished

    async def models(self, request: Request) -> Response:
        """`GET /v1/models`: this mount's one model."""
        return JSONResponse({"object": "list", "data": [self._model()]})

    async def retrieve(self, request: Request) -> Response:
        """`GET /v1/models/{model}`."""
        if request.path_params["model"] != self.model:
            raise HTTPProblem(
                404,
                f"The model {request.path_params['model']!r} does not exist; "
                f"this endpoint serves {self.model!r}.",
                type="model_not_found",
            )
        return JSONResponse(self._model())

    def _model(self) -> dict[str, Any]:
        return {"id": self.model, "object": "model", "created": self.created, "owned_by": "runnel"}


def routes(
    runnable: Runnable[Any, Any],
    settings: ServerSettings,
    *,
    model: str | None = None,
    input_adapter: InputAdapter | None = None,
) -> list[BaseRoute]:
    """The OpenAI-compatible routes of one mount (paths relative to it).

    Args:
        runnable: The served runnable: conversation in, message or string out.
        settings: The mount's settings.
        model: The model id to answer as (default: `model_id`).
        input_adapter: Turns the request's messages into the runnable's input (default:
            inferred from its input schema, see `runnel.server._ui_input`).
    """
    adapter = input_adapter or infer_input_adapter(runnable.get_input_jsonschema())
    handlers = _ChatCompletions(runnable, settings, model or model_id(runnable, settings), adapter)
    guarded = functools.partial(settings.endpoint, render_error=render_error)
    return [
        Route("/v1/chat/completions", guarded(handlers.create), methods=["POST"]),
        Route("/v1/models", guarded(handlers.models), methods=["GET"]),
        Route("/v1/models/{model:path}", guarded(handlers.retrieve), methods=["GET"]),
    ]
