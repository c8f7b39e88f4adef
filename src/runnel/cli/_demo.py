"""`runnel demo`: the seed documents' examples, streamed on fake models or a real provider.

Offline by default: the fakes stream the seeds' own outputs token by token, `delay`
seconds apart, so streaming is visible. `--model provider:model` runs the same parts on
`init_chat_model("provider:model")`, which reads its key from the environment.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from runnel.cli._errors import CommandError
from runnel.cli._fakes import DemoChatModel, DemoLLM, tokens
from runnel.language_models import BaseChatModel
from runnel.runnables import Runnable

__all__ = ["PARTS", "Models", "load_model", "run_demo"]

# The seeds' outputs, with `|` where their chunks end.
SONG = (
    "|Spark|ling| water|,| oh| so clear|\n|Bubbles dancing|,| without| fear|\n"
    "|Refreshing| taste|,| a| pure| delight|\n|Spark|ling| water|,| my| thirst|'s| delight|"
)
GOLDFISH = (
    "Here| is| a| |1| |verse| song| about| gol|dfish| on| the| moon|:|\n\n"
    "|Floating| up| in| the| star|ry| night|,|\n|Fins| a|-|gl|im|mer| in| the| pale| moon|light|.|"
    "\n|Gol|dfish| swimming|,| peaceful| an|d free|,|\n|Se|ren|ely| |drif|ting| across| the|"
    " lunar| sea|."
)
JOKE = (
    "Why did the parrot wear a raincoat? Because it wanted to be a little polly-unsaturated! "
    'The owner sighed: "I told you, no more chemistry puns."'
)
COUNTRIES = (
    '{\n  "countries": [\n    {"name": "France", "population": 67413000},\n'
    '    {"name": "Spain", "population": 47351567},\n'
    '    {"name": "Japan", "population": 125584000}\n  ]\n}'
)
KENSHO = (
    "Based on the given context, Harrison worked at Kensho.\n"
    "1. Kensho was a cutting-edge technology company known for its work in analytics.\n"
    "2. The office at Kensho featured open floor plans and a vibrant atmosphere.\n"
    "3. Kensho attracted top talent from around the world."
)

SONG_PROMPT = "Write me a 1 verse song about sparkling water."
GOLDFISH_PROMPT = "Write me a 1 verse song about goldfish on the moon"
COUNTRIES_PROMPT = (
    "output a list of the countries france, spain and japan and their populations in JSON "
    'format. Use a dict with an outer key of "countries" which contains a list of countries. '
    "Each country should have the key `name` and `population`"
)
RETRIEVAL_TEMPLATE = """Answer the question based only on the following context:
{context}

Question: {question}
"""
RETRIEVAL_TEXTS = ["harrison worked at kensho", "harrison likes spicy food"]


@dataclass(frozen=True, slots=True)
class Models:
    """Where the demo's models come from: the scripted fakes, or one real chat model.

    Attributes:
        delay: Seconds between the fakes' tokens.
        real: A provider's chat model used by every part instead of the fakes.
    """

    delay: float
    real: BaseChatModel | None = None

    def chat(self, script: str) -> Runnable[Any, Any]:
        """A chat model answering with `script` (`|` marks its chunks, else tokenized)."""
        if self.real is not None:
            return self.real
        pieces = script.split("|") if "|" in script else tokens(script)
        return DemoChatModel(script=pieces, delay=self.delay)

    def llm(self, script: str) -> Runnable[Any, Any]:
        """A text LLM completing with `script` (the real chat model under `--model`)."""
        if self.real is not None:
            return self.real
        return DemoLLM(script=script.split("|"), delay=self.delay)


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _text(chunk: Any) -> str:
    if isinstance(chunk, str):
        return chunk
    content = getattr(chunk, "content", chunk)
    if isinstance(content, list):  # content blocks
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(content)


async def sparkling(models: Models) -> None:
    """Seed 000: an LLM streams a song; `|` marks the chunk boundaries."""
    llm = models.llm(SONG)
    async for chunk in llm.astream(SONG_PROMPT):
        _out(_text(chunk) + "|")
    _out("\n")


async def goldfish(models: Models) -> None:
    """Seed 002: a chat model streams AIMessageChunks that add up to the whole message."""
    chat = models.chat(GOLDFISH)
    chunks = []
    async for chunk in chat.astream(GOLDFISH_PROMPT):
        chunks.append(chunk)
        _out(_text(chunk) + "|")
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    _out(f"\n\nchunks[0] + ... + chunks[{len(chunks) - 1}] = ")
    _out(f"{type(total).__name__}(content={total.content!r})\n")


async def parrot(models: Models) -> None:
    """Seed 004: prompt | model | parser streams the parser's strings."""
    from runnel.output_parsers import StrOutputParser
    from runnel.prompts import ChatPromptTemplate

    prompt = ChatPromptTemplate.from_template("tell me a joke about {topic}")
    chain = prompt | models.chat(JOKE) | StrOutputParser()
    async for chunk in chain.astream({"topic": "parrot"}):
        _out(chunk + "|")
    _out("\n")


async def countries(models: Models) -> None:
    """Seed 004: JSON streams as partial objects."""
    from runnel.output_parsers import JsonOutputParser

    chain = models.chat(COUNTRIES) | JsonOutputParser()
    async for value in chain.astream(COUNTRIES_PROMPT):
        _out(f"{value}\n")


def _extract_country_names(inputs: Any) -> Any:
    """A function that works on finished inputs: it breaks streaming."""
    if not isinstance(inputs, dict) or not isinstance(inputs.get("countries"), list):
        return ""
    return [c.get("name") for c in inputs["countries"] if isinstance(c, dict)]


