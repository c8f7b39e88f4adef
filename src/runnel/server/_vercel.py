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

import json
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from runnel.runnables import Runnable, RunnableConfig
from runnel.runnables._utils import aclosing
from runnel.server._errors import HTTPProblem
from runnel.server._settings import ServerSettings
from runnel.server._sse import EventStreamResponse
from runnel.server._ui_input import InputAdapter, InputAdapterError, infer_input_adapter
from runnel.server._ui_messages import parse_ui_chat_request
from runnel.server._ui_run import arun_parts, declared_options, run_id_of, with_configurable
from runnel.server._ui_stream import UI_STREAM_HEADERS, SdkVersion, UIStreamEncoder

__all__ = ["DONE", "routes"]

logger = logging.getLogger("runnel.server")

DONE = b"data: [DONE]\n\n"
"""The frame that ends a UI message stream."""


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

    def _error_response(self, exc: BaseException) -> Response:
        if not isinstance(exc, HTTPProblem):
            logger.error("UI chat failed", exc_info=exc)
        info = self.settings.describe(exc)
        headers = exc.headers if isinstance(exc, HTTPProblem) else None
        return PlainTextResponse(info.message, status_code=info.status_code, headers=headers)

    async def chat(self, request: Request) -> Response:
        """`POST /vercel/chat`."""
        try:
            await self.settings.authorize(request)
            body = await self.settings.read_json(request)
            chat = parse_ui_chat_request(body)
            config = await self.settings.build_config(request, chat.config, endpoint="vercel")
            config = self._with_chat_id(config, chat.chat_id)
            try:
                value = self.adapt(chat.messages)
            except InputAdapterError as exc:
                raise HTTPProblem(exc.status_code, str(exc)) from None
            value = self.settings.check_input(self.runnable, config, value)
        except Exception as exc:
            return self._error_response(exc)
        run_id = run_id_of(config)
        encoder = UIStreamEncoder(
            message_id=f"msg_{run_id.replace('-', '')}",
            run_id=run_id,
            sdk_version=self.sdk_version,
            error_text=self._error_text,
        )

        def failed(exc: Exception) -> bytes:
            logger.error("UI chat stream failed", exc_info=exc)
            return _frames(encoder.error(exc)) + DONE

        shutdown = HTTPProblem(503, "The server is shutting down; retry the request.")
        return EventStreamResponse(
            self._stream(value, config, encoder),
            on_error=failed,
            error_response=self._error_response,
            on_shutdown=_frames(encoder.error(shutdown)) + DONE,
            heartbeat=self.settings.heartbeat,
            send_timeout=self.settings.send_timeout,
            shutdown=self.settings.shutdown,
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

    async def _stream(
        self, value: Any, config: RunnableConfig, encoder: UIStreamEncoder
    ) -> AsyncIterator[bytes]:
        # `start` waits for the run's first part, so an early failure is still an HTTP status.
        first = True
        async with aclosing(arun_parts(self.runnable, value, config)) as batches:
            async for parts in batches:
                chunks = encoder.start() if first else []
                first = False
                for part in parts:
                    chunks.extend(encoder.feed(part))
                if chunks:
                    yield _frames(chunks)
        yield DONE

    async def resume(self, request: Request) -> Response:
        """`GET /vercel/chat/{id}/stream`: no stream to resume (204)."""
        try:
            await self.settings.authorize(request)
        except HTTPProblem as problem:
            return self._error_response(problem)
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
    return [
        Route("/vercel/chat", handlers.chat, methods=["POST"]),
        Route("/vercel/chat/{chat_id}/stream", handlers.resume, methods=["GET"]),
    ]
