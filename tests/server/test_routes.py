"""add_routes in-process (Starlette's TestClient streams): the LangServe wire and its fixes."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

import runnel.server
from runnel.exceptions import ProviderError
from runnel.language_models import GenericFakeChatModel
from runnel.messages import AIMessage, AIMessageChunk
from runnel.prompts import ChatPromptTemplate
from runnel.runnables import RunnableConfig, RunnableGenerator, RunnableLambda
from runnel.server import ServerSettings, add_routes

CORE_ONLY = ("playground", "openai", "vercel")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def serve(runnable: Any, path: str = "/r", **options: Any) -> tuple[TestClient, ServerSettings]:
    options.setdefault("disabled_endpoints", CORE_ONLY)
    app = Starlette()
    settings = add_routes(app, runnable, path, **options)
    return TestClient(app), settings


def words(text: str) -> RunnableGenerator:
    async def gen(inputs: AsyncIterator[Any]) -> AsyncIterator[str]:
        async for _ in inputs:
            pass
        for word in text.split():
            yield word + " "

    return RunnableGenerator(gen)


def chat_chain() -> Any:
    model = GenericFakeChatModel(messages=iter([AIMessage(content="Hello world")] * 20))
    return ChatPromptTemplate.from_messages([("human", "{q}")]) | model


def sse_events(body: str) -> list[tuple[str, str]]:
    """(event, data) pairs of a CRLF-framed SSE body; comments skipped."""
    out = []
    for block in body.split("\r\n\r\n"):
        if not block or block.startswith(":"):
            continue
        fields = dict(
            line.split(": ", 1) if ": " in line else (line, "") for line in block.split("\r\n")
        )
        out.append((fields.get("event", ""), fields.get("data", "")))
    return out


def test_exports() -> None:
    public = {n for n in dir(runnel.server) if not n.startswith("_")} - {"annotations"}
    assert set(runnel.server.__all__) == public


# -- the LangServe wire -------------------------------------------------------------------


def test_invoke_answers_output_and_run_id() -> None:
    client, _ = serve(RunnableLambda(lambda x: x + 1))
    response = client.post("/r/invoke", json={"input": 41, "config": {}, "kwargs": {}})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["output"] == 42
    assert UUID.fullmatch(body["metadata"]["run_id"])
    assert body["metadata"]["feedback_tokens"] == []
    assert response.text.startswith('{"output":42,"metadata":{"run_id":"')  # compact, in order


def test_invoke_serialises_messages_like_langserve() -> None:
    client, _ = serve(chat_chain())
    output = client.post("/r/invoke", json={"input": {"q": "hi"}}).json()["output"]
    assert output["type"] == "ai"
    assert output["content"] == "Hello world"
    assert list(output) == [
        "content",
        "additional_kwargs",
        "response_metadata",
        "type",
        "name",
        "id",
        "tool_calls",
        "invalid_tool_calls",
        "usage_metadata",
    ]


def test_batch_answers_outputs_and_run_ids_in_langserve_order() -> None:
    client, _ = serve(RunnableLambda(lambda x: x * 2))
    response = client.post("/r/batch", json={"inputs": [1, 2, 3]})
    body = response.json()
    assert body["output"] == [2, 4, 6]
    assert list(body["metadata"]) == ["responses", "run_ids"]
    run_ids = body["metadata"]["run_ids"]
    assert len(set(run_ids)) == 3
    assert [r["run_id"] for r in body["metadata"]["responses"]] == run_ids


def test_batch_config_list_must_match_inputs() -> None:
    client, _ = serve(RunnableLambda(lambda x: x))
    response = client.post("/r/batch", json={"inputs": [1, 2], "config": [{}]})
    assert response.status_code == 422
    assert "Number of configs (1) must match number of inputs (2)" in response.json()["message"]


def test_batch_of_nothing_is_empty() -> None:
    client, _ = serve(RunnableLambda(lambda x: x))
    assert client.post("/r/batch", json={"inputs": []}).json()["output"] == []


def test_stream_sends_metadata_then_data_then_end_crlf() -> None:
    client, _ = serve(words("a b c"))
    with client.stream("POST", "/r/stream", json={"input": "go"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        body = response.read().decode()
    run_id = UUID.search(body)
    assert run_id is not None
    assert body == (
        f'event: metadata\r\ndata: {{"run_id": "{run_id.group()}"}}\r\n\r\n'
        'event: data\r\ndata: "a "\r\n\r\n'
        'event: data\r\ndata: "b "\r\n\r\n'
        'event: data\r\ndata: "c "\r\n\r\n'
        "event: end\r\n\r\n"
    )


def test_stream_of_nothing_sends_only_end() -> None:
    client, _ = serve(words(""))
    with client.stream("POST", "/r/stream", json={"input": "go"}) as response:
        assert response.read() == b"event: end\r\n\r\n"


def test_stream_data_is_the_compact_model_dump_of_each_chunk() -> None:
    client, _ = serve(chat_chain())
    with client.stream("POST", "/r/stream", json={"input": {"q": "hi"}}) as response:
        events = sse_events(response.read().decode())
    assert [e for e, _ in events] == ["metadata", "data", "data", "data", "end"]
    chunks = [json.loads(d) for e, d in events if e == "data"]
    assert "".join(c["content"] for c in chunks) == "Hello world"
    first = AIMessageChunk.model_validate(chunks[0])
    assert events[1][1] == json.dumps(first.model_dump(), separators=(",", ":"))


def test_stream_log_sends_patches_with_the_path_as_run_name() -> None:
    client, _ = serve(chat_chain())
    with client.stream("POST", "/r/stream_log", json={"input": {"q": "hi"}}) as response:
        events = sse_events(response.read().decode())
    assert events[-1] == ("end", "")
    patches = [json.loads(d)["ops"] for e, d in events if e == "data"]
    root = patches[0][0]
    assert root["op"] == "replace" and root["path"] == ""
    assert root["value"]["name"] == "/r"
    assert all(
        "__" not in json.dumps(op.get("value", {}).get("metadata", {}))
        for p in patches
        for op in p
        if isinstance(op.get("value"), dict)
    )


def test_stream_log_include_filter_limits_logged_runs() -> None:
    client, _ = serve(chat_chain())
    body = {"input": {"q": "hi"}, "include_types": ["prompt"]}
    with client.stream("POST", "/r/stream_log", json=body) as response:
        text = response.read().decode()
    paths = {
        op["path"].split("/")[2]
        for e, d in sse_events(text)
        if e == "data"
        for op in json.loads(d)["ops"]
        if op["path"].startswith("/logs/")
    }
    assert paths == {"ChatPromptTemplate"}


def test_stream_events_strip_server_metadata_and_honour_filters() -> None:
    client, _ = serve(chat_chain())
    body = {"input": {"q": "hi"}, "include_types": ["chat_model"]}
    with client.stream(
        "POST", "/r/stream_events", json=body, headers={"user-agent": "probe/1"}
    ) as response:
        events = [json.loads(d) for e, d in sse_events(response.read().decode()) if e == "data"]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "on_chat_model_start" and kinds[-1] == "on_chat_model_end"
    assert set(kinds) == {"on_chat_model_start", "on_chat_model_stream", "on_chat_model_end"}
    assert all(not k.startswith("__") for e in events for k in e["metadata"])
    assert "probe/1" not in json.dumps(events)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_stream_events_version_is_the_clients_choice(version: str) -> None:
    client, _ = serve(chat_chain())
    body = {"input": {"q": "hi"}, "version": version}
    with client.stream("POST", "/r/stream_events", json=body) as response:
        events = [json.loads(d) for e, d in sse_events(response.read().decode()) if e == "data"]
    child_parents = [e["parent_ids"] for e in events if e["name"] == "GenericFakeChatModel"]
    assert child_parents
    if version == "v1":
        assert all(p == [] for p in child_parents)
    else:
        assert all(len(p) == 1 for p in child_parents)


def test_stream_events_refuses_a_version_the_server_does_not_offer() -> None:
    client, _ = serve(chat_chain(), event_versions=("v2",))
    response = client.post("/r/stream_events", json={"input": {"q": "hi"}, "version": "v1"})
    assert response.status_code == 422
    assert "unsupported event version 'v1'" in response.json()["message"]


def test_schemas() -> None:
    chain = chat_chain()
    client, _ = serve(chain, config_keys=("configurable", "tags"))
    assert client.get("/r/input_schema").json() == chain.get_input_jsonschema()
    assert client.get("/r/output_schema").json() == chain.get_output_jsonschema()
    config = client.get("/r/config_schema").json()
    assert set(config["properties"]) == {"configurable", "tags"}


def test_root_path_and_several_mounts() -> None:
    app = Starlette()
    add_routes(app, RunnableLambda(lambda x: x + 1), "/add", disabled_endpoints=CORE_ONLY)
    add_routes(app, RunnableLambda(lambda x: x * 10), disabled_endpoints=CORE_ONLY)
    client = TestClient(app)
    assert client.post("/add/invoke", json={"input": 1}).json()["output"] == 2
    assert client.post("/invoke", json={"input": 1}).json()["output"] == 10


def test_enabled_and_disabled_endpoints() -> None:
    client, _ = serve(
        RunnableLambda(lambda x: x), enabled_endpoints=["invoke"], disabled_endpoints=None
    )
    assert client.post("/r/invoke", json={"input": 1}).status_code == 200
    assert client.post("/r/stream", json={"input": 1}).status_code == 404
    assert client.get("/r/input_schema").status_code == 404
    with pytest.raises(ValueError, match="unknown endpoint name"):
        serve(RunnableLambda(lambda x: x), enabled_endpoints=["invok"])


def test_bad_path_is_refused() -> None:
    with pytest.raises(ValueError, match="path must be"):
        add_routes(Starlette(), RunnableLambda(lambda x: x), "chain/")


# -- config: allow-list after the modifier ---------------------------------------------------


def config_probe() -> RunnableLambda:
    def probe(x: Any, config: RunnableConfig) -> dict[str, Any]:
        return {
            "tags": sorted(config.get("tags", [])),
            "metadata": {
                k: v for k, v in config.get("metadata", {}).items() if not k.startswith("__")
            },
            "configurable": config.get("configurable", {}),
        }

    return RunnableLambda(probe)


def outputs_everywhere(
    client: TestClient, config: dict[str, Any], headers: dict[str, str] | None = None
) -> list[Any]:
    """The probe's output through invoke, batch, stream, stream_log and stream_events."""
    body = {"input": 1, "config": config}
    out = [client.post("/r/invoke", json=body, headers=headers).json()["output"]]
    out.append(
        client.post("/r/batch", json={"inputs": [1], "config": config}, headers=headers).json()[
            "output"
        ][0]
    )
    with client.stream("POST", "/r/stream", json=body, headers=headers) as response:
        out.append(json.loads(sse_events(response.read().decode())[1][1]))
    with client.stream("POST", "/r/stream_log", json=body, headers=headers) as response:
        last = [json.loads(d) for e, d in sse_events(response.read().decode()) if e == "data"][-1]
        out.append(next(op["value"] for op in last["ops"] if op["path"] == "/final_output"))
    with client.stream("POST", "/r/stream_events", json=body, headers=headers) as response:
        events = [json.loads(d) for e, d in sse_events(response.read().decode()) if e == "data"]
        out.append(events[-1]["data"]["output"])
    return out


