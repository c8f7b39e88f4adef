"""The OpenAI-compatible routes, driven by the official `openai` SDK.

The SDK talks to the app through Starlette's `TestClient` (passed as its `http_client`),
which streams: `test_chunks_reach_the_client_while_the_run_is_still_going` proves it.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import openai
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from tests.server._live import live_server

from runnel.language_models import GenericFakeChatModel
from runnel.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from runnel.output_parsers import StrOutputParser
from runnel.prompts import ChatPromptTemplate
from runnel.runnables import RunnableConfig, RunnableGenerator, RunnableLambda
from runnel.server import add_routes

USAGE = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
CHAT = [{"role": "user", "content": "hi"}]


def fake(*answers: AIMessage | str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=itertools.cycle(answers))


def chat_prompt() -> ChatPromptTemplate:
    return ChatPromptTemplate.from_messages([("system", "be brief"), ("placeholder", "{messages}")])


@pytest.fixture
def app() -> Starlette:
    app = Starlette()
    add_routes(
        app,
        chat_prompt()
        | fake(AIMessage("hello there world", usage_metadata=USAGE))
        | StrOutputParser(),
        path="/chain",
    )
    add_routes(
        app,
        chat_prompt()
        | fake(
            AIMessage(
                "",
                tool_calls=[{"name": "weather", "args": {"city": "Paris"}, "id": "call_1"}],
                usage_metadata=USAGE,
            )
        ),
        path="/tools",
    )
    return app


@pytest.fixture
def http(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def sdk(http: TestClient, path: str, api_key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"http://testserver{path}/v1", api_key=api_key, http_client=http, max_retries=0
    )


# -- models -----------------------------------------------------------------------------------


def test_models_lists_the_one_chain_of_the_mount(http: TestClient) -> None:
    client = sdk(http, "/chain")
    models = client.models.list()
    assert [m.id for m in models.data] == ["chain"]
    assert (models.data[0].object, models.data[0].owned_by) == ("model", "runnel")
    assert client.models.retrieve("chain").id == "chain"
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("gpt-4o")
    assert "serves 'chain'" in caught.value.message


# -- answers ----------------------------------------------------------------------------------


def test_a_whole_answer_has_the_full_field_set_and_usage(http: TestClient) -> None:
    completion = sdk(http, "/chain").chat.completions.create(model="chain", messages=CHAT)  # type: ignore[arg-type]
    assert completion.id.startswith("chatcmpl-")
    assert (completion.object, completion.model) == ("chat.completion", "chain")
    choice = completion.choices[0]
    assert (choice.index, choice.finish_reason) == (0, "stop")
    assert (choice.message.role, choice.message.content) == ("assistant", "hello there world")
    assert completion.usage is not None
    assert completion.usage.model_dump(exclude_none=True) == {
        "prompt_tokens": 3,
        "completion_tokens": 2,
        "total_tokens": 5,
    }


def test_a_stream_starts_with_the_role_and_ends_with_finish_then_usage(http: TestClient) -> None:
    stream = sdk(http, "/chain").chat.completions.create(
        model="chain",
        messages=CHAT,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert len({(c.id, c.created, c.model, c.object) for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "hello there world"
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) == 5
    finish, usage = chunks[-2], chunks[-1]
    assert finish.choices[0].finish_reason == "stop" and finish.choices[0].delta.content is None
    assert usage.choices == [] and usage.usage is not None and usage.usage.total_tokens == 5
    assert all(c.usage is None for c in chunks[:-1])


def test_a_stream_without_include_usage_has_no_usage_chunk(http: TestClient) -> None:
    chunks = list(
        sdk(http, "/chain").chat.completions.create(model="chain", messages=CHAT, stream=True)  # type: ignore[arg-type]
    )
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.choices for c in chunks)


def test_the_sdk_stream_helper_reads_text_events(http: TestClient) -> None:
    client = sdk(http, "/chain")
    with client.chat.completions.stream(model="chain", messages=CHAT) as stream:  # type: ignore[arg-type]
        events = list(stream)
        final = stream.get_final_completion()
    deltas = [e.delta for e in events if e.type == "content.delta"]  # type: ignore[union-attr]
    assert [d for d in deltas if d] == ["hello", " ", "there", " ", "world"]
    assert [e.content for e in events if e.type == "content.done"] == ["hello there world"]  # type: ignore[union-attr]
    assert final.choices[0].message.content == "hello there world"
    assert final.choices[0].finish_reason == "stop"


def test_tool_calls_stream_and_fold_as_openai_tool_calls(http: TestClient) -> None:
    client = sdk(http, "/tools")
    with client.chat.completions.stream(model="tools", messages=CHAT) as stream:  # type: ignore[arg-type]
        kinds = [event.type for event in stream]
        final = stream.get_final_completion()
    assert "tool_calls.function.arguments.done" in kinds
    message = final.choices[0].message
    assert final.choices[0].finish_reason == "tool_calls"
    assert message.tool_calls is not None
    (call,) = message.tool_calls
    assert (call.id, call.type, call.function.name) == ("call_1", "function", "weather")  # type: ignore[union-attr]
    assert call.function.arguments == '{"city": "Paris"}'  # type: ignore[union-attr]

    whole = client.chat.completions.create(model="tools", messages=CHAT)  # type: ignore[arg-type]
    assert whole.choices[0].message.content is None
    (whole_call,) = whole.choices[0].message.tool_calls or []
    assert whole_call.model_dump() == {
        "id": "call_1",
        "type": "function",
        "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
    }
    assert whole.choices[0].finish_reason == "tool_calls"


def test_a_message_output_chain_streams_its_content() -> None:
    app = Starlette()
    add_routes(app, chat_prompt() | fake(AIMessage("a b", usage_metadata=USAGE)), path="/m")
    with TestClient(app) as http:
        chunks = list(
            sdk(http, "/m").chat.completions.create(model="m", messages=CHAT, stream=True)  # type: ignore[arg-type]
        )
    assert [c.choices[0].delta.content for c in chunks] == ["", "a", " ", "b", None]


# -- the conversation reaches the chain ---------------------------------------------------------


def test_the_whole_conversation_reaches_a_messages_chain() -> None:
    seen: list[Any] = []

    def record(messages: list[BaseMessage]) -> str:
        seen.append(messages)
        return "ok"

    app = Starlette()
    add_routes(app, RunnableLambda(record), path="/echo")
    conversation = [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18 C"},
        {"role": "user", "content": [{"type": "text", "text": "and tomorrow?"}]},
    ]
    with TestClient(app) as http:
        answer = sdk(http, "/echo").chat.completions.create(model="echo", messages=conversation)  # type: ignore[arg-type]
    assert answer.choices[0].message.content == "ok"
    (messages,) = seen
    assert [m.type for m in messages] == ["system", "human", "ai", "tool", "human"]
    assert messages[2].tool_calls[0]["args"] == {"city": "Paris"}
    assert isinstance(messages[3], ToolMessage) and messages[3].tool_call_id == "call_1"
    assert messages[4].text == "and tomorrow?"


def test_a_question_prompt_gets_the_last_user_text() -> None:
    prompt = ChatPromptTemplate.from_messages([("human", "Q: {question}")])
    app = Starlette()
    add_routes(app, prompt | RunnableLambda(lambda v: v.to_messages()[-1].text), path="/q")
    with TestClient(app) as http:
        answer = sdk(http, "/q").chat.completions.create(
            model="q",
            messages=[{"role": "user", "content": "first"}, {"role": "user", "content": "second"}],
        )
    assert answer.choices[0].message.content == "Q: second"


def test_a_declared_adapter_and_model_name_are_used() -> None:
    chain = RunnableLambda(lambda value: f"{value['n']} messages")
    app = Starlette()
    add_routes(
        app,
        chain,
        path="/count",
        openai_model="counter-1",
        input_adapter=lambda messages: {"n": len(messages)},
    )
    with TestClient(app) as http:
        client = sdk(http, "/count")
        assert [m.id for m in client.models.list()] == ["counter-1"]
        answer = client.chat.completions.create(model="counter-1", messages=CHAT * 3)  # type: ignore[arg-type]
    assert (answer.model, answer.choices[0].message.content) == ("counter-1", "3 messages")


class _Tunable(RunnableLambda):  # type: ignore[type-arg]
    """A lambda that declares a configurable `temperature` (as configurable fields do)."""

    @property
    def config_specs(self) -> list[Any]:
        class Spec:
            id = "temperature"

        return [Spec()]


def test_sampling_options_reach_a_chain_only_when_it_declares_them() -> None:
    def answer(_: Any, config: RunnableConfig) -> str:
        configurable = config.get("configurable") or {}
        return repr(sorted(configurable.items()))

    app = Starlette()
    add_routes(app, _Tunable(answer), path="/tuned")
    add_routes(app, RunnableLambda(answer), path="/plain")
    with TestClient(app) as http:
        kwargs: dict[str, Any] = {"messages": CHAT, "temperature": 0.3, "top_p": 0.5}
        tuned = sdk(http, "/tuned").chat.completions.create(model="tuned", **kwargs)
        plain = sdk(http, "/plain").chat.completions.create(model="plain", **kwargs)
    assert tuned.choices[0].message.content == "[('temperature', 0.3)]"
    assert plain.choices[0].message.content == "[]"


# -- streaming, disconnects and errors -----------------------------------------------------------


class Gate:
    """Lets the first chunk through, then holds the run until the test opens the gate."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.reached = threading.Event()  # the run waits at the gate
        self.closed = threading.Event()
        self.log: list[str] = []

    def step(self) -> RunnableGenerator:
        async def gated(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
            first = True
            try:
                async for chunk in chunks:
                    yield chunk
                    if first:
                        first = False
                        self.reached.set()
                        opened = await anyio.to_thread.run_sync(
                            self.open.wait, 10, abandon_on_cancel=True
                        )
                        self.log.append("released" if opened else "timed out")
            finally:
                self.log.append("closed")
                self.closed.set()

        return RunnableGenerator(gated)


def test_chunks_reach_the_client_while_the_run_is_still_going() -> None:
    gate = Gate()
    app = Starlette()
    add_routes(
        app, chat_prompt() | fake("one two three") | StrOutputParser() | gate.step(), path="/g"
    )
    with TestClient(app) as http:
        stream = sdk(http, "/g").chat.completions.create(model="g", messages=CHAT, stream=True)  # type: ignore[arg-type]
        contents = []
        for chunk in stream:
            content = chunk.choices[0].delta.content if chunk.choices else None
            if content:
                contents.append(content)
                if len(contents) == 1:
                    assert gate.log == []  # the run is waiting for us
                    gate.open.set()
    assert gate.log == ["released", "closed"]
    assert "".join(contents) == "one two three"


def test_closing_the_stream_stops_the_run() -> None:
    gate = Gate()
    app = Starlette()
    add_routes(
        app, chat_prompt() | fake("one two three") | StrOutputParser() | gate.step(), path="/g"
    )
    with TestClient(app) as http:
        stream = sdk(http, "/g").chat.completions.create(model="g", messages=CHAT, stream=True)  # type: ignore[arg-type]
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                break
        stream.close()
    # leaving the TestClient waited for the app's task: the run was closed while it waited
    assert gate.log == ["closed"]
    gate.open.set()  # free the worker thread the abandoned wait left behind


def test_a_client_leaving_a_whole_answer_stops_the_run() -> None:
    gate = Gate()
    app = Starlette()
    add_routes(
        app, chat_prompt() | fake("one two three") | StrOutputParser() | gate.step(), path="/g"
    )
    body = json.dumps({"model": "g", "messages": CHAT}).encode()
    request = (
        b"POST /g/v1/chat/completions HTTP/1.1\r\nHost: test\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    ) + body
    with live_server(app) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as client:
            client.sendall(request)
            assert gate.reached.wait(10)
        assert gate.closed.wait(10)  # closing the connection ended the run at the gate
    assert gate.log == ["closed"]
    gate.open.set()


def test_an_idle_stream_sends_comment_heartbeats_the_sdk_ignores() -> None:
    async def slow(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        first = True
        async for chunk in chunks:
            yield chunk
            if first:
                first = False
                await anyio.sleep(0.3)  # the idle time under test, not a synchronisation

    app = Starlette()
    chain = chat_prompt() | fake("one two") | StrOutputParser() | RunnableGenerator(slow)
    add_routes(app, chain, path="/s", heartbeat=0.05)
    with TestClient(app) as http:
        raw = http.post("/s/v1/chat/completions", json={"messages": CHAT, "stream": True}).text
        text = "".join(
            c.choices[0].delta.content or ""
            for c in sdk(http, "/s").chat.completions.create(model="s", messages=CHAT, stream=True)  # type: ignore[arg-type]
        )
    events = [e for e in raw.replace("\r\n", "\n").split("\n\n") if e]
    assert any(e.startswith(": ping") for e in events)
    assert events[-1] == "data: [DONE]"
    assert all(e.startswith((": ping", "data: {")) for e in events[:-1])
    assert text == "one two"


def failing_chain(after: int) -> Any:
    async def tokens(_: Any) -> AsyncIterator[str]:
        for index in range(after):
            yield f"t{index} "
        raise RuntimeError("secret detail at /srv/app/keys.py")

    return RunnableGenerator(tokens)


@pytest.mark.parametrize("stream", [False, True])
def test_a_failure_before_output_is_an_http_status_with_a_masked_openai_error(
    stream: bool,
) -> None:
    app = Starlette()
    add_routes(app, RunnableLambda(lambda _: "x") | failing_chain(0), path="/bad")
    with TestClient(app) as http, pytest.raises(openai.InternalServerError) as caught:
        result = sdk(http, "/bad").chat.completions.create(
            model="bad", messages=CHAT, stream=stream
        )  # type: ignore[call-overload]
        if stream:
            list(result)
    error = caught.value
    assert error.status_code == 500
    assert error.body == {
        "message": "Internal Server Error",
        "type": "server_error",
        "param": None,
        "code": "RuntimeError",
    }
    assert "secret" not in str(error.response.text)


def test_a_failure_after_output_is_an_error_chunk_the_sdk_raises() -> None:
    app = Starlette()
    add_routes(
        app, RunnableLambda(lambda _: "x") | failing_chain(2), path="/late", mask_errors=False
    )
    received: list[str] = []
    with TestClient(app) as http:
        stream = sdk(http, "/late").chat.completions.create(
            model="late", messages=CHAT, stream=True
        )  # type: ignore[arg-type]
        with pytest.raises(openai.APIError) as caught:
            for chunk in stream:
                received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "t0 t1 "
    assert "secret detail at <path>" in caught.value.message  # unmasked, but redacted


def test_bad_requests_are_400s_the_sdk_understands(http: TestClient) -> None:
    client = sdk(http, "/chain")
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="chain", messages=[])
    assert caught.value.body["param"] == "messages"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError, match="n=1"):
        client.chat.completions.create(model="chain", messages=CHAT, n=3)  # type: ignore[arg-type]
    response = http.post("/chain/v1/chat/completions", content=b"{not json")
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]["message"]


