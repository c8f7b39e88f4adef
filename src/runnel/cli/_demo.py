"""`runnel demo`: the seed documents' examples, streamed on fake models (offline)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

__all__ = ["PARTS", "run_demo"]

SONG = (
    "Sparkling water, oh so clear\nBubbles dancing, without fear\n"
    "Refreshing taste, a pure delight\nSparkling water, my thirst's delight"
)
GOLDFISH = (
    "Here is a 1 verse song about goldfish on the moon:\n\nFloating up in the starry night,\n"
    "Fins a-glimmer in the pale moonlight."
)
JOKE = "Why did the parrot wear a raincoat? Because it wanted to be a little polly-unsaturated!"
COUNTRIES = (
    '{"countries": [{"name": "France", "population": 67413000}, '
    '{"name": "Spain", "population": 47351567}, {"name": "Japan", "population": 125584000}]}'
)


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _chat(text: str, delay: float) -> Any:
    from runnel.language_models import GenericFakeChatModel

    return GenericFakeChatModel(messages=iter([text] * 10), sleep=delay)


def _llm(text: str, delay: float) -> Any:
    from runnel.language_models import FakeStreamingListLLM

    return FakeStreamingListLLM(responses=[text] * 10, sleep=delay)


async def sparkling(delay: float) -> None:
    """Seed 000: an LLM streams a song; `|` marks the chunk boundaries."""
    llm = _llm(SONG, delay)
    async for chunk in llm.astream("Write me a 1 verse song about sparkling water."):
        _out(chunk + "|")
    _out("\n")


async def goldfish(delay: float) -> None:
    """Seed 002: a chat model streams AIMessageChunks that add up to the whole message."""
    chat = _chat(GOLDFISH, delay)
    total = None
    async for chunk in chat.astream("Write me a 1 verse song about goldfish on the moon"):
        _out(chunk.content + "|")
        total = chunk if total is None else total + chunk
    _out(f"\n\nsum of the chunks: {total!r}\n")


async def parrot(delay: float) -> None:
    """Seed 004: prompt | model | parser streams the parser's strings."""
    from runnel.output_parsers import StrOutputParser
    from runnel.prompts import ChatPromptTemplate

    chain = (
        ChatPromptTemplate.from_template("tell me a joke about {topic}")
        | _chat(JOKE, delay)
        | StrOutputParser()
    )
    async for chunk in chain.astream({"topic": "parrot"}):
        _out(chunk + "|")
    _out("\n")


async def countries(delay: float) -> None:
    """Seed 004: JSON streams as partial objects."""
    from runnel.output_parsers import JsonOutputParser

    chain = _chat(COUNTRIES, delay) | JsonOutputParser()
    async for value in chain.astream("output a list of the countries france, spain and japan"):
        _out(f"{value}\n")


def _extract_country_names(inputs: Any) -> Any:
    if not isinstance(inputs, dict) or not isinstance(inputs.get("countries"), list):
        return ""
    return [c.get("name") for c in inputs["countries"] if isinstance(c, dict)]


async def _extract_country_names_streaming(input_stream: AsyncIterator[Any]) -> Any:
    seen: set[str] = set()
    async for value in input_stream:
        if not isinstance(value, dict) or not isinstance(value.get("countries"), list):
            continue
        for country in value["countries"]:
            name = country.get("name") if isinstance(country, dict) else None
            if name and name not in seen:
                seen.add(name)
                yield name


async def extract(delay: float) -> None:
    """Seed 004: a plain function breaks streaming; a generator function keeps it."""
    from runnel.output_parsers import JsonOutputParser

    _out("plain function:     ")
    chain = _chat(COUNTRIES, delay) | JsonOutputParser() | _extract_country_names
    async for value in chain.astream("countries"):
        _out(f"{value}|")
    _out("\ngenerator function: ")
    chain = _chat(COUNTRIES, delay) | JsonOutputParser() | _extract_country_names_streaming
    async for value in chain.astream("countries"):
        _out(f"{value}|")
    _out("\n")


async def events(delay: float) -> None:
    """Seed 004: astream_events, filtered to the model's and the parser's stream events."""
    from runnel.output_parsers import JsonOutputParser

    chain = _chat(COUNTRIES, delay).with_config(run_name="model") | JsonOutputParser()
    async for event in chain.astream_events("countries", include_types=["chat_model", "parser"]):
        if event["event"] == "on_chat_model_stream":
            _out(f"Chat model chunk: {event['data']['chunk'].content!r}\n")
        elif event["event"] == "on_parser_stream":
            _out(f"Parser chunk: {event['data']['chunk']}\n")


PARTS: dict[str, Callable[[float], Any]] = {
    "sparkling": sparkling,
    "goldfish": goldfish,
    "parrot": parrot,
    "countries": countries,
    "extract": extract,
    "events": events,
}


def run_demo(*, only: str | None, list_parts: bool, delay: float) -> int:
    """Run the demo parts (or one); returns the exit code."""
    if list_parts:
        for name, part in PARTS.items():
            doc = (part.__doc__ or "").strip().splitlines()[0]
            print(f"{name:<10} {doc}")
        return 0
    if only is not None and only not in PARTS:
        print(f"runnel demo: unknown part {only!r}; parts: {', '.join(PARTS)}", file=sys.stderr)
        return 2
    for name, part in PARTS.items():
        if only is None or name == only:
            print(f"\n=== {name}: {(part.__doc__ or '').strip().splitlines()[0]}")
            asyncio.run(part(delay))
    return 0