def test_allow_list_applies_after_the_modifier_on_every_endpoint() -> None:
    def modifier(config: dict[str, Any], request: Any) -> dict[str, Any]:
        return {
            **config,
            "configurable": {**config.get("configurable", {}), "user": request.headers["x-user"]},
            "metadata": {"injected": True},  # metadata is not allowed: dropped everywhere
            "tags": ["injected"],
        }

    client, _ = serve(
        config_probe(), config_keys=("configurable",), per_req_config_modifier=modifier
    )
    results = outputs_everywhere(client, {"configurable": {"model": "m"}}, {"x-user": "ann"})
    assert len(results) == 5
    for result in results:
        assert result["configurable"] == {"model": "m", "user": "ann"}
        assert "injected" not in result["metadata"]
        assert result["tags"] == []


def test_async_modifier_and_allowed_tags() -> None:
    async def modifier(config: dict[str, Any], request: Any) -> dict[str, Any]:
        return {**config, "tags": [*config.get("tags", []), "server"]}

    client, _ = serve(
        config_probe(), config_keys=("configurable", "tags"), per_req_config_modifier=modifier
    )
    for result in outputs_everywhere(client, {"tags": ["client"]}):
        assert result["tags"] == ["client", "server"]


def test_unknown_config_keys_are_422() -> None:
    client, _ = serve(config_probe())
    response = client.post("/r/invoke", json={"input": 1, "config": {"callbackz": 1}})
    assert response.status_code == 422
    assert response.json()["type"] == "InvalidConfig"
    assert "callbackz" in response.json()["message"]


