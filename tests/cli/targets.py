"""Runnables for the command-line tests to run (`tests/cli/targets.py:NAME`)."""

from __future__ import annotations

import itertools
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio

from runnel.exceptions import MissingAPIKeyError
from runnel.language_models import GenericFakeChatModel
from runnel.output_parsers import JsonOutputParser, StrOutputParser
from runnel.prompts import ChatPromptTemplate
from runnel.runnables import RunnableGenerator, RunnableLambda

JOKE = "Why did the parrot talk? It had a lot to say."

#: prompt | model | parser, input {"topic": ...}
chain = (
    ChatPromptTemplate.from_template("tell me a joke about {topic}")
    | GenericFakeChatModel(messages=itertools.cycle([JOKE])).with_config(run_name="model")
    | StrOutputParser()
)

#: model | JSON parser: partial objects
countries = (
    GenericFakeChatModel(
        messages=itertools.cycle(['{"countries": [{"name": "France"}, {"name": "Spain"}]}'])
    )
    | JsonOutputParser()
)


def double(x: Any) -> Any:
    """A plain function: accepted as a target."""
    return x * 2


def _fail_on_odd(x: int) -> int:
    if x % 2:
        raise ValueError(f"odd input {x}")
    return x * 10


#: batch: odd inputs fail
evens = RunnableLambda(_fail_on_odd)


_running = 0


async def _probe(x: Any) -> int:
    global _running
    _running += 1
    peak = _running
    for _ in range(3):  # let the other calls start, if the limit allows them to
        await anyio.sleep(0)
        peak = max(peak, _running)
    _running -= 1
    return peak


#: batch: each answer is the most calls it saw running at once
probe = RunnableLambda(_probe)


async def _report_close(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    try:
        async for chunk in chunks:
            yield chunk
    finally:
        print("[slow stream closed]", file=sys.stderr, flush=True)


#: 40 words, one every 0.2 s: long enough to be interrupted, and says when it is closed
slow = (
    GenericFakeChatModel(
        messages=itertools.cycle([" ".join(f"w{i}" for i in range(40))]), sleep=0.2
    )
    | StrOutputParser()
    | RunnableGenerator(_report_close)
)


def _explode(chunks: Iterator[str]) -> Iterator[str]:
    yield from chunks
    raise RuntimeError("the chain broke")


#: streams its input, then fails
broken = RunnableLambda(lambda x: x) | RunnableGenerator(_explode)


def _needs_a_key(x: Any) -> Any:
    raise MissingAPIKeyError(provider="openai", variable="OPENAI_API_KEY")


#: fails the way a provider without its key does
missing_key = RunnableLambda(_needs_a_key)

number = 42


class NotRunnable:
    """A class: refused as a target."""
