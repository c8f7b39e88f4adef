"""RemoteRunnable against a real server: ours on uvicorn, and LangServe's recorded wire."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from tests.server._live import live_server

import runnel.client
from runnel.client import (
    RemoteAuthError,
    RemoteError,
    RemoteInputError,
    RemoteRunnable,
    RemoteUnavailable,
)
from runnel.client._sse import ServerSentEvent, SSEDecoder
from runnel.language_models import GenericFakeChatModel
from runnel.messages import AIMessage, AIMessageChunk, HumanMessage
from runnel.output_parsers import StrOutputParser
from runnel.prompts import ChatPromptTemplate
from runnel.runnables import RunnableGenerator, RunnableLambda
from runnel.server import add_routes
from runnel.tracers import RunLog, RunLogPatch

pytestmark = pytest.mark.anyio

DATA = Path(__file__).parent / "data"
CORE_ONLY = ("playground", "openai", "vercel")


def chat_chain() -> Any:
    model = GenericFakeChatModel(messages=itertools.cycle([AIMessage(content="Hello world")]))
    return ChatPromptTemplate.from_messages([("human", "{q}")]) | model


async def _fails_after_one(inputs: AsyncIterator[Any]) -> AsyncIterator[str]:
    async for _ in inputs:
        pass
    yield "partial"
    raise ValueError("internal detail")


def _refuse(x: Any) -> Any:
    raise ValueError("internal detail")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    app = Starlette()
    add_routes(app, chat_chain(), "/chat", disabled_endpoints=CORE_ONLY)
    add_routes(app, RunnableLambda(lambda x: x + 1), "/add", disabled_endpoints=CORE_ONLY)
    add_routes(app, RunnableLambda(_refuse), "/refuse", disabled_endpoints=CORE_ONLY)
    add_routes(app, RunnableGenerator(_fails_after_one), "/midway", disabled_endpoints=CORE_ONLY)
    add_routes(
        app,
        RunnableLambda(lambda x: {"type": "ai", "content": x, "score": 1}),
        "/lookalike",
        disabled_endpoints=CORE_ONLY,
    )
    add_routes(
        app, RunnableLambda(lambda x: x), "/secure", api_keys="k", disabled_endpoints=CORE_ONLY
    )
    with live_server(app) as url:
        yield url


@pytest.fixture
async def chat(server: str) -> AsyncIterator[RemoteRunnable]:
    async with RemoteRunnable(f"{server}/chat") as remote:
        yield remote


def test_exports() -> None:
    public = {n for n in dir(runnel.client) if not n.startswith("_")} - {"annotations"}
    assert set(runnel.client.__all__) == public


# -- the runnable interface ------------------------------------------------------------------


async def test_invoke_and_ainvoke_revive_messages(chat: RemoteRunnable) -> None:
    assert chat.invoke({"q": "hi"}).content == "Hello world"
    answer = await chat.ainvoke({"q": "hi"})
    assert isinstance(answer, AIMessage)
    assert answer.content == "Hello world"


async def test_stream_and_astream_yield_chunks_as_they_come(chat: RemoteRunnable) -> None:
    local = [c.content for c in chat_chain().stream({"q": "hi"})]
    chunks = list(chat.stream({"q": "hi"}))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert [c.content for c in chunks] == local
    assert [c.content async for c in chat.astream({"q": "hi"})] == local


async def test_batch_is_one_request(server: str) -> None:
    sent: list[str] = []
    hooks = {"request": [lambda request: sent.append(request.url.path)]}
    with RemoteRunnable(f"{server}/add", client_kwargs={"event_hooks": hooks}) as remote:
        assert remote.batch([1, 2, 3]) == [2, 3, 4]
        assert sent == ["/add/batch"]
        assert remote.batch([]) == []
        assert sent == ["/add/batch"]


async def test_abatch(server: str) -> None:
    async with RemoteRunnable(f"{server}/add") as remote:
        assert await remote.abatch([1, 2]) == [2, 3]
        assert await remote.abatch([1, 2], [{"tags": ["a"]}, {"tags": ["b"]}]) == [2, 3]


async def test_batch_with_return_exceptions_isolates_failures(server: str) -> None:
    async with RemoteRunnable(f"{server}/add") as remote:
        results = remote.batch([1, "x"], return_exceptions=True)
        assert results[0] == 2
        assert isinstance(results[1], RemoteError)
        aresults = await remote.abatch([1, "x"], return_exceptions=True)
        assert aresults[0] == 2
        assert isinstance(aresults[1], RemoteError)
        with pytest.raises(RemoteError):
            remote.batch([1, "x"])


async def test_astream_events_come_from_the_server(chat: RemoteRunnable) -> None:
    local = [e["event"] async for e in chat_chain().astream_events({"q": "hi"})]
    events = [e async for e in chat.astream_events({"q": "hi"})]
    assert [e["event"] for e in events] == local
    assert events[0]["name"] == "/chat"
    streamed = [e for e in events if e["event"] == "on_chat_model_stream"]
    assert isinstance(streamed[0]["data"]["chunk"], AIMessageChunk)
    filtered = [
        e["event"] async for e in chat.astream_events({"q": "hi"}, include_types=["prompt"])
    ]
    assert filtered == ["on_prompt_start", "on_prompt_end"]


async def test_version_is_sent(chat: RemoteRunnable) -> None:
    v1 = [e async for e in chat.astream_events({"q": "hi"}, version="v1")]
    assert all(e["parent_ids"] == [] for e in v1)
    with pytest.raises(RemoteInputError, match="unsupported event version"):
        [e async for e in chat.astream_events({"q": "hi"}, version="v0")]


def test_sync_stream_events(server: str) -> None:
    with RemoteRunnable(f"{server}/chat") as chat:
        events = list(chat.stream_events({"q": "hi"}, include_types=["chat_model"]))
    assert events[0]["event"] == "on_chat_model_start"
    assert events[-1]["event"] == "on_chat_model_end"


async def test_astream_log_as_patches_and_as_a_log(chat: RemoteRunnable) -> None:
    patches = [p async for p in chat.astream_log({"q": "hi"})]
    assert all(type(p) is RunLogPatch for p in patches)
    logs = [p async for p in chat.astream_log({"q": "hi"}, diff=False)]
    assert all(isinstance(p, RunLog) for p in logs)
    final = logs[-1].state["final_output"]
    assert isinstance(final, AIMessageChunk)
    assert final.content == "Hello world"
    assert "ChatPromptTemplate" in logs[-1].state["logs"]


async def test_composes_with_local_steps(chat: RemoteRunnable) -> None:
    chain = RunnableLambda(lambda text: {"q": text}) | chat | StrOutputParser()
    assert chain.invoke("hi") == "Hello world"
    assert "".join([t async for t in chain.astream("hi")]) == "Hello world"
    local_events = [e async for e in chain.astream_events("hi")]
    names = {e["name"] for e in local_events if e["event"] == "on_chain_start"}
    assert "RemoteRunnable" in names


async def test_lookalike_dicts_stay_dicts(server: str) -> None:
    async with RemoteRunnable(f"{server}/lookalike") as remote:
        assert await remote.ainvoke("x") == {"type": "ai", "content": "x", "score": 1}


def test_keyword_arguments_are_refused(server: str) -> None:
    with (
        RemoteRunnable(f"{server}/chat") as chat,
        pytest.raises(NotImplementedError, match="keyword arguments"),
    ):
        chat.invoke({"q": "hi"}, stop=["x"])


# -- errors ------------------------------------------------------------------------------------


async def test_invalid_input_is_a_remote_input_error(chat: RemoteRunnable) -> None:
    with pytest.raises(RemoteInputError) as caught:
        await chat.ainvoke({"question": "hi"})
    assert caught.value.status_code == 422
    assert caught.value.error_type == "InvalidInput"
    assert "invalid input at input.q" in str(caught.value)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(RemoteInputError):
        list(chat.stream({"question": "hi"}))


async def test_server_errors_are_typed_and_masked(server: str) -> None:
    async with RemoteRunnable(f"{server}/refuse") as remote:
        with pytest.raises(RemoteError) as caught:
            await remote.ainvoke(1)
    assert caught.value.status_code == 500
    assert caught.value.error_type == "ValueError"
    assert "internal detail" not in str(caught.value)


async def test_error_after_chunks_arrives_after_them(server: str) -> None:
    received: list[str] = []
    async with RemoteRunnable(f"{server}/midway") as remote:
        with pytest.raises(RemoteError) as caught:
            async for chunk in remote.astream("x"):
                received.append(chunk)
    assert received == ["partial"]
    assert caught.value.status_code == 500
    assert caught.value.error_type == "ValueError"


async def test_api_keys(server: str) -> None:
    async with RemoteRunnable(f"{server}/secure") as remote:
        with pytest.raises(RemoteAuthError) as caught:
            await remote.ainvoke(1)
        assert caught.value.status_code == 401
    async with RemoteRunnable(f"{server}/secure", headers={"Authorization": "Bearer k"}) as ok:
        assert await ok.ainvoke(1) == 1


async def test_unreachable_server_is_remote_unavailable() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with RemoteRunnable(f"http://127.0.0.1:{port}/x") as remote:
        with pytest.raises(RemoteUnavailable):
            await remote.ainvoke(1)
        with pytest.raises(RemoteUnavailable):
            list(remote.stream(1))


# -- LangServe's wire, as a real LangServe 0.3.3 server sent it ---------------------------------


def recorded_langserve() -> Starlette:
    """Replays bytes recorded from LangServe 0.3.3 (langchain-core 1.7.2, sse-starlette 1.8.2)."""

    def sse(name: str) -> Any:
        async def endpoint(request: Request) -> Response:
            body = (DATA / name).read_bytes()

            async def frames() -> AsyncIterator[bytes]:
                for part in body.split(b"\r\n\r\n")[:-1]:
                    yield part + b"\r\n\r\n"
                    yield b": ping - 2026-11-21 17:10:25.610476+00:00\r\n\r\n"

            return StreamingResponse(frames(), media_type="text/event-stream; charset=utf-8")

        return endpoint

    def raw(name: str, status: int = 200) -> Any:
        async def endpoint(request: Request) -> Response:
            return Response((DATA / name).read_bytes(), status, media_type="application/json")

        return endpoint

    async def internal_error(request: Request) -> Response:
        return PlainTextResponse("Internal Server Error", 500)

    async def fastapi_422(request: Request) -> Response:
        detail = [{"type": "missing", "loc": ["q"], "msg": "Field required", "input": {}}]
        return Response(json.dumps({"detail": detail}), 422, media_type="application/json")

    async def error_event(request: Request) -> Response:
        body = (
            b'event: error\r\ndata: {"status_code": 500, "message": "Internal Server Error"}'
            b"\r\n\r\n"
        )
        return Response(body, media_type="text/event-stream")

    class Flaky:
        """Like LangServe on a failure: a plain-text 500, then the app raises and uvicorn
        drops the connection without `Connection: close`."""

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            request = Request(scope, receive)
            if (await request.json())["input"] != "boom":
                ok = Response(b'{"output":"fine","metadata":{}}', media_type="application/json")
                await ok(scope, receive, send)
                return
            await PlainTextResponse("Internal Server Error", 500)(scope, receive, send)
            raise RuntimeError("unhandled")

    flaky = Flaky()

    async def cut_short(request: Request) -> Response:
        return Response(b'event: data\r\ndata: "a"\r\n\r\n', media_type="text/event-stream")

    return Starlette(
        routes=[
            Route("/chat/stream", sse("langserve_stream.sse"), methods=["POST"]),
            Route("/chat/stream_events", sse("langserve_stream_events.sse"), methods=["POST"]),
            Route("/chat/stream_log", sse("langserve_stream_log.sse"), methods=["POST"]),
            Route("/chat/invoke", raw("langserve_invoke.json"), methods=["POST"]),
            Route("/add/batch", raw("langserve_batch.json"), methods=["POST"]),
            Route("/broken/invoke", internal_error, methods=["POST"]),
            Route("/broken/stream", error_event, methods=["POST"]),
            Route("/strict/invoke", fastapi_422, methods=["POST"]),
            Route("/short/stream", cut_short, methods=["POST"]),
            Route("/flaky/invoke", flaky, methods=["POST"]),
        ]
    )


@pytest.fixture(scope="module")
def langserve() -> Iterator[str]:
    with live_server(recorded_langserve()) as url:
        yield url


async def test_speaks_to_langserve(langserve: str) -> None:
    async with RemoteRunnable(f"{langserve}/chat") as chat:
        answer = await chat.ainvoke({"q": "hi"})
        assert isinstance(answer, AIMessage) and answer.content == "Hello world"
        chunks = [c async for c in chat.astream({"q": "hi"})]
        assert [c.content for c in chunks] == ["Hello", " ", "world"]
        assert chunks[-1].chunk_position == "last"
        events = [e async for e in chat.astream_events({"q": "hi"})]
        assert events[0]["event"] == "on_chain_start" and events[-1]["event"] == "on_chain_end"
        assert isinstance(events[4]["data"]["chunk"], AIMessageChunk)
        logs = [p async for p in chat.astream_log({"q": "hi"}, diff=False)]
        assert logs[-1].state["final_output"].content == "Hello world"
    async with RemoteRunnable(f"{langserve}/add") as add:
        assert await add.abatch([1, 2]) == [2, 3]


async def test_langserve_errors_are_typed(langserve: str) -> None:
    async with RemoteRunnable(f"{langserve}/broken") as broken:
        with pytest.raises(RemoteError, match="500: Internal Server Error") as caught:
            await broken.ainvoke(1)
        assert caught.value.status_code == 500
        with pytest.raises(RemoteError, match="Internal Server Error"):
            [c async for c in broken.astream(1)]
    async with RemoteRunnable(f"{langserve}/strict") as strict:
        with pytest.raises(RemoteInputError, match="Field required"):
            await strict.ainvoke({})


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_crashed_request_does_not_poison_the_next(langserve: str, mode: str) -> None:
    # uvicorn drops the connection after an app exception without saying so
    async with RemoteRunnable(f"{langserve}/flaky") as flaky:
        for _ in range(5):
            with pytest.raises(RemoteError, match="500"):
                flaky.invoke("boom") if mode == "sync" else await flaky.ainvoke("boom")
            ok = flaky.invoke("x") if mode == "sync" else await flaky.ainvoke("x")
            assert ok == "fine"


async def test_a_stream_without_end_is_an_error(langserve: str) -> None:
    async with RemoteRunnable(f"{langserve}/short") as short:
        received: list[Any] = []
        with pytest.raises(RemoteUnavailable, match="without an 'end' event"):
            async for chunk in short.astream(1):
                received.append(chunk)
        assert received == ["a"]


# -- the SSE decoder -------------------------------------------------------------------------


@pytest.mark.parametrize("ending", ["\r\n", "\n"])
def test_sse_decoder(ending: str) -> None:
    lines = ["event: data", "data: 1", "data:2", "", ": ping", "", "data: x", ""]
    text = ending.join(lines) + ending
    decoder = SSEDecoder()
    events = [e for line in text.split(ending) if (e := decoder.feed(line)) is not None]
    assert events == [ServerSentEvent("data", "1\n2"), ServerSentEvent("message", "x")]


def test_messages_in_inputs_are_sent_as_json() -> None:
    # the input is JSON-encoded on the way (a message becomes its dict)
    from runnel.client._remote import RemoteRunnable as Cls

    body = Cls._body({"q": HumanMessage("hi")}, {"tags": ["t"], "callbacks": object()})
    assert body["input"]["q"]["type"] == "human"
    assert body["config"] == {"tags": ["t"]}
    assert httpx.Request("POST", "http://x", json=body)  # serialisable
