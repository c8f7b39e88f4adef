"""The AI SDK route: `POST /vercel/chat`, a UI message stream that `useChat` reads unchanged.

Point the front end's transport at it::

    const { messages, sendMessage } = useChat({
      transport: new DefaultChatTransport({ api: "/chain/vercel/chat" }),
    });

The request is what `useChat` sends (`id`, `messages` as UI messages, `trigger`, and any
`body` keys; a `config` key there is the run's config, under the mount's `config_keys`).
The conversation becomes the runnable's input through its input adapter (see
`runnel.server._ui_input`); the answer streams as UI message chunks (see
`runnel.server._ui_stream`). A failure before the first chunk is an HTTP status whose
plain-text body the client shows as the error; after it, an `error` chunk (masked unless
`mask_errors` is off). `GET /vercel/chat/{id}/stream` (stream resumption) answers 204:
the server keeps no streams.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from runnel.runnables import Runnable, RunnableConfig
from runnel.server._errors import ErrorInfo, HTTPProblem
from runnel.server._settings import ServerSettings
from runnel.server._ui_input import InputAdapter, InputAdapterError, infer_input_adapter
from runnel.server._ui_messages import parse_ui_chat_request
from runnel.server._ui_run import (
    DONE,
    aencode,
    declared_options,
    run_id_of,
    with_configurable,
)
from runnel.server._ui_stream import UI_STREAM_HEADERS, SdkVersion, UIStreamEncoder

__all__ = ["render_error", "routes"]

_SHUTDOWN_TEXT = "The server is shutting down; retry the request."


def render_error(info: ErrorInfo) -> Response:
    """An error answered as `useChat` reads it: the message as plain text, with the status."""
    return PlainTextResponse(info.message, status_code=info.status_code)


def _frames(chunks: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(
        b"data: " + json.dumps(c, separators=(",", ":"), ensure_ascii=False).encode() + b"\n\n"
        for c in chunks
    )


class _UIChat:
    """The handlers of one mount."""

    def __init__(
        self,
        runnable: Runnable[Any, Any],
        settings: ServerSettings,
        input_adapter: InputAdapter,
        sdk_version: SdkVersion,
    ) -> None:
        self.runnable = runnable
        self.settings = settings
        self.adapt = input_adapter
        self.sdk_version = sdk_version
        self.session_option = bool(declared_options(runnable, ("session_id",)))

    def _error_text(self, exc: BaseException) -> str:
        return self.settings.describe(exc).message

    async def chat(self, request: Request) -> Response:
        """`POST /vercel/chat`."""
        settings = self.settings
        chat = parse_ui_chat_request(await settings.read_json(request))
        config = await settings.build_config(request, chat.config, endpoint="vercel")
        config = self._with_chat_id(config, chat.chat_id)
        try:
            value = self.adapt(chat.messages)
        except InputAdapterError as exc:
            raise HTTPProblem(exc.status_code, str(exc)) from None
        value = settings.check_input(self.runnable, config, value)
        run_id = run_id_of(config)
        encoder = UIStreamEncoder(
            message_id=f"msg_{run_id.replace('-', '')}",
            run_id=run_id,
            sdk_version=self.sdk_version,
            error_text=self._error_text,
        )
        return settings.event_stream(
            aencode(self.runnable, value, config, encoder, _frames),
            on_error=lambda info: _frames(encoder.failed(info.message)) + DONE,
            on_shutdown=_frames(encoder.failed(_SHUTDOWN_TEXT)) + DONE,
            render_error=render_error,
            headers=UI_STREAM_HEADERS,
        )

    def _with_chat_id(self, config: RunnableConfig, chat_id: str | None) -> RunnableConfig:
        if chat_id is None:
            return config
        out = dict(config)
        out["metadata"] = {**(config.get("metadata") or {}), "chat_id": chat_id}
        result: RunnableConfig = out  # type: ignore[assignment]
        if self.session_option:
            result = with_configurable(result, {"session_id": chat_id})
        return result

    async def resume(self, request: Request) -> Response:
        """`GET /vercel/chat/{id}/stream`: no stream to resume (204)."""
        return Response(status_code=204)


def routes(
    runnable: Runnable[Any, Any],
    settings: ServerSettings,
    *,
    input_adapter: InputAdapter | None = None,
    sdk_version: SdkVersion = 5,
) -> list[BaseRoute]:
    """The AI SDK routes of one mount (paths relative to it).

    Args:
        runnable: The served runnable: conversation in, message or string out.
        settings: The mount's settings.
        input_adapter: Turns the conversation into the runnable's input (default: inferred
            from its input schema, see `runnel.server._ui_input`).
        sdk_version: The oldest AI SDK major the front end may run: 5 (default) writes
            only what every ai 5.x client accepts; 6 or 7 add `finish.finishReason`.

    Raises:
        ValueError: an unknown `sdk_version`.
    """
    if sdk_version not in (5, 6, 7):
        raise ValueError(f"sdk_version must be 5, 6 or 7, got {sdk_version!r}")
    adapter = input_adapter or infer_input_adapter(runnable.get_input_jsonschema())
    handlers = _UIChat(runnable, settings, adapter, sdk_version)
    guarded = functools.partial(settings.endpoint, render_error=render_error)
    return [
        Route("/vercel/chat", guarded(handlers.chat), methods=["POST"]),
        Route("/vercel/chat/{chat_id}/stream", guarded(handlers.resume), methods=["GET"]),
    ]
