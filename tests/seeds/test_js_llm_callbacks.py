"""Seed (JS) "How to stream responses from an LLM" (003), translated to Python.

``model.stream`` yields the completion token by token; a model built with
``streaming=True`` and invoked with a handler of ``on_llm_new_token`` (JS
``handleLLMNewToken``) reports every token to it before ``invoke`` returns. Each test runs
the translated code with only the import lines changed (see `providers`).
"""

from __future__ import annotations

from typing import Any

import pytest

from runnel.callbacks import AsyncCallbackHandler, BaseCallbackHandler

from .providers import JOKE

pytestmark = pytest.mark.anyio


def test_using_stream(capsys: pytest.CaptureFixture[str]) -> None:
    from .providers import OpenAIJoke as OpenAI

    model = OpenAI(max_tokens=25)

    stream = model.stream("Tell me a joke.")

    for chunk in stream:
        print(chunk)

    # One print per token (the stand-in's tokens are characters), each ending a line.
    assert capsys.readouterr().out == "".join(f"{token}\n" for token in JOKE)


def test_using_a_callback_handler(capsys: pytest.CaptureFixture[str]) -> None:
    from .providers import OpenAIJoke as OpenAI

    # To enable streaming, we pass in `streaming=True` to the LLM constructor.
    # Additionally, we pass in a handler for the `on_llm_new_token` event.
    model = OpenAI(max_tokens=25, streaming=True)

    log: list[Any] = []  # (not in the document) the order of what happened

    class Handler(BaseCallbackHandler):
        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            print({"token": token})
            log.append(token)

    response = model.invoke("Tell me a joke.", {"callbacks": [Handler()]})
    log.append("returned")
    print(response)

    assert response == JOKE
    assert log == [*JOKE, "returned"]  # every token, each before invoke returned
    assert capsys.readouterr().out.startswith("{'token': '\\n'}\n{'token': '\\n'}\n{'token': 'Q'}")


async def test_using_an_async_callback_handler() -> None:
    from .providers import OpenAIJoke as OpenAI

    model = OpenAI(max_tokens=25, streaming=True)
    log: list[Any] = []

    class Handler(AsyncCallbackHandler):
        async def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            log.append(token)

    response = await model.ainvoke("Tell me a joke.", {"callbacks": [Handler()]})
    log.append("returned")

    assert response == JOKE
    assert log == [*JOKE, "returned"]


def test_without_streaming_invoke_reports_no_tokens() -> None:
    from .providers import OpenAIJoke as OpenAI

    model = OpenAI(max_tokens=25)  # (the contrast: no streaming=True)
    tokens: list[str] = []

    class Handler(BaseCallbackHandler):
        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            tokens.append(token)

    assert model.invoke("Tell me a joke.", {"callbacks": [Handler()]}) == JOKE
    assert tokens == []
    assert "".join(model.stream("Tell me a joke.", {"callbacks": [Handler()]})) == JOKE
    assert "".join(tokens) == JOKE
