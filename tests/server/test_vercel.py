"""The AI SDK route, read by the npm `ai` package's own client code under Node.js.

`tests/server/js/chat.mjs` drives a real uvicorn on 127.0.0.1 with `AbstractChat` (the class
`useChat` wraps; it sends the whole history each turn) and with `DefaultChatTransport` +
`readUIMessageStream`, for ai 7.0.173 (`ai`) and ai 5.0.60 (`ai5`, below 5.0.92: the
strictest client). All scripts run in one Node process; each test checks its report.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from tests.server._live import live_server

from runnel.callbacks.manager import adispatch_custom_event
from runnel.language_models import GenericFakeChatModel
from runnel.messages import AIMessage, BaseMessage
from runnel.prompts import ChatPromptTemplate
from runnel.runnables import RunnableGenerator, RunnableLambda
from runnel.server import ServerSettings, _vercel, add_routes
from runnel.tools import tool

JS = Path(__file__).parent / "js"
USAGE = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
KEY = "sk-ui-test-0123456789"


# -- the served chains ----------------------------------------------------------------------------


AUTH_MESSAGE = (
    "missing or invalid API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
)


def fake(*answers: AIMessage | str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=itertools.cycle(answers))


@tool
def get_weather(city: str) -> dict[str, int]:
    """Get the weather of a city."""
    return {"temp_c": 18}


@tool
def broken_weather(city: str) -> str:
    """Fail with a secret."""
    raise ValueError("secret /srv/keys.txt")


async def with_tool(_: Any) -> str:
    await get_weather.ainvoke({"city": "Paris"})
    return "It is 18 C in Paris."


async def with_broken_tool(_: Any) -> str:
    with contextlib.suppress(ValueError):
        await broken_weather.ainvoke({"city": "Paris"})
    return "No weather today."


async def with_progress(_: Any) -> str:
    await adispatch_custom_event("progress", {"percent": 100})
    return "done"


def failing(after: int) -> RunnableGenerator:
    async def tokens(_: Any) -> AsyncIterator[str]:
        for index in range(after):
            yield f"t{index} "
        raise RuntimeError("secret /srv/keys.txt")

    return RunnableGenerator(tokens)


class Recorder:
    def __init__(self) -> None:
        self.seen: list[list[BaseMessage]] = []

    def __call__(self, messages: list[BaseMessage]) -> str:
        self.seen.append(messages)
        return f"echo: {messages[-1].text}"


def build_app(recorder: Recorder) -> Starlette:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "be brief"), ("placeholder", "{messages}")]
    )
    app = Starlette()
    mounts: dict[str, Any] = {
        "/text": prompt | fake(AIMessage("hello there world", usage_metadata=USAGE)),
        "/echo": RunnableLambda(recorder),
        "/tools": RunnableLambda(with_tool),
        "/broken-tool": RunnableLambda(with_broken_tool),
        "/tool-call": prompt
        | fake(
            AIMessage(
                "", tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "c1"}]
            )
        ),
        "/custom": RunnableLambda(with_progress),
        "/late": RunnableLambda(lambda _: "x") | failing(2),
        "/early": RunnableLambda(lambda _: "x") | failing(0),
    }
    for path, runnable in mounts.items():
        add_routes(app, runnable, path=path, enabled_endpoints=["vercel"])
    add_routes(app, RunnableLambda(lambda _: "ok"), path="/auth", api_keys=KEY)
    add_routes(
        app,
        RunnableLambda(lambda _: "seven"),
        path="/v7",
        enabled_endpoints=["vercel"],
        vercel_sdk_version=7,
    )
    return app


# -- the harness ----------------------------------------------------------------------------------


def ensure_node_modules() -> None:
    """`npm ci` in tests/server/js when its node_modules are missing."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are needed to run the AI SDK client")
    if all((JS / "node_modules" / name / "package.json").exists() for name in ("ai", "ai5")):
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"],
        cwd=JS,
        check=True,
        capture_output=True,
        timeout=600,
    )


