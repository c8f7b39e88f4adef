"""The playground in a real headless Chromium (Debian's `chromium`, driven by Playwright).

The served chain holds its run after the first token until the test opens a gate, so
"the output streams in" is checked by what the page shows while the server is provably
still running, not by timing.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Literal

import anyio
import pytest
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.testclient import TestClient
from tests.server._live import live_server

from runnel.language_models import GenericFakeChatModel
from runnel.messages import AIMessage, BaseMessage
from runnel.output_parsers import StrOutputParser
from runnel.prompts import ChatPromptTemplate
from runnel.runnables import RunnableGenerator, RunnableLambda
from runnel.server import add_routes
from runnel.server._playground import STATIC_DIR

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KEY = "sk-playground-0123456789"
USAGE = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}


class Gate:
    """Lets the first chunk through, then holds the run until the test opens it."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.closed = threading.Event()
        self.log: list[str] = []

    def reset(self) -> None:
        self.open.clear()
        self.closed.clear()
        self.log.clear()

    def step(self) -> RunnableGenerator:
        async def gate(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
            first = True
            try:
                async for chunk in chunks:
                    yield chunk
                    if first:
                        first = False
                        opened = await anyio.to_thread.run_sync(
                            self.open.wait, 10, abandon_on_cancel=True
                        )
                        self.log.append("released" if opened else "timed out")
            finally:
                self.log.append("closed")
                self.closed.set()

        return RunnableGenerator(gate)


class Params(BaseModel):
    topic: str
    count: int = 2
    loud: bool = False
    style: Literal["short", "long"] = "short"


def describe(params: Params) -> str:
    return f"{params.topic}|{params.count}|{params.loud}|{params.style}"


def count_messages(value: dict[str, list[BaseMessage]]) -> str:
    return " / ".join(f"{m.type}:{m.text}" for m in value["messages"])


async def fail(_: Any) -> AsyncIterator[str]:
    yield "partial "
    raise RuntimeError("secret /srv/keys.txt")


def build_app(gate: Gate) -> Starlette:
    model = GenericFakeChatModel(
        messages=itertools.cycle([AIMessage("alpha beta gamma", usage_metadata=USAGE)])
    )
    prompt = ChatPromptTemplate.from_messages([("system", "be brief"), ("human", "{question}")])
    history = ChatPromptTemplate.from_messages([("placeholder", "{messages}")])
    app = Starlette()
    add_routes(app, prompt | model | StrOutputParser() | gate.step(), path="/chain")
    add_routes(app, RunnableLambda(describe), path="/params")
    add_routes(
        app,
        history | RunnableLambda(lambda v: count_messages({"messages": v.to_messages()})),
        path="/history",
    )
    add_routes(app, RunnableGenerator(fail), path="/fails")
    add_routes(app, RunnableLambda(lambda text: text.upper()), path="/secure", api_keys=KEY)
    return app


@pytest.fixture(scope="module")
def gate() -> Gate:
    return Gate()


@pytest.fixture(scope="module")
def base_url(gate: Gate) -> Iterator[str]:
    with live_server(build_app(gate)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is needed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def test_typing_an_input_and_watching_tokens_arrive(page: Any, base_url: str, gate: Gate) -> None:
    from playwright.sync_api import expect

    gate.reset()
    page.goto(f"{base_url}/chain/playground/")
    page.get_by_label("Question").fill("hello?")
    page.get_by_role("button", name="Run").click()
    output = page.locator("#output")
    expect(output).to_have_text("alpha")
    assert gate.log == []  # the page shows the first token while the run waits
    timeline = page.locator("#timeline tbody tr")
    model_row = timeline.filter(has_text="GenericFakeChatModel")
    expect(model_row).to_have_attribute("data-state", "running")
    gate.open.set()
    expect(output).to_have_text("alpha beta gamma")
    expect(page.locator("#status")).to_contain_text("done")
    assert gate.log == ["released", "closed"]
    expect(model_row).to_have_attribute("data-state", "done")
    expect(model_row.locator("td.tokens")).to_have_text("5 (in 3 / out 2)")
    expect(model_row.locator("td.type")).to_have_text("chat_model")
    expect(model_row.locator("td.time")).to_have_text(_DURATION)
    names = [n.strip() for n in timeline.locator("td.step").all_inner_texts()]
    assert names[0] == "/chain"
    assert {"ChatPromptTemplate", "GenericFakeChatModel", "StrOutputParser", "gate"} <= set(names)


_DURATION = __import__("re").compile(r"^\d+(\.\d+)? m?s$")


def test_stop_cancels_the_run_on_the_server(page: Any, base_url: str, gate: Gate) -> None:
    from playwright.sync_api import expect

    gate.reset()
    page.goto(f"{base_url}/chain/playground/")
    page.get_by_label("Question").fill("stop me")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#output")).to_have_text("alpha")
    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#status")).to_contain_text("stopped")
    assert gate.closed.wait(10)  # the disconnect closed the run while it waited
    assert gate.log == ["closed"]
    gate.open.set()


def test_the_form_follows_the_input_schema(page: Any, base_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/params/playground/")
    page.get_by_label("Topic").fill("cats")
    expect(page.get_by_label("Count")).to_have_value("2")
    page.get_by_label("Count").fill("7")
    page.get_by_label("Loud").check()
    page.get_by_label("Style").select_option("long")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#output")).to_have_text("cats|7|True|long")


def test_a_message_list_input_gets_a_message_editor(page: Any, base_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/history/playground/")
    page.get_by_label("Messages (optional)").fill("hi there")
    page.get_by_role("button", name="+ message").click()
    page.get_by_label("Messages message").fill("hello")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#output")).to_have_text("human:hi there / ai:hello")


def test_a_failure_is_shown_masked(page: Any, base_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/fails/playground/")
    page.get_by_label("JSON or text").fill("go")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#error")).to_have_text("500: Internal Server Error")
    expect(page.locator("#output")).to_have_text("partial ")
    expect(page.locator("#status")).to_contain_text("failed")


def test_a_server_with_api_keys_asks_for_one(page: Any, base_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/secure/playground/")
    expect(page.locator("#fields")).to_contain_text("needs an API key")
    page.get_by_label("API key").fill(KEY)
    page.get_by_label("API key").press("Enter")
    page.get_by_label("JSON or text").fill("quiet")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#output")).to_have_text("QUIET")


# -- the files themselves ---------------------------------------------------------------------


def test_files_are_served_locally_with_a_strict_policy() -> None:
    app = Starlette()
    add_routes(app, RunnableLambda(lambda x: x), path="/c", api_keys=KEY)
    with TestClient(app, follow_redirects=False) as http:
        page = http.get("/c/playground/")
        assert page.status_code == 200  # public: the data routes are what is guarded
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert http.get("/c/playground").headers["location"] == "/c/playground/"
        assert (
            http.get("/c/playground/playground.js")
            .headers["content-type"]
            .startswith("text/javascript")
        )
        assert http.get("/c/playground/nope.js").status_code == 404
        assert http.get("/c/playground/..%2F_playground.py").status_code == 404
        assert http.get("/c/input_schema").status_code == 401
    for name in ("index.html", "playground.js", "playground.css"):
        text = (STATIC_DIR / name).read_text()
        assert "://" not in text  # nothing fetched from the network