def test_configurable_when_not_allowed_is_422_and_other_keys_are_dropped() -> None:
    client, _ = serve(config_probe(), config_keys=())
    refused = client.post("/r/invoke", json={"input": 1, "config": {"configurable": {"a": 1}}})
    assert refused.status_code == 422
    # what a LangServe client sends by default (its ensure_config) is accepted and dropped
    defaults = {"tags": ["t"], "metadata": {"m": 1}, "recursion_limit": 25, "configurable": {}}
    answer = client.post("/r/invoke", json={"input": 1, "config": defaults})
    assert answer.status_code == 200
    assert answer.json()["output"] == {"tags": [], "metadata": {}, "configurable": {}}


def test_config_of_the_wrong_shape_is_422() -> None:
    client, _ = serve(config_probe(), config_keys=("configurable", "tags"))
    for config in ([1], {"tags": "x"}, {"configurable": 3}):
        assert client.post("/r/invoke", json={"input": 1, "config": config}).status_code == 422


def test_run_id_from_the_client_is_used() -> None:
    client, _ = serve(RunnableLambda(lambda x: x), config_keys=("configurable", "run_id"))
    run_id = str(uuid.uuid4())
    body = client.post("/r/invoke", json={"input": 1, "config": {"run_id": run_id}}).json()
    assert body["metadata"]["run_id"] == run_id