SCRIPTS: dict[str, dict[str, Any]] = {
    "text-ai7": {"path": "/text", "sdk": "ai", "turns": ["hi"]},
    "text-ai5": {"path": "/text", "sdk": "ai5", "turns": ["hi"]},
    "history": {"path": "/echo", "sdk": "ai", "turns": ["first", "second"]},
    "transport": {"path": "/text", "sdk": "ai", "mode": "transport", "turns": ["hi"]},
    "tools-ai5": {"path": "/tools", "sdk": "ai5", "turns": ["weather?"]},
    "broken-tool": {"path": "/broken-tool", "sdk": "ai", "turns": ["weather?"]},
    "tool-call-ai5": {"path": "/tool-call", "sdk": "ai5", "turns": ["weather?"]},
    "custom": {"path": "/custom", "sdk": "ai", "turns": ["go"]},
    "late": {"path": "/late", "sdk": "ai", "turns": ["go"]},
    "early": {"path": "/early", "sdk": "ai", "turns": ["go"]},
    "v7-ai7": {"path": "/v7", "sdk": "ai", "turns": ["hi"]},
    "v7-ai5": {"path": "/v7", "sdk": "ai5", "turns": ["hi"]},
    "auth-ok": {
        "path": "/auth",
        "sdk": "ai",
        "turns": ["hi"],
        "headers": {"Authorization": f"Bearer {KEY}"},
    },
    "auth-missing": {"path": "/auth", "sdk": "ai", "turns": ["hi"]},
}


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def reports(recorder: Recorder) -> dict[str, Any]:
    ensure_node_modules()
    with live_server(build_app(recorder)) as base:
        scripts = [
            {"mode": "chat", **script, "url": f"{base}{script['path']}/vercel/chat"}
            for script in SCRIPTS.values()
        ]
        done = subprocess.run(
            ["node", str(JS / "chat.mjs"), json.dumps(scripts)],
            cwd=JS,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    return dict(zip(SCRIPTS, json.loads(done.stdout), strict=True))


def assistant(report: dict[str, Any]) -> dict[str, Any]:
    assert report.get("thrown") is None, report
    last = report["messages"][-1]
    assert last["role"] == "assistant", report
    return last


# -- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["text-ai7", "text-ai5"])
def test_a_text_answer_with_usage_and_run_id(reports: dict[str, Any], name: str) -> None:
    report = reports[name]
    assert (report["status"], report["error"], report["errors"]) == ("ready", None, [])
    message = assistant(report)
    assert message["parts"] == [
        {"type": "step-start"},
        {"type": "text", "text": "hello there world", "state": "done"},
    ]
    assert message["metadata"]["usage"] == USAGE
    run_id = message["metadata"]["run_id"]
    assert message["id"] == "msg_" + run_id.replace("-", "")
    assert report["finished"] == [message["id"]]


def test_each_turn_sends_the_whole_history(reports: dict[str, Any], recorder: Recorder) -> None:
    report = reports["history"]
    texts = [
        (m["role"], "".join(p.get("text", "") for p in m["parts"])) for m in report["messages"]
    ]
    assert texts == [
        ("user", "first"),
        ("assistant", "echo: first"),
        ("user", "second"),
        ("assistant", "echo: second"),
    ]
    first, second = recorder.seen
    assert [(m.type, m.text) for m in first] == [("human", "first")]
    assert [(m.type, m.text) for m in second] == [
        ("human", "first"),
        ("ai", "echo: first"),
        ("human", "second"),
    ]


def test_the_client_sees_the_text_grow(reports: dict[str, Any]) -> None:
    report = reports["transport"]
    assert report["errors"] == []
    texts = [t for t in report["snapshots"] if t]
    assert texts[0] == "hello" and texts[-1] == "hello there world"
    assert len(set(texts)) == 5  # one snapshot per token
    assert all(b.startswith(a) for a, b in itertools.pairwise(texts))


def test_a_tool_run_inside_the_chain_shows_as_a_dynamic_tool_part(reports: dict[str, Any]) -> None:
    message = assistant(reports["tools-ai5"])
    step, tool_part, next_step, text = message["parts"]
    assert step == next_step == {"type": "step-start"}
    assert tool_part["type"] == "dynamic-tool"
    assert (tool_part["toolName"], tool_part["state"]) == ("get_weather", "output-available")
    assert (tool_part["input"], tool_part["output"]) == ({"city": "Paris"}, {"temp_c": 18})
    assert text == {"type": "text", "text": "It is 18 C in Paris.", "state": "done"}


def test_a_failed_tool_shows_a_masked_error(reports: dict[str, Any]) -> None:
    report = reports["broken-tool"]
    assert report["status"] == "ready"
    tool_part = assistant(report)["parts"][1]
    assert (tool_part["state"], tool_part["errorText"]) == ("output-error", "Internal Server Error")


def test_a_tool_call_in_the_answer_is_left_for_the_client(reports: dict[str, Any]) -> None:
    report = reports["tool-call-ai5"]
    assert report["status"] == "ready"
    tool_part = assistant(report)["parts"][1]
    assert tool_part["type"] == "dynamic-tool"
    assert (tool_part["toolCallId"], tool_part["toolName"]) == ("c1", "get_weather")
    assert (tool_part["state"], tool_part["input"]) == ("input-available", {"city": "Paris"})


def test_custom_events_arrive_as_data_parts(reports: dict[str, Any]) -> None:
    report = reports["custom"]
    assert report["data"] == [{"type": "data-progress", "data": {"percent": 100}}]
    assert {"type": "data-progress", "data": {"percent": 100}} in assistant(report)["parts"]


def test_a_failure_after_output_keeps_the_partial_text(reports: dict[str, Any]) -> None:
    report = reports["late"]
    assert (report["status"], report["error"]) == ("error", "Internal Server Error")
    parts = assistant(report)["parts"]
    assert [p["text"] for p in parts if p["type"] == "text"] == ["t0 t1 "]


def test_a_failure_before_output_is_the_http_error_the_client_shows(
    reports: dict[str, Any],
) -> None:
    report = reports["early"]
    assert (report["status"], report["error"]) == ("error", "Internal Server Error")
    assert [m["role"] for m in report["messages"]] == ["user"]


def test_finish_reason_is_only_sent_to_clients_that_accept_it(reports: dict[str, Any]) -> None:
    assert reports["v7-ai7"]["status"] == "ready"
    assert assistant(reports["v7-ai7"])["parts"][1]["text"] == "seven"
    # an sdk_version=7 stream breaks ai 5.0.60: why the default is the v5-safe subset
    report = reports["v7-ai5"]
    assert report["status"] == "error" and "finishReason" in report["error"]


def test_api_keys_guard_the_route(reports: dict[str, Any]) -> None:
    assert assistant(reports["auth-ok"])["parts"][1]["text"] == "ok"
    report = reports["auth-missing"]
    assert report["status"] == "error"
    assert report["error"] == AUTH_MESSAGE  # the plain-text 401 body, as useChat shows it


def test_api_keys_refuse_with_a_plain_text_401() -> None:
    app = build_app(Recorder())
    with TestClient(app) as http:
        for refused in (
            http.post("/auth/vercel/chat", json={"id": "c", "messages": []}),
            http.get("/auth/vercel/chat/c/stream", headers={"authorization": "Bearer nope"}),
        ):
            assert refused.status_code == 401
            assert refused.headers["content-type"] == "text/plain; charset=utf-8"
            assert refused.headers["www-authenticate"] == "Bearer"
            assert refused.text == AUTH_MESSAGE


# -- in-process checks ----------------------------------------------------------------------------


def test_headers_framing_and_resume() -> None:
    app = build_app(Recorder())
    with TestClient(app) as http:
        body = {
            "id": "c",
            "messages": [{"id": "u", "role": "user", "parts": [{"type": "text", "text": "x"}]}],
        }
        response = http.post("/text/vercel/chat", json=body)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        events = response.text.split("\n\n")
        assert events[-2:] == ["data: [DONE]", ""]
        assert all(e.startswith("data: ") for e in events[:-1])
        assert json.loads(events[0][len("data: ") :])["type"] == "start"
        assert http.get("/text/vercel/chat/c/stream").status_code == 204
        bad = http.post("/text/vercel/chat", json={"id": "c", "messages": []})
        assert (bad.status_code, bad.headers["content-type"]) == (400, "text/plain; charset=utf-8")
        assert "non-empty array" in bad.text


def test_a_chat_config_reaches_the_run_under_the_allow_list() -> None:
    seen: list[Any] = []

    def record(_: Any, config: Any) -> str:
        seen.append((config.get("metadata", {}).get("chat_id"), config.get("configurable")))
        return "ok"

    app = Starlette()
    add_routes(app, RunnableLambda(record), path="/c")
    body = {
        "id": "chat-9",
        "messages": [{"id": "u", "role": "user", "parts": [{"type": "text", "text": "x"}]}],
        "config": {"configurable": {"user": "ann"}},
    }
    with TestClient(app) as http:
        assert http.post("/c/vercel/chat", json=body).status_code == 200
        body["config"] = {"callbacks": "nope", "bogus": 1}
        rejected = http.post("/c/vercel/chat", json=body)
    assert seen == [("chat-9", {"user": "ann"})]
    assert rejected.status_code == 422 and "bogus" in rejected.text


def test_an_unknown_sdk_version_is_refused() -> None:
    with pytest.raises(ValueError, match="sdk_version"):
        _vercel.routes(RunnableLambda(lambda _: "x"), ServerSettings(), sdk_version=4)  # type: ignore[arg-type]
