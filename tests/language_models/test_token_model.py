"""The conformance scenarios' scripted token model, against what langchain-core produces.

The expected values are those of the public conformance goldens (chat_stream_goldfish,
chunks_add_sky, llm_stream_sparkling, js_invoke_new_token_callback).
"""

from __future__ import annotations

from typing import Any

import pytest

from runnel.callbacks import AsyncCallbackHandler
from runnel.messages import AIMessage, AIMessageChunk, HumanMessage

from .conftest import ModelRecorder, token_model

pytestmark = pytest.mark.anyio


def bars(printed: str) -> list[str]:
    """The tokens of a "|"-separated rendering, as the seeds print streams."""
    return printed.split("|")


GOLDFISH = bars(
    "Here| is| a| |1| |verse| song| about| gol|dfish| on| the| moon|:|\n\n|Floating| up| in|"
    " the| star|ry| night|,|\n|Fins| a|-|gl|im|mer|."
)
GOLDFISH_TEXT = (
    "Here is a 1 verse song about goldfish on the moon:\n\n"
    "Floating up in the starry night,\nFins a-glimmer."
)
SONG = bars(
    "|\n|Spark|ling| water|,| oh| so clear|\n|Bubbles dancing|,| without| fear|\n|Refreshing|"
    " taste|,| a| pure| delight|\n|Spark|ling| water|,| my| thirst|'s| delight|"
)
JOKE = bars(
    "\n\n|Q|:| Why| did| the| chicken| cross| the| playground|?|\n|A|:| To| get| to| the|"
    " other| slide|."
)


async def test_chat_stream_goldfish() -> None:
    chat = token_model(GOLDFISH)
    prompt = "Write me a 1 verse song about goldfish on the moon"
    chunks = list(chat.stream(prompt))
    assert "".join(c.content + "|" for c in chunks) == "".join(t + "|" for t in GOLDFISH)
    assert {type(c) for c in chunks} == {AIMessageChunk}
    assert len(chunks) == 32
    achunks = [c async for c in chat.astream(prompt)]
    assert [c.content for c in achunks] == GOLDFISH
    total = achunks[0]
    for chunk in achunks[1:]:
        total = total + chunk
    assert type(total) is AIMessageChunk
    assert total.content == GOLDFISH_TEXT
    for message in (await chat.ainvoke(prompt), chat.invoke(prompt)):
        assert type(message) is AIMessage
        assert message.content == GOLDFISH_TEXT


async def test_chunks_add_sky() -> None:
    model = token_model(["The", " sky", " appears", " blue", " during", " the", " day", "."])
    chunks = list(model.stream("what color is the sky?"))
    printed = "".join(c.content + "|" for c in chunks)
    assert printed == "The| sky| appears| blue| during| the| day|.|"
    total = chunks[0] + chunks[1] + chunks[2] + chunks[3] + chunks[4]
    assert type(total) is AIMessageChunk
    assert total.content == "The sky appears blue during"


async def test_llm_stream_sparkling() -> None:
    llm = token_model(SONG, chat=False)
    prompt = "Write me a 1 verse song about sparkling water."
    chunks = list(llm.stream(prompt))
    assert chunks == SONG
    assert {type(c) for c in chunks} == {str}
    assert [c async for c in llm.astream(prompt)] == SONG
    assert llm.invoke(prompt) == await llm.ainvoke(prompt) == "".join(SONG)


class AsyncRecorder(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.records: list[tuple[str, Any]] = []

    async def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[Any]], **kw: Any
    ) -> None:
        self.records.append(("on_chat_model_start", messages))

    async def on_llm_new_token(self, token: Any, **kw: Any) -> None:
        self.records.append(("on_llm_new_token", token))

    async def on_llm_end(self, response: Any, **kw: Any) -> None:
        self.records.append(("on_llm_end", response.generations[0][0].message))


async def test_js_invoke_new_token_callback() -> None:
    model = token_model(JOKE, chat=False, streaming=True)
    handler = ModelRecorder()
    response = model.invoke("Tell me a joke.", {"callbacks": [handler]})
    assert handler.tokens() == JOKE
    assert handler.hooks() == ["on_llm_start"] + ["on_llm_new_token"] * 21 + ["on_llm_end"]
    assert response == "".join(JOKE)

    chat = token_model(JOKE, streaming=True)
    ahandler = AsyncRecorder()
    message = await chat.ainvoke("Tell me a joke.", {"callbacks": [ahandler]})
    assert ahandler.records[0] == ("on_chat_model_start", [[HumanMessage("Tell me a joke.")]])
    assert ahandler.records[1:-1] == [("on_llm_new_token", t) for t in JOKE]
    hook, end_message = ahandler.records[-1]
    assert hook == "on_llm_end"
    assert type(end_message) is AIMessage
    assert end_message.content == message.content == "".join(JOKE)

    plain = token_model(JOKE[:4], chat=False)
    quiet = ModelRecorder()
    plain.invoke("Tell me a joke.", {"callbacks": [quiet]})
    assert quiet.hooks() == ["on_llm_start", "on_llm_end"]
    streaming = ModelRecorder()
    streamed = list(plain.stream("Tell me a joke.", {"callbacks": [streaming]}))
    assert streaming.hooks() == ["on_llm_start"] + ["on_llm_new_token"] * 4 + ["on_llm_end"]
    assert streamed == JOKE[:4]


async def test_stop_cuts_the_stream() -> None:
    chat = token_model(["a", "b!", "c"])
    assert [c.content for c in chat.stream("x", stop=["!"])] == ["a"]
    assert chat.invoke("x", stop=["!"]).content == "a"
