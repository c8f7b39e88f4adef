# ruff: noqa: E501 - the document's code is kept as it is, long lines included
"""Seed "How to stream runnables" (004), first half: ``stream`` and ``astream``.

Each test runs the document's code with only the import lines changed: the chat model is a
stand-in from `providers`, FAISS and OpenAIEmbeddings become `InMemoryVectorStore` and
`DeterministicFakeEmbedding`. Lines marked "(not in the document)" record what the code
prints or yields, for the assertions.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from runnel.callbacks import BaseCallbackHandler
from runnel.documents import Document
from runnel.messages import AIMessageChunk

from .providers import COUNTRIES, KENSHO, PARROT_JOKE, SKY

pytestmark = pytest.mark.anyio

COUNTRIES_QUESTION = (
    "output a list of the countries france, spain and japan and their populations in JSON format. "
    'Use a dict with an outer key of "countries" which contains a list of countries. '
    "Each country should have the key `name` and `population`"
)


def _printed_tokens(out: str) -> list[str]:
    return out.split("|")[:-1]


# -- LLMs and Chat Models ---------------------------------------------------------------
def test_chat_model_stream(capsys: pytest.CaptureFixture[str]) -> None:
    from .providers import ChatOpenAISky as ChatOpenAI

    model = ChatOpenAI(model="gpt-4o-mini")

    chunks = []
    for chunk in model.stream("what color is the sky?"):
        chunks.append(chunk)
        print(chunk.content, end="|", flush=True)

    assert len(chunks) > 5
    assert "".join(_printed_tokens(capsys.readouterr().out)) == SKY
    # Message chunks are additive: adding them up gives the response so far.
    assert isinstance(chunks[0], AIMessageChunk)
    so_far = chunks[0] + chunks[1] + chunks[2] + chunks[3] + chunks[4]
    assert isinstance(so_far, AIMessageChunk)
    assert so_far.content == "The sky appears"
    assert so_far.id == chunks[0].id


async def test_chat_model_astream(capsys: pytest.CaptureFixture[str]) -> None:
    from .providers import ChatOpenAISky as ChatOpenAI

    model = ChatOpenAI(model="gpt-4o-mini")

    chunks = []
    async for chunk in model.astream("what color is the sky?"):
        chunks.append(chunk)
        print(chunk.content, end="|", flush=True)

    assert len(chunks) > 5
    assert "".join(_printed_tokens(capsys.readouterr().out)) == SKY
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole = whole + chunk
    assert whole.content == SKY


# -- Chains ---------------------------------------------------------------------------------
async def test_prompt_model_parser_chain_streams(capsys: pytest.CaptureFixture[str]) -> None:
    from runnel.output_parsers import StrOutputParser
    from runnel.prompts import ChatPromptTemplate

    from .providers import ChatOpenAIParrot as ChatOpenAI

    model = ChatOpenAI(model="gpt-4o-mini")

    prompt = ChatPromptTemplate.from_template("tell me a joke about {topic}")
    parser = StrOutputParser()
    chain = prompt | model | parser

    async for chunk in chain.astream({"topic": "parrot"}):
        print(chunk, end="|", flush=True)

    tokens = _printed_tokens(capsys.readouterr().out)
    assert len(tokens) > 20  # the parser streams each chunk, it does not wait for all
    assert "".join(tokens) == PARROT_JOKE


# -- Working with Input Streams -----------------------------------------------------------
async def test_json_parser_streams_partial_json(capsys: pytest.CaptureFixture[str]) -> None:
    from runnel.output_parsers import JsonOutputParser

    from .providers import ChatOpenAICountries as ChatOpenAI

    model = ChatOpenAI(model="gpt-4o-mini")
    streamed = []  # (not in the document)

    chain = (
        model | JsonOutputParser()
    )  # Due to a bug in older versions of Langchain, JsonOutputParser did not stream results from some models
    async for text in chain.astream(
        "output a list of the countries france, spain and japan and their populations in JSON format. "
        'Use a dict with an outer key of "countries" which contains a list of countries. '
        "Each country should have the key `name` and `population`"
    ):
        print(text, flush=True)
        streamed.append(text)

    assert streamed[:3] == [{}, {"countries": []}, {"countries": [{}]}]
    assert streamed[-1] == COUNTRIES
    assert len(streamed) >= 10
    # Each value extends the one before: the JSON grows, nothing already shown changes.
    for before, after in itertools.pairwise(streamed):
        assert _extends(after, before)
    assert capsys.readouterr().out.splitlines()[-1] == str(COUNTRIES)


def _extends(value: Any, prefix: Any) -> bool:
    if isinstance(prefix, dict):
        return isinstance(value, dict) and all(
            k in value and _extends(value[k], v) for k, v in prefix.items()
        )
    if isinstance(prefix, list):
        return (
            isinstance(value, list)
            and len(value) >= len(prefix)
            and all(_extends(v, p) for v, p in zip(value, prefix, strict=False))
        )
    if isinstance(prefix, str):
        return isinstance(value, str) and value.startswith(prefix)
    return bool(value == prefix)


async def test_a_function_on_finalized_inputs_breaks_streaming(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from runnel.output_parsers import (
        JsonOutputParser,
    )

    from .providers import ChatOpenAICountries as ChatOpenAI

    model = ChatOpenAI(model="gpt-4o-mini")

    # A function that operates on finalized inputs
    # rather than on an input_stream
    def _extract_country_names(inputs):
        """A function that does not operates on input streams and breaks streaming."""
        if not isinstance(inputs, dict):
            return ""

        if "countries" not in inputs:
            return ""

        countries = inputs["countries"]

        if not isinstance(countries, list):
            return ""

        country_names = [country.get("name") for country in countries if isinstance(country, dict)]
        return country_names

    chain = model | JsonOutputParser() | _extract_country_names

    async for text in chain.astream(
        "output a list of the countries france, spain and japan and their populations in JSON format. "
        'Use a dict with an outer key of "countries" which contains a list of countries. '
        "Each country should have the key `name` and `population`"
    ):
        print(text, end="|", flush=True)

    # Exactly one chunk: the function waited for the whole JSON.
    assert capsys.readouterr().out == "['France', 'Spain', 'Japan']|"


async def test_a_generator_function_keeps_streaming(capsys: pytest.CaptureFixture[str]) -> None:
    from runnel.output_parsers import JsonOutputParser

    from .providers import ChatOpenAICountries as ChatOpenAI

    model = ChatOpenAI(model="gpt-4o-mini")
    log: list[Any] = []  # (not in the document) names and model tokens, in order

    async def _extract_country_names_streaming(input_stream):
        """A function that operates on input streams."""
        country_names_so_far = set()

        async for input in input_stream:
            if not isinstance(input, dict):
                continue

            if "countries" not in input:
                continue

            countries = input["countries"]

            if not isinstance(countries, list):
                continue

            for country in countries:
                name = country.get("name")
                if not name:
                    continue
                if name not in country_names_so_far:
                    yield name
                    country_names_so_far.add(name)

    chain = model | JsonOutputParser() | _extract_country_names_streaming

    async for text in chain.astream(
        "output a list of the countries france, spain and japan and their populations in JSON format. "
        'Use a dict with an outer key of "countries" which contains a list of countries. '
        "Each country should have the key `name` and `population`",
        {"callbacks": [_TokenLog(log)]},  # (not in the document)
    ):
        print(text, end="|", flush=True)
        log.append(("name", text))

    assert capsys.readouterr().out == "France|Spain|Japan|"
    names = [i for i, entry in enumerate(log) if entry[0] == "name"]
    tokens = [i for i, entry in enumerate(log) if entry[0] == "token"]
    # Each name came out as soon as the model had written it, long before the end.
    assert names[0] < names[1] < names[2] < tokens[-1]
    assert tokens[0] < names[0]


class _TokenLog(BaseCallbackHandler):
    """Logs the model's tokens."""

    def __init__(self, log: list[Any]) -> None:
        self.log = log

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.log.append(("token", token))