def test_config_keys_must_be_known() -> None:
    with pytest.raises(ValueError, match="unknown key"):
        serve(RunnableLambda(lambda x: x), config_keys=("callbacks",))
    with pytest.raises(ValueError, match="run_name"):
        serve(RunnableLambda(lambda x: x), config_keys=("run_name",))


# -- requests the server refuses ------------------------------------------------------------


def test_input_is_validated_against_the_input_schema() -> None:
    client, _ = serve(chat_chain())
    response = client.post("/r/invoke", json={"input": {"question": "hi"}})
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "InvalidInput"
    assert body["message"] == "invalid input at input.q: Field required"
    assert body["detail"] == [{"loc": ["input", "q"], "msg": "Field required", "type": "missing"}]
    with client.stream("POST", "/r/stream", json={"input": 3}) as streamed:
        assert streamed.status_code == 422  # before the stream starts: a real status


def test_validated_input_is_revived() -> None:
    from runnel.prompts import MessagesPlaceholder

    prompt = ChatPromptTemplate.from_messages([MessagesPlaceholder("history"), ("human", "{q}")])
    client, _ = serve(
        prompt | RunnableLambda(lambda value: [type(m).__name__ for m in value.to_messages()])
    )
    history = [{"type": "ai", "content": "earlier"}]
    output = client.post("/r/invoke", json={"input": {"q": "hi", "history": history}}).json()[
        "output"
    ]
    assert output == ["AIMessage", "HumanMessage"]


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"", 400, "empty"),
        (b"[1, 2]", 422, "JSON object"),
        (b'{"config": {}}', 422, "no 'input' field"),
        (b'{"input": 1, "kwargs": 3}', 422, "kwargs"),
        (b'{"input": 1, "include_names": "x"}', 422, "include_names"),
    ],
)
def test_malformed_bodies(body: bytes, status: int, fragment: str) -> None:
    client, _ = serve(RunnableLambda(lambda x: x))
    response = client.post(
        "/r/stream_log", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert fragment in response.json()["message"]


def test_body_size_limit_with_and_without_content_length() -> None:
    client, _ = serve(RunnableLambda(lambda x: x), max_body_bytes=100)
    big = json.dumps({"input": "x" * 200})
    assert client.post("/r/invoke", content=big).status_code == 413

    def chunks() -> Any:
        yield big[:50].encode()
        yield big[50:].encode()

    response = client.post("/r/invoke", content=chunks())  # chunked: no content-length
    assert response.status_code == 413
    assert "limit is 100 bytes" in response.json()["message"]
    assert client.post("/r/invoke", json={"input": "small"}).status_code == 200


def test_api_keys_guard_every_route() -> None:
    client, _ = serve(RunnableLambda(lambda x: x), api_keys=["k1", "k2"])
    routes = [
        ("post", "/r/invoke"),
        ("post", "/r/batch"),
        ("post", "/r/stream"),
        ("post", "/r/stream_log"),
        ("post", "/r/stream_events"),
        ("get", "/r/input_schema"),
        ("get", "/r/output_schema"),
        ("get", "/r/config_schema"),
    ]
    for method, url in routes:
        kwargs = {"json": {"input": 1, "inputs": [1]}} if method == "post" else {}
        refused = getattr(client, method)(url, **kwargs)
        assert refused.status_code == 401, url
        assert refused.headers["www-authenticate"] == "Bearer"
        wrong = getattr(client, method)(url, headers={"authorization": "Bearer nope"}, **kwargs)
        assert wrong.status_code == 401
        for headers in ({"authorization": "Bearer k1"}, {"x-api-key": "k2"}):
            assert getattr(client, method)(url, headers=headers, **kwargs).status_code == 200, url


def test_every_route_but_the_playground_files_refuses_without_a_key_in_its_own_shape() -> None:
    app = Starlette()
    add_routes(app, RunnableLambda(lambda x: x), "/r", api_keys="key")
    message = "missing or invalid API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
    client = TestClient(app, follow_redirects=False)
    routes = [r for r in app.router.routes if isinstance(r, Route)]
    assert len(routes) == 16  # 8 LangServe, 3 playground, 3 OpenAI, 2 AI SDK
    for route in routes:
        url = (
            route.path.replace("{model:path}", "r")
            .replace("{chat_id}", "c")
            .replace("{file}", "index.html")
        )
        method = "get" if "GET" in (route.methods or ()) else "post"
        refused = getattr(client, method)(url)
        if url.startswith("/r/playground"):  # static files: public
            assert refused.status_code in (200, 307), url
            continue
        assert refused.status_code == 401, url
        assert refused.headers["www-authenticate"] == "Bearer", url
        if url.startswith("/r/v1/"):  # OpenAI's error object
            assert refused.json() == {
                "error": {
                    "message": message,
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "Unauthorized",
                }
            }, url
        elif url.startswith("/r/vercel/"):  # useChat shows a plain-text body as the error
            assert refused.headers["content-type"] == "text/plain; charset=utf-8", url
            assert refused.text == message, url
        else:  # LangServe's
            assert refused.json() == {
                "status_code": 401,
                "message": message,
                "type": "Unauthorized",
            }, url
        allowed = getattr(client, method)(url, headers={"x-api-key": "key"})
        assert allowed.status_code != 401, url


def test_chat_endpoint_options_pass_through_add_routes() -> None:
    def adapter(messages: list[Any]) -> dict[str, int]:
        return {"n": len(messages)}

    app = Starlette()
    add_routes(
        app,
        RunnableLambda(lambda value: f"{value['n']} messages"),
        "/count",
        input_adapter=adapter,
        openai_model="counter-1",
        vercel_sdk_version=7,
    )
    client = TestClient(app)
    models = client.get("/count/v1/models").json()
    assert [m["id"] for m in models["data"]] == ["counter-1"]
    user = {"role": "user", "content": "hi"}
    answer = client.post(
        "/count/v1/chat/completions", json={"model": "x", "messages": [user, user]}
    ).json()
    assert (answer["model"], answer["choices"][0]["message"]["content"]) == (
        "counter-1",
        "2 messages",
    )
    ui_user = {"id": "u", "role": "user", "parts": [{"type": "text", "text": "x"}]}
    body = {"id": "c", "messages": [ui_user, ui_user, ui_user]}
    text = client.post("/count/vercel/chat", json=body).text
    chunks = [json.loads(e[len("data: ") :]) for e in text.split("\n\n") if e[6:7] == "{"]
    assert [c["delta"] for c in chunks if c["type"] == "text-delta"] == ["3 messages"]
    assert chunks[-1] == {"type": "finish", "finishReason": "stop"}  # sdk_version 7
    with pytest.raises(ValueError, match="sdk_version"):
        add_routes(Starlette(), RunnableLambda(lambda x: x), vercel_sdk_version=4)  # type: ignore[arg-type]


# -- errors ---------------------------------------------------------------------------------


def failing(before_first: bool, error: Exception) -> RunnableGenerator:
    async def gen(inputs: AsyncIterator[Any]) -> AsyncIterator[str]:
        async for _ in inputs:
            pass
        if not before_first:
            yield "partial "
        raise error

    return RunnableGenerator(gen)


SECRET = RuntimeError("db at /srv/app/settings.py refused key sk-abcdef0123456789")


def test_error_before_the_first_chunk_is_an_http_status() -> None:
    client, _ = serve(failing(True, SECRET), path="")
    with client.stream("POST", "/stream", json={"input": "x"}) as response:
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/json"
        assert json.loads(response.read()) == {
            "status_code": 500,
            "message": "Internal Server Error",
            "type": "RuntimeError",
        }


@pytest.mark.parametrize("endpoint", ["stream_log", "stream_events"])
def test_event_streams_report_a_failed_run_as_an_error_event(endpoint: str) -> None:
    # their first event is the run's start, so a failure inside the run comes after it
    client, _ = serve(failing(True, SECRET))
    with client.stream("POST", f"/r/{endpoint}", json={"input": "x"}) as response:
        assert response.status_code == 200
        events = sse_events(response.read().decode())
    assert events[0][0] == "data"
    assert events[-1] == (
        "error",
        '{"status_code": 500, "message": "Internal Server Error", "type": "RuntimeError"}',
    )


def test_error_after_the_first_chunk_is_a_masked_error_event() -> None:
    client, _ = serve(failing(False, SECRET))
    with client.stream("POST", "/r/stream", json={"input": "x"}) as response:
        assert response.status_code == 200
        events = sse_events(response.read().decode())
    assert [e for e, _ in events] == ["metadata", "data", "error"]  # no end after an error
    assert json.loads(events[-1][1]) == {
        "status_code": 500,
        "message": "Internal Server Error",
        "type": "RuntimeError",
    }


def test_unmasked_errors_still_hide_paths_and_keys() -> None:
    client, _ = serve(failing(False, SECRET), mask_errors=False)
    with client.stream("POST", "/r/stream", json={"input": "x"}) as response:
        message = json.loads(sse_events(response.read().decode())[-1][1])["message"]
    assert message == "db at <path> refused key <redacted>"
    invoke = client.post("/r/invoke", json={"input": "x"}).json()
    assert invoke["message"] == "db at <path> refused key <redacted>"


def test_provider_errors_keep_their_meaning() -> None:
    limited = ProviderError("slow down", provider="openai", status_code=429)
    client, _ = serve(failing(True, limited))
    response = client.post("/r/invoke", json={"input": "x"})
    assert response.status_code == 429
    assert response.json() == {
        "status_code": 429,
        "message": "Too Many Requests",
        "type": "ProviderError",
    }


def test_error_translator_chooses_status_and_message() -> None:
    from runnel.server import ErrorInfo

    def translate(exc: BaseException) -> ErrorInfo | None:
        if isinstance(exc, KeyError):
            return ErrorInfo(404, "NotFound", f"no such item {exc.args[0]}")
        return None

    def lookup(x: str) -> Any:
        raise KeyError(x)

    client, _ = serve(RunnableLambda(lookup), error_translator=translate)
    response = client.post("/r/invoke", json={"input": "apple"})
    assert response.status_code == 404
    assert response.json()["message"] == "no such item apple"


# -- streaming behaviour --------------------------------------------------------------------


def test_heartbeat_only_when_idle() -> None:
    async def gen(inputs: AsyncIterator[Any]) -> AsyncIterator[str]:
        async for _ in inputs:
            pass
        for i in range(50):
            yield f"t{i}"
        await anyio.sleep(0.25)  # the scenario: a model that pauses
        yield "after"

    client, _ = serve(RunnableGenerator(gen), heartbeat=0.05)
    with client.stream("POST", "/r/stream", json={"input": "x"}) as response:
        body = response.read().decode()
    before, _, after = body.partition('data: "t49"')
    assert ": ping - " not in before  # a busy stream never pings
    assert after.count(": ping - ") >= 2  # an idle one does
    assert re.search(r": ping - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\+00:00\r\n\r\n", after)


def test_no_heartbeat_when_zero() -> None:
    async def gen(inputs: AsyncIterator[Any]) -> AsyncIterator[str]:
        async for _ in inputs:
            pass
        yield "a"
        await anyio.sleep(0.2)
        yield "b"

    client, _ = serve(RunnableGenerator(gen), heartbeat=0)
    with client.stream("POST", "/r/stream", json={"input": "x"}) as response:
        assert ": ping" not in response.read().decode()


def test_closing_the_response_closes_the_run() -> None:
    log: list[str] = []

    async def gen(inputs: AsyncIterator[Any]) -> AsyncIterator[str]:
        async for _ in inputs:
            pass
        try:
            yield "first"
            await anyio.sleep_forever()
        finally:
            log.append("closed")

    client, _ = serve(RunnableGenerator(gen))
    with client.stream("POST", "/r/stream", json={"input": "x"}) as response:
        lines = response.iter_lines()
        while 'data: "first"' not in next(lines):
            pass
    assert log == ["closed"]


def test_shutdown_before_the_first_event_is_503() -> None:
    client, settings = serve(RunnableLambda(lambda x: x))
    settings.shutdown.trigger()
    with client.stream("POST", "/r/stream", json={"input": 1}) as response:
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
    settings.shutdown.reset()
    assert client.post("/r/invoke", json={"input": 1}).status_code == 200