def test_a_chain_whose_output_is_not_text_fails_with_a_clear_message() -> None:
    app = Starlette()
    add_routes(app, RunnableLambda(lambda _: {"answer": 1}), path="/dict", mask_errors=False)
    with TestClient(app) as http, pytest.raises(openai.InternalServerError) as caught:
        sdk(http, "/dict").chat.completions.create(model="dict", messages=CHAT)  # type: ignore[arg-type]
    assert "needs a runnable whose output is a message or a string" in caught.value.message


def test_api_keys_guard_the_routes_with_openai_errors() -> None:
    app = Starlette()
    add_routes(app, RunnableLambda(lambda _: "ok"), path="/k", api_keys="sk-test-1234567890")
    with TestClient(app) as http:
        for call in (
            lambda client: client.models.list(),
            lambda client: client.chat.completions.create(model="k", messages=CHAT),
            lambda client: client.chat.completions.create(model="k", messages=CHAT, stream=True),
        ):
            with pytest.raises(openai.AuthenticationError) as caught:
                call(sdk(http, "/k", api_key="wrong"))
            assert caught.value.status_code == 401
            assert caught.value.body == {  # the SDK unwraps OpenAI's {"error": {...}}
                "message": "missing or invalid API key: "
                "send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
                "type": "invalid_request_error",
                "param": None,
                "code": "Unauthorized",
            }
        client = sdk(http, "/k", api_key="sk-test-1234567890")
        answer = client.chat.completions.create(model="k", messages=CHAT)  # type: ignore[arg-type]
    assert answer.choices[0].message.content == "ok"


def test_a_human_message_chain_sees_message_objects() -> None:
    seen: list[Any] = []
    app = Starlette()

    def last(messages: list[BaseMessage]) -> AIMessageChunk:
        seen.append(messages)
        return AIMessageChunk(content=f"got {len(messages)}")

    add_routes(app, RunnableLambda(last), path="/h")
    with TestClient(app) as http:
        answer = sdk(http, "/h").chat.completions.create(model="h", messages=CHAT)  # type: ignore[arg-type]
    assert answer.choices[0].message.content == "got 1"
    assert isinstance(seen[0][0], HumanMessage)


def test_an_input_no_conversation_fills_is_a_server_error_that_says_why() -> None:
    prompt = ChatPromptTemplate.from_messages([("human", "{a} and {b}")])
    app = Starlette()
    add_routes(app, prompt | fake("x"), path="/two")
    with TestClient(app) as http, pytest.raises(openai.InternalServerError) as caught:
        sdk(http, "/two").chat.completions.create(model="two", messages=CHAT)  # type: ignore[arg-type]
    assert "declare an input adapter" in caught.value.message
    assert caught.value.body["type"] == "server_error"  # type: ignore[index]