# -- Non-streaming components -----------------------------------------------------------
def test_a_retriever_streams_its_final_result() -> None:
    from runnel.vectorstores import InMemoryVectorStore as FAISS

    from .providers import OpenAIEmbeddings

    vectorstore = FAISS.from_texts(
        ["harrison worked at kensho", "harrison likes spicy food"],
        embedding=OpenAIEmbeddings(),
    )
    retriever = vectorstore.as_retriever()

    chunks = [chunk for chunk in retriever.stream("where did harrison work?")]
    chunks  # noqa: B018 - the document displays the value

    assert len(chunks) == 1  # stream just yielded the final result
    (documents,) = chunks
    assert all(isinstance(d, Document) for d in documents)
    assert sorted(d.page_content for d in documents) == [
        "harrison likes spicy food",
        "harrison worked at kensho",
    ]


def test_a_chain_streams_after_its_last_non_streaming_step(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from runnel.output_parsers import StrOutputParser
    from runnel.prompts import ChatPromptTemplate
    from runnel.runnables import RunnablePassthrough
    from runnel.vectorstores import InMemoryVectorStore as FAISS

    from .providers import ChatOpenAIKensho as ChatOpenAI
    from .providers import OpenAIEmbeddings

    model = ChatOpenAI(model="gpt-4o-mini")

    template = """Answer the question based only on the following context:
{context}

Question: {question}
"""
    prompt = ChatPromptTemplate.from_template(template)

    vectorstore = FAISS.from_texts(
        ["harrison worked at kensho", "harrison likes spicy food"],
        embedding=OpenAIEmbeddings(),
    )
    retriever = vectorstore.as_retriever()

    retrieval_chain = (
        {
            "context": retriever.with_config(run_name="Docs"),
            "question": RunnablePassthrough(),
        }
        | prompt
        | model
        | StrOutputParser()
    )

    for chunk in retrieval_chain.stream(
        "Where did harrison work? Write 3 made up sentences about this place."
    ):
        print(chunk, end="|", flush=True)

    tokens = _printed_tokens(capsys.readouterr().out)
    assert len(tokens) > 20
    assert "".join(tokens) == KENSHO


async def test_the_retrieved_documents_reach_the_model_before_it_streams() -> None:
    from runnel.output_parsers import StrOutputParser
    from runnel.prompts import ChatPromptTemplate
    from runnel.runnables import RunnablePassthrough
    from runnel.vectorstores import InMemoryVectorStore as FAISS

    from .providers import ChatOpenAIKensho as ChatOpenAI
    from .providers import OpenAIEmbeddings

    model = ChatOpenAI(model="gpt-4o-mini")
    prompt = ChatPromptTemplate.from_template(
        "Answer the question based only on the following context:\n{context}\n\n"
        "Question: {question}\n"
    )
    vectorstore = FAISS.from_texts(
        ["harrison worked at kensho", "harrison likes spicy food"],
        embedding=OpenAIEmbeddings(),
    )
    retriever = vectorstore.as_retriever()
    retrieval_chain = (
        {
            "context": retriever.with_config(run_name="Docs"),
            "question": RunnablePassthrough(),
        }
        | prompt
        | model
        | StrOutputParser()
    )

    events = [e async for e in retrieval_chain.astream_events("Where did harrison work?")]
    kinds = [(e["event"], e["name"]) for e in events]
    docs_end = kinds.index(("on_retriever_end", "Docs"))
    model_start = kinds.index(("on_chat_model_start", "ChatOpenAI"))
    first_output = kinds.index(("on_chain_stream", "RunnableSequence"))
    assert docs_end < model_start < first_output
    assert kinds.count(("on_chain_stream", "RunnableSequence")) > 20
    (messages,) = events[model_start]["data"]["input"]["messages"]
    assert "harrison worked at kensho" in messages[0].content
    assert "Question: Where did harrison work?" in messages[0].content