async def _extract_country_names_streaming(input_stream: AsyncIterator[Any]) -> Any:
    """A generator function that works on the input stream: it keeps streaming."""
    seen: set[str] = set()
    async for value in input_stream:
        if not isinstance(value, dict) or not isinstance(value.get("countries"), list):
            continue
        for country in value["countries"]:
            name = country.get("name") if isinstance(country, dict) else None
            if name and name not in seen:
                seen.add(name)
                yield name


async def extract(models: Models) -> None:
    """Seed 004: a plain function breaks streaming; a generator function fixes it."""
    from runnel.output_parsers import JsonOutputParser

    _out("plain function (waits for the whole JSON):  ")
    chain = models.chat(COUNTRIES) | JsonOutputParser() | _extract_country_names
    async for value in chain.astream(COUNTRIES_PROMPT):
        _out(f"{value}|")
    _out("\ngenerator function (streams each name):     ")
    streaming = models.chat(COUNTRIES) | JsonOutputParser() | _extract_country_names_streaming
    async for value in streaming.astream(COUNTRIES_PROMPT):
        _out(f"{value}|")
    _out("\n")


def _vectorstore(texts: list[str], real: bool) -> tuple[Any, str]:
    """FAISS and local embeddings when installed (local embeddings only with a real
    model: loading them is slow), else the in-memory store over deterministic fakes."""
    from runnel.embeddings import DeterministicFakeEmbedding

    embedding: Any = DeterministicFakeEmbedding(size=32)
    store: Any
    if real:
        try:
            from runnel.providers.huggingface import (  # type: ignore[import-not-found,unused-ignore]
                HuggingFaceEmbeddings,
            )

            embedding = HuggingFaceEmbeddings()
        except ImportError:
            pass
    try:
        from runnel.vectorstores import FAISS  # type: ignore[attr-defined,unused-ignore]

        store = FAISS.from_texts(texts, embedding=embedding)
    except ImportError:
        from runnel.vectorstores import InMemoryVectorStore

        store = InMemoryVectorStore.from_texts(texts, embedding=embedding)
    return store, f"{type(store).__name__} over {type(embedding).__name__}"


async def retrieval(models: Models) -> None:
    """Seed 004: a retriever yields one chunk; the chain after it still streams."""
    from runnel.output_parsers import StrOutputParser
    from runnel.prompts import ChatPromptTemplate
    from runnel.runnables import RunnablePassthrough

    store, label = _vectorstore(RETRIEVAL_TEXTS, models.real is not None)
    retriever = store.as_retriever()
    _out(f"retriever ({label}).stream yields one chunk:\n")
    async for docs in retriever.astream("where did harrison work?"):
        shown = ", ".join(f"Document(page_content={d.page_content!r})" for d in docs)
        _out(f"  [{shown}]\n")
    chain = (
        {"context": retriever.with_config(run_name="Docs"), "question": RunnablePassthrough()}
        | ChatPromptTemplate.from_template(RETRIEVAL_TEMPLATE)
        | models.chat(KENSHO)
        | StrOutputParser()
    )
    _out("the chain streams after the retriever:\n")
    question = "Where did harrison work? Write 3 made up sentences about this place."
    async for chunk in chain.astream(question):
        _out(chunk + "|")
    _out("\n")


async def events(models: Models) -> None:
    """Seed 004: astream_events, filtered to the model's and the parser's events."""
    from runnel.output_parsers import JsonOutputParser

    chain = models.chat(COUNTRIES) | JsonOutputParser()
    shown = 0
    stream = chain.astream_events(COUNTRIES_PROMPT, include_types=["chat_model", "parser"])
    async with aclosing(stream) as event_stream:
        async for event in event_stream:
            if event["event"] == "on_chat_model_stream":
                _out(f"Chat model chunk: {_text(event['data']['chunk'])!r}\n")
            elif event["event"] == "on_parser_stream":
                _out(f"Parser chunk: {event['data']['chunk']}\n")
            else:
                continue
            shown += 1
            if shown >= 30:
                _out("... (leaving the loop closes the run)\n")
                break


PARTS: dict[str, Callable[[Models], Coroutine[Any, Any, None]]] = {
    "sparkling": sparkling,
    "goldfish": goldfish,
    "parrot": parrot,
    "countries": countries,
    "extract": extract,
    "retrieval": retrieval,
    "events": events,
}


def load_model(spec: str) -> BaseChatModel:
    """`init_chat_model(spec)`, its errors turned into one-line `CommandError`s.

    Raises:
        CommandError: unknown provider, missing extra or missing API key.
    """
    from runnel.chat_models import init_chat_model

    try:
        return init_chat_model(spec)
    except (ImportError, ValueError) as error:  # MissingAPIKeyError is a ValueError
        raise CommandError(f"--model {spec}: {error}") from error


def run_demo(*, only: str | None, list_parts: bool, delay: float, model: str | None) -> int:
    """Run the demo parts (or one); returns the exit code.

    Raises:
        CommandError: an unknown part, or a model that cannot be loaded.
    """
    if list_parts:
        for name, part in PARTS.items():
            print(f"{name:<10} {_summary(part)}")
        return 0
    if only is not None and only not in PARTS:
        raise CommandError(f"unknown part {only!r}; the parts are {', '.join(PARTS)}")
    models = Models(delay=delay, real=load_model(model) if model else None)
    for name, part in PARTS.items():
        if only is None or name == only:
            print(f"\n=== {name}: {_summary(part)}", flush=True)
            try:
                asyncio.run(part(models))
            except BaseException:
                _out("\n")  # end the part's open line before the error or "interrupted"
                raise
    return 0


def _summary(part: Callable[..., Any]) -> str:
    return (part.__doc__ or "").strip().splitlines()[0]
