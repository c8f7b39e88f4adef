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

import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from runnel.runnables import Runnable, RunnableConfig
from runnel.runnables._utils import aclosing
from runnel.server._errors import ErrorInfo, HTTPProblem
from runnel.server._oai_encode import CompletionEncoder
from runnel.server._oai_request import SAMPLING_OPTIONS, parse_chat_request
from runnel.server._settings import ServerSettings
from runnel.server._sse import EventStreamResponse
from runnel.server._ui_input import InputAdapter, InputAdapterError, infer_input_adapter
from runnel.server._ui_parts import Finished
from runnel.server._ui_run import (
    ClientGone,
    arun_parts,
    declared_options,
    until_disconnect,
    with_configurable,
)

__all__ = ["DONE", "error_body", "model_id", "routes"]

logger = logging.getLogger("runnel.server")

DONE = b"data: [DONE]\n\n"
"""The frame that ends an OpenAI stream."""

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


def _frame(value: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(value, separators=(",", ":")).encode() + b"\n\n"


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

    def _error_response(self, exc: BaseException) -> Response:
        if not isinstance(exc, HTTPProblem):
            logger.error("chat completion failed", exc_info=exc)
        info = self.settings.describe(exc)
        headers = exc.headers if isinstance(exc, HTTPProblem) else None
        return JSONResponse(error_body(info), status_code=info.status_code, headers=headers)

    def _error_frame(self, exc: Exception) -> bytes:
        logger.error("chat completion stream failed", exc_info=exc)
        return _frame(error_body(self.settings.describe(exc)))

    async def create(self, request: Request) -> Response:
        """`POST /v1/chat/completions`."""
        try:
            await self.settings.authorize(request)
            body = await self.settings.read_json(request)
            chat = parse_chat_request(body)
            config = await self.settings.build_config(request, None, endpoint="openai")
            options = {k: v for k, v in chat.options.items() if k in self.options}
            config = with_configurable(config, options)
            try:
                value = self.adapt(chat.messages)
            except InputAdapterError as exc:
                kind = "invalid_request_error" if exc.status_code < 500 else "server_error"
                raise HTTPProblem(exc.status_code, str(exc), type=kind) from None
            value = self.settings.check_input(self.runnable, config, value)
        except Exception as exc:
            return self._error_response(exc)
        encoder = CompletionEncoder(
            model=self.model, include_usage=chat.include_usage, created=int(time.time())
        )
        if chat.stream:
            return EventStreamResponse(
                self._frames(value, config, encoder),
                on_error=self._error_frame,
                error_response=self._error_response,
                on_shutdown=_frame(error_body(_SHUTDOWN)),
                heartbeat=self.settings.heartbeat,
                send_timeout=self.settings.send_timeout,
                shutdown=self.settings.shutdown,
            )
        try:
            finished = await until_disconnect(request, self._whole(value, config, encoder))
        except ClientGone:
            return Response(status_code=499)  # nobody is left to read it
        except Exception as exc:
            return self._error_response(exc)
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

    async def _frames(
        self, value: Any, config: RunnableConfig, encoder: CompletionEncoder
    ) -> AsyncIterator[bytes]:
        # The role chunk waits for the run's first part, so an early failure is still
        # an HTTP status rather than an error chunk.
        first = True
        async with aclosing(arun_parts(self.runnable, value, config)) as batches:
            async for parts in batches:
                out = [_frame(encoder.start())] if first else []
                first = False
                for part in parts:
                    out.extend(_frame(chunk) for chunk in encoder.feed(part))
                if out:
                    yield b"".join(out)
        yield DONE

    async def models(self, request: Request) -> Response:
        """`GET /v1/models`: this mount's one model."""
        try:
            await self.settings.authorize(request)
        except HTTPProblem as problem:
            return self._error_response(problem)
        return JSONResponse({"object": "list", "data": [self._model()]})

    async def retrieve(self, request: Request) -> Response:
        """`GET /v1/models/{model}`."""
        try:
            await self.settings.authorize(request)
        except HTTPProblem as problem:
            return self._error_response(problem)
        if request.path_params["model"] != self.model:
            missing = HTTPProblem(
                404,
                f"The model {request.path_params['model']!r} does not exist; "
                f"this endpoint serves {self.model!r}.",
                type="model_not_found",
            )
            return self._error_response(missing)
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
    return [
        Route("/v1/chat/completions", handlers.create, methods=["POST"]),
        Route("/v1/models", handlers.models, methods=["GET"]),
        Route("/v1/models/{model:path}", handlers.retrieve, methods=["GET"]),
    ]
