"""Stand-ins for the provider classes the seed documents import, built on runnel's fakes.

The seed tests run each document's code with only its import lines changed: instead of
``from langchain_openai import ChatOpenAI`` a test says
``from .providers import ChatOpenAISky as ChatOpenAI``. Each stand-in accepts the
provider's constructor arguments, is named like the provider class (so events show the
document's names), and answers with a scripted text: the document's own output where it
prints one. Chat stand-ins are `GenericFakeChatModel`s (they stream the answer split on
whitespace), LLM stand-ins `FakeStreamingListLLM`s (character by character).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

from runnel.embeddings import DeterministicFakeEmbedding
from runnel.language_models import FakeStreamingListLLM, GenericFakeChatModel

__all__ = [
    "COUNTRIES",
    "COUNTRIES_JSON",
    "GOLDFISH_SONG",
    "HELLO",
    "JOKE",
    "KENSHO",
    "PARROT_JOKE",
    "SKY",
    "SPARKLING_SONG",
    "ChatAnthropic",
    "ChatAnthropicCountries",
    "ChatAnthropicHello",
    "ChatOpenAICountries",
    "ChatOpenAIKensho",
    "ChatOpenAIParrot",
    "ChatOpenAISky",
    "OpenAI",
    "OpenAIEmbeddings",
    "OpenAIJoke",
]

SPARKLING_SONG = (
    "\nSparkling water, oh so clear\n"
    "Bubbles dancing, without fear\n"
    "Refreshing taste, a pure delight\n"
    "Sparkling water, my thirst's delight"
)
GOLDFISH_SONG = (
    "Here is a 1 verse song about goldfish on the moon:\n\n"
    "Floating up in the starry night,\n"
    "Fins a-glimmer in the pale moonlight.\n"
    "Goldfish swimming, peaceful and free,\n"
    "Serenely drifting across the lunar sea."
)
JOKE = "\n\nQ: Why did the chicken cross the playground?\nA: To get to the other slide."
SKY = "The sky appears blue during the day."
PARROT_JOKE = (
    "Here's a joke about a parrot:\n\n"
    "A man goes to a pet shop to buy a parrot. The shop owner shows him two stunning "
    'parrots. "The talking parrot costs $100, and the non-talking parrot is $20." '
    '"I\'ll take the non-talking parrot at $20."'
)
COUNTRIES = {
    "countries": [
        {"name": "France", "population": 67413000},
        {"name": "Spain", "population": 47351567},
        {"name": "Japan", "population": 125584000},
    ]
}
COUNTRIES_JSON = json.dumps(COUNTRIES, indent=2)
KENSHO = (
    "Based on the given context, Harrison worked at Kensho.\n\n"
    "Here are 3 made up sentences about this place:\n"
    "1. Kensho was a cutting-edge technology company known for its innovative solutions.\n"
    "2. The modern office space at Kensho featured open floor plans.\n"
    "3. With its prime location, Kensho attracted top talent from around the world."
)
HELLO = "Hello! How can I assist you today?"


class _LLM(FakeStreamingListLLM):
    """`FakeStreamingListLLM` with the ``streaming`` flag of provider LLMs: with
    ``streaming=True``, ``invoke`` goes through the stream (and reports each token)."""

    streaming: bool = False


def _llm(name: str, answer: str) -> Callable[..., FakeStreamingListLLM]:
    def make(**params: Any) -> FakeStreamingListLLM:
        flags = {"streaming": params["streaming"]} if "streaming" in params else {}
        return _LLM(responses=[answer], name=name, **flags)

    make.__doc__ = f"A stand-in for {name}: takes its arguments, completes with {answer[:20]!r}..."
    return make


def _chat(name: str, answer: str) -> Callable[..., GenericFakeChatModel]:
    def make(**params: Any) -> GenericFakeChatModel:
        return GenericFakeChatModel(messages=itertools.cycle([answer]), name=name)

    make.__doc__ = f"A stand-in for {name}: takes its arguments, answers {answer[:20]!r}..."
    return make


OpenAI = _llm("OpenAI", SPARKLING_SONG)
OpenAIJoke = _llm("OpenAI", JOKE)
ChatAnthropic = _chat("ChatAnthropic", GOLDFISH_SONG)
ChatAnthropicHello = _chat("ChatAnthropic", HELLO)
ChatAnthropicCountries = _chat("ChatAnthropic", COUNTRIES_JSON)
ChatOpenAISky = _chat("ChatOpenAI", SKY)
ChatOpenAIParrot = _chat("ChatOpenAI", PARROT_JOKE)
ChatOpenAICountries = _chat("ChatOpenAI", COUNTRIES_JSON)
ChatOpenAIKensho = _chat("ChatOpenAI", KENSHO)


def OpenAIEmbeddings(**params: Any) -> DeterministicFakeEmbedding:
    """A stand-in for OpenAIEmbeddings: deterministic 64-dimensional fake vectors."""
    return DeterministicFakeEmbedding(size=64)
