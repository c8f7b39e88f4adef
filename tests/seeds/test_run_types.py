"""Every run type in ``astream_events``, with the event names and data of the seed's table.

Seed "How to stream runnables" (004), "Event Reference": each kind of component reports
``on_<type>_start`` and ``on_<type>_end`` (plus ``on_<type>_stream`` when it streams), for
the types prompt, chat_model, llm, parser, tool, retriever and chain.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from operator import itemgetter
from typing import Any

import pytest

from runnel.embeddings import DeterministicFakeEmbedding
from runnel.language_models import FakeStreamingListLLM, GenericFakeChatModel
from runnel.messages import AIMessageChunk, HumanMessage
from runnel.output_parsers import StrOutputParser
from runnel.prompt_values import ChatPromptValue
from runnel.prompts import ChatPromptTemplate, PromptTemplate
from runnel.runnables import RunnableParallel
from runnel.tools import tool
from runnel.vectorstores import InMemoryVectorStore

pytestmark = pytest.mark.anyio

QUESTION = "where did harrison work?"


@tool
def count_words(text: str) -> int:
    """Count the words of a text."""
    return len(text.split())


def _app() -> RunnableParallel:
    retriever = InMemoryVectorStore.from_texts(
        ["harrison worked at kensho", "harrison likes spicy food"],
        embedding=DeterministicFakeEmbedding(size=16),
    ).as_retriever()
    chat = GenericFakeChatModel(messages=itertools.cycle(["Harrison worked at Kensho."]))
    llm = FakeStreamingListLLM(responses=["Kensho."])
    return RunnableParallel(
        docs=itemgetter("question") | retriever,
        answer=ChatPromptTemplate.from_template("{question}") | chat | StrOutputParser(),
        completion=PromptTemplate.from_template("Q: {question}\nA:") | llm,
        words=(lambda x: {"text": x["question"]}) | count_words,
    )


async def test_every_run_type_reports_its_events() -> None:
    events = [e async for e in _app().astream_events({"question": QUESTION}, version="v2")]

    by_run: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for event in events:
        by_run[event["run_id"]].append(event["event"])
        names[event["run_id"]] = event["name"]

    phases_by_type: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    names_by_type: dict[str, set[str]] = defaultdict(set)
    for run_id, kinds in by_run.items():
        run_type = kinds[0].removeprefix("on_").removesuffix("_start")
        # Every event of a run names the same type; it starts first and ends last.
        assert all(k.startswith(f"on_{run_type}_") for k in kinds), kinds
        assert kinds[0].endswith("_start") and kinds[-1].endswith("_end")
        assert all(k.endswith("_stream") for k in kinds[1:-1]), kinds
        phases_by_type[run_type].add(
            ("start", "stream", "end") if len(kinds) > 2 else ("start", "end")
        )
        names_by_type[run_type].add(names[run_id])

    assert set(phases_by_type) == {
        "prompt",
        "chat_model",
        "llm",
        "parser",
        "tool",
        "retriever",
        "chain",
    }
    streaming = ("start", "stream", "end")
    assert phases_by_type["chat_model"] == {streaming}
    assert phases_by_type["llm"] == {streaming}
    assert phases_by_type["parser"] == {streaming}
    assert phases_by_type["prompt"] == {("start", "end")}
    assert phases_by_type["retriever"] == {("start", "end")}
    assert phases_by_type["tool"] == {("start", "end")}
    assert names_by_type["prompt"] == {"ChatPromptTemplate", "PromptTemplate"}
    assert names_by_type["chat_model"] == {"GenericFakeChatModel"}
    assert names_by_type["llm"] == {"FakeStreamingListLLM"}
    assert names_by_type["parser"] == {"StrOutputParser"}
    assert names_by_type["tool"] == {"count_words"}
    assert names_by_type["retriever"] == {"VectorStoreRetriever"}
    assert {"RunnableParallel<docs,answer,completion,words>", "RunnableSequence"} <= (
        names_by_type["chain"]
    )
    assert events[0]["event"] == "on_chain_start"
    assert events[-1]["event"] == "on_chain_end"


async def test_the_data_of_each_event_type() -> None:
    events = [e async for e in _app().astream_events({"question": QUESTION}, version="v2")]

    def first(kind: str) -> dict[str, Any]:
        return next(e["data"] for e in events if e["event"] == kind)

    assert first("on_prompt_start") == {"input": {"question": QUESTION}}
    prompt_end = next(
        e["data"]
        for e in events
        if e["event"] == "on_prompt_end" and e["name"] == "ChatPromptTemplate"
    )
    assert prompt_end["output"] == ChatPromptValue(messages=[HumanMessage(QUESTION)])
    assert first("on_chat_model_start") == {"input": {"messages": [[HumanMessage(QUESTION)]]}}
    assert isinstance(first("on_chat_model_stream")["chunk"], AIMessageChunk)
    assert first("on_chat_model_end")["output"].content == "Harrison worked at Kensho."
    assert first("on_llm_stream")["chunk"].text == "K"  # a GenerationChunk in v2
    assert first("on_parser_stream")["chunk"] == "Harrison"
    assert first("on_parser_end")["output"] == "Harrison worked at Kensho."
    assert first("on_retriever_start") == {"input": {"query": QUESTION}}
    documents = first("on_retriever_end")["output"]
    assert sorted(d.page_content for d in documents) == [
        "harrison likes spicy food",
        "harrison worked at kensho",
    ]
    assert first("on_tool_start") == {"input": {"text": QUESTION}}
    assert first("on_tool_end")["output"] == 4
    final = events[-1]["data"]["output"]
    assert final["answer"] == "Harrison worked at Kensho."
    assert final["completion"] == "Kensho."
    assert final["words"] == 4
