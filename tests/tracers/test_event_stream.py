"""astream_events / stream_events (v2): event schema, names, data per run type, nesting."""

from __future__ import annotations

import uuid
from operator import itemgetter
from typing import Any

import pytest

from runnel.callbacks import adispatch_custom_event, dispatch_custom_event
from runnel.documents import Document
from runnel.language_models import FakeListLLM, FakeStreamingListLLM
from runnel.messages import AIMessageChunk, HumanMessage
from runnel.output_parsers import JsonOutputParser, StrOutputParser
from runnel.outputs import GenerationChunk
from runnel.prompt_values import ChatPromptValue, StringPromptValue
from runnel.prompts import ChatPromptTemplate, PromptTemplate
from runnel.runnables import (
    RunnableConfig,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
)
from runnel.tools import tool

from .conftest import (
    EVENT_KEYS,
    Collector,
    by_run,
    chat_model,
    joke_chain,
    kinds,
    outline,
    retriever,
)

pytestmark = pytest.mark.anyio


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


async def test_every_event_has_exactly_the_documented_keys(collect: Collector) -> None:
    events = await collect(joke_chain(), {"topic": "cats"})
    assert events
    for event in events:
        assert set(event) == EVENT_KEYS
        uuid.UUID(event["run_id"])
        assert isinstance(event["tags"], list)
        assert isinstance(event["metadata"], dict)
        assert isinstance(event["data"], dict)


async def test_prompt_model_parser_sequence(collect: Collector) -> None:
    events = await collect(joke_chain(), {"topic": "cats"})
    seq, prompt, model, parser = (
        "RunnableSequence",
        "ChatPromptTemplate",
        "GenericFakeChatModel",
        "StrOutputParser",
    )
    step = {prompt: ["seq:step:1"], model: ["seq:step:2"], parser: ["seq:step:3"]}
    token = [
        ("on_chat_model_stream", model, "R2", ["R0"], step[model]),
        ("on_parser_stream", parser, "R3", ["R0"], step[parser]),
        ("on_chain_stream", seq, "R0", [], []),
    ]
    assert outline(events) == [
        ("on_chain_start", seq, "R0", [], []),
        ("on_prompt_start", prompt, "R1", ["R0"], step[prompt]),
        ("on_prompt_end", prompt, "R1", ["R0"], step[prompt]),
        ("on_chat_model_start", model, "R2", ["R0"], step[model]),
        token[0],
        ("on_parser_start", parser, "R3", ["R0"], step[parser]),
        *token[1:],
        *token,
        *token,
        ("on_chat_model_end", model, "R2", ["R0"], step[model]),
        ("on_parser_end", parser, "R3", ["R0"], step[parser]),
        ("on_chain_end", seq, "R0", [], []),
    ]
    data = [e["data"] for e in events]
    assert data[0] == {"input": {"topic": "cats"}}
    assert data[1] == {"input": {"topic": "cats"}}
    assert data[2]["input"] == {"topic": "cats"}
    assert isinstance(data[2]["output"], ChatPromptValue)
    assert data[2]["output"].to_messages() == [HumanMessage("joke about cats")]
    assert data[3] == {"input": {"messages": [[HumanMessage("joke about cats")]]}}
    chunks = [e["data"]["chunk"] for e in events if e["event"] == "on_chat_model_stream"]
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert [c.content for c in chunks] == ["hi", " ", "there"]
    parsed = [e["data"]["chunk"] for e in events if e["event"] == "on_parser_stream"]
    assert parsed == ["hi", " ", "there"]
    assert [e["data"] for e in events if e["event"] == "on_chain_stream"] == [
        {"chunk": "hi"},
        {"chunk": " "},
        {"chunk": "there"},
    ]
    model_end = by_run(events, "on_chat_model_end", model)["data"]
    assert isinstance(model_end["output"], AIMessageChunk)
    assert model_end["output"].content == "hi there"
    assert model_end["input"] == {"messages": [[HumanMessage("joke about cats")]]}
    assert events[-1]["data"] == {"output": "hi there"}


async def test_a_step_consuming_a_stream_starts_without_input_and_ends_with_it_aggregated(
    collect: Collector,
) -> None:
    chain = chat_model() | StrOutputParser() | RunnableLambda(str.upper, name="shout")
    events = await collect(chain, "q")
    assert by_run(events, "on_parser_start", "StrOutputParser")["data"] == {}
    parser_end = by_run(events, "on_parser_end", "StrOutputParser")["data"]
    assert isinstance(parser_end["input"], AIMessageChunk)
    assert parser_end["input"].content == "hi there"
    assert parser_end["output"] == "hi there"
    assert by_run(events, "on_chain_start", "shout")["data"] == {}
    assert by_run(events, "on_chain_end", "shout")["data"] == {
        "output": "HI THERE",
        "input": "hi there",
    }


async def test_the_root_gets_the_raw_input_at_start_and_no_input_at_end(
    collect: Collector,
) -> None:
    events = await collect(chat_model(), "hello")
    assert kinds(events) == [
        ("on_chat_model_start", "GenericFakeChatModel"),
        *[("on_chat_model_stream", "GenericFakeChatModel")] * 3,
        ("on_chat_model_end", "GenericFakeChatModel"),
    ]
    assert events[0]["data"] == {"input": "hello"}
    end = events[-1]["data"]
    assert list(end) == ["output"]
    assert isinstance(end["output"], AIMessageChunk)
    assert end["output"].content == "hi there"
    assert all(e["parent_ids"] == [] for e in events)


async def test_parent_ids_list_ancestors_root_first(collect: Collector) -> None:
    chain = RunnableParallel(joke=joke_chain(), echo=RunnablePassthrough())
    events = await collect(chain, {"topic": "cats"})
    starts = {e["name"]: e for e in events if e["event"].endswith("_start")}
    root = starts["RunnableParallel<joke,echo>"]["run_id"]
    inner = starts["RunnableSequence"]["run_id"]
    assert starts["RunnableParallel<joke,echo>"]["parent_ids"] == []
    assert starts["RunnableSequence"]["parent_ids"] == [root]
    assert starts["RunnablePassthrough"]["parent_ids"] == [root]
    for name in ("ChatPromptTemplate", "GenericFakeChatModel", "StrOutputParser"):
        run_id = starts[name]["run_id"]
        for event in events:
            if event["run_id"] == run_id:
                assert event["parent_ids"] == [root, inner], event
    assert events[-1]["event"] == "on_chain_end"
    assert events[-1]["data"] == {"output": {"joke": "hi there", "echo": {"topic": "cats"}}}


async def test_every_run_type_has_its_own_event_names_and_data(collect: Collector) -> None:
    text_prompt = PromptTemplate.from_template("say {topic}")
    chain = RunnableParallel(
        docs=itemgetter("query") | retriever(),
        joke=itemgetter("topic") | RunnableLambda(lambda t: {"topic": t}) | joke_chain(),
        text=text_prompt | FakeStreamingListLLM(responses=["abc"]) | StrOutputParser(),
        sum=RunnableLambda(lambda _: {"a": 1, "b": 2}, name="args") | add,
    )
    events = await collect(chain, {"topic": "cats", "query": "harrison worked at kensho"})
    names = {e["event"] for e in events}
    for kind in ("chain", "prompt", "chat_model", "llm", "parser", "tool", "retriever"):
        assert f"on_{kind}_start" in names, kind
        assert f"on_{kind}_end" in names, kind
    streaming = {n.removesuffix("_stream") for n in names if n.endswith("_stream")}
    assert streaming == {"on_chain", "on_chat_model", "on_llm", "on_parser"}

    llm_chunks = [e["data"]["chunk"] for e in events if e["event"] == "on_llm_stream"]
    assert llm_chunks == [
        GenerationChunk(text="a"),
        GenerationChunk(text="b"),
        GenerationChunk(text="c"),
    ]
    assert all(type(c) is GenerationChunk for c in llm_chunks)
    llm_start = by_run(events, "on_llm_start", "FakeStreamingListLLM")["data"]
    assert llm_start == {"input": {"prompts": ["say cats"]}}
    llm_end = by_run(events, "on_llm_end", "FakeStreamingListLLM")["data"]
    assert llm_end["output"]["generations"][0][0]["text"] == "abc"
    assert set(llm_end["output"]) == {"generations", "llm_output"}

    prompt_end = by_run(events, "on_prompt_end", "PromptTemplate")["data"]
    assert prompt_end["output"] == StringPromptValue(text="say cats")

    tool_start = by_run(events, "on_tool_start", "add")["data"]
    assert tool_start == {"input": {"a": 1, "b": 2}}
    tool_end = by_run(events, "on_tool_end", "add")["data"]
    assert tool_end["output"] == 3

    docs_start = by_run(events, "on_retriever_start", "VectorStoreRetriever")["data"]
    assert docs_start == {"input": {"query": "harrison worked at kensho"}}
    docs = by_run(events, "on_retriever_end", "VectorStoreRetriever")["data"]["output"]
    assert isinstance(docs, list)
    assert all(isinstance(d, Document) for d in docs)
    assert docs[0].page_content == "harrison worked at kensho"

    root_end = events[-1]
    assert root_end["event"] == "on_chain_end"
    assert root_end["parent_ids"] == []
    assert root_end["data"]["output"]["sum"] == 3
    assert root_end["data"]["output"]["text"] == "abc"


async def test_a_non_streaming_llm_reports_only_start_and_end(collect: Collector) -> None:
    events = await collect(FakeListLLM(responses=["abc"]) | StrOutputParser(), "q")
    assert kinds(events) == [
        ("on_chain_start", "RunnableSequence"),
        ("on_llm_start", "FakeListLLM"),
        ("on_llm_end", "FakeListLLM"),
        ("on_parser_start", "StrOutputParser"),
        ("on_parser_stream", "StrOutputParser"),
        ("on_chain_stream", "RunnableSequence"),
        ("on_parser_end", "StrOutputParser"),
        ("on_chain_end", "RunnableSequence"),
    ]


async def test_chat_model_events_carry_the_langsmith_metadata(collect: Collector) -> None:
    model = chat_model().bind(model="fake-1", temperature=0.25, max_tokens=7)
    chain = RunnableLambda(lambda x: x, name="first") | model
    events = await collect(chain, "q", config={"metadata": {"user": "u1"}})
    model_events = [e for e in events if e["event"].startswith("on_chat_model")]
    assert len(model_events) == 5
    for event in model_events:
        meta = event["metadata"]
        assert meta["ls_provider"] == "genericfakechatmodel"
        assert meta["ls_model_name"] == "fake-1"
        assert meta["ls_model_type"] == "chat"
        assert meta["ls_temperature"] == 0.25
        assert meta["ls_max_tokens"] == 7
        assert meta["user"] == "u1"
    for event in events:
        assert event["metadata"]["user"] == "u1"
        if not event["event"].startswith("on_chat_model"):
            assert not any(key.startswith("ls_") for key in event["metadata"]), event


async def test_unset_model_parameters_are_not_in_the_metadata(collect: Collector) -> None:
    events = await collect(chat_model(), "q")
    meta = events[0]["metadata"]
    assert meta["ls_provider"] == "genericfakechatmodel"
    assert meta["ls_model_type"] == "chat"
    assert not {"ls_temperature", "ls_max_tokens", "ls_model_name"} & set(meta)


async def test_names_come_from_run_name_functions_and_parallel_keys(collect: Collector) -> None:
    def shout(text: str) -> str:
        return text.upper()

    chain = RunnableParallel(a=RunnableLambda(shout), b=RunnableLambda(lambda s: s)).with_config(
        run_name="fan-out"
    ) | RunnableLambda(lambda d: d["a"] + d["b"])
    events = await collect(chain, "x")
    started = [e["name"] for e in events if e["event"].endswith("_start")]
    assert sorted(started) == sorted(
        ["RunnableSequence", "fan-out", "shout", "RunnableLambda", "RunnableLambda"]
    )
    assert events[-1]["data"] == {"output": "Xx"}


async def test_inherited_tags_reach_descendants_and_local_tags_come_first(
    collect: Collector,
) -> None:
    inner = (chat_model() | StrOutputParser()).with_config(tags=["inner"])
    chain = RunnableLambda(lambda x: x, name="first") | inner
    events = await collect(chain, "q", config={"tags": ["outer"]})
    root = events[0]["run_id"]
    tags = {(e["name"], e["run_id"] == root): e["tags"] for e in events}
    assert tags == {
        ("RunnableSequence", True): ["outer"],
        ("first", False): ["seq:step:1", "outer"],
        # (the order of inherited tags as langchain-core 1.7.2 gives it)
        ("RunnableSequence", False): ["seq:step:2", "inner", "outer"],
        ("GenericFakeChatModel", False): ["seq:step:1", "inner", "outer"],
        ("StrOutputParser", False): ["seq:step:2", "inner", "outer"],
    }
    # Every event of a run carries the same tags.
    for event in events:
        assert event["tags"] == tags[(event["name"], event["run_id"] == root)]


async def test_non_streaming_retriever_then_the_chain_streams_again(collect: Collector) -> None:
    # Seed 004: a retrieval chain still streams after its non-streaming retriever.
    template = "Answer from:\n{context}\n\nQuestion: {question}"
    tokens = "Harrison worked at Kensho ."
    chain = (
        {
            "context": retriever().with_config(run_name="Docs")
            | RunnableLambda(lambda docs: "\n".join(d.page_content for d in docs), name="fmt"),
            "question": RunnablePassthrough(),
        }
        | ChatPromptTemplate.from_template(template)
        | chat_model(tokens)
        | StrOutputParser()
    )
    events = await collect(chain, "harrison worked at kensho")
    docs = [e for e in events if e["name"] == "Docs"]
    assert [e["event"] for e in docs] == ["on_retriever_start", "on_retriever_end"]
    assert docs[0]["data"] == {"input": {"query": "harrison worked at kensho"}}
    found = docs[1]["data"]["output"]
    assert found[0].page_content == "harrison worked at kensho"
    root = events[0]["run_id"]
    root_chunks = [e for e in events if e["event"] == "on_chain_stream" and e["run_id"] == root]
    assert "".join(e["data"]["chunk"] for e in root_chunks) == tokens
    assert len(root_chunks) == len(tokens.split(" ")) * 2 - 1
    position = {id(e): i for i, e in enumerate(events)}
    assert position[id(docs[1])] < position[id(root_chunks[0])]
    model_start = by_run(events, "on_chat_model_start", "GenericFakeChatModel")["data"]
    [[message]] = model_start["input"]["messages"]
    assert "harrison worked at kensho\nharrison likes spicy food" in message.content


async def test_runs_started_inside_functions_are_children(collect: Collector) -> None:
    model = chat_model()

    def with_config(text: str, config: RunnableConfig) -> str:
        return model.invoke(text, config).content  # type: ignore[return-value]

    def without_config(text: str) -> str:
        return StrOutputParser().invoke(model.invoke(text))

    chain = RunnableLambda(with_config, name="outer_a") | RunnableLambda(
        without_config, name="outer_b"
    )
    events = await collect(chain, "q")
    root = events[0]["run_id"]
    outer_a = by_run(events, "on_chain_start", "outer_a")["run_id"]
    outer_b = by_run(events, "on_chain_start", "outer_b")["run_id"]
    model_starts = [e for e in events if e["event"] == "on_chat_model_start"]
    assert [e["parent_ids"] for e in model_starts] == [[root, outer_a], [root, outer_b]]
    parser = by_run(events, "on_parser_start", "StrOutputParser")
    assert parser["parent_ids"] == [root, outer_b]
    # A model invoked (not streamed) under an event stream still reports its tokens.
    streamed = [e for e in events if e["event"] == "on_chat_model_stream"]
    assert [e["data"]["chunk"].content for e in streamed] == ["hi", " ", "there"] * 2
    assert {e["parent_ids"][-1] for e in streamed} == {outer_a, outer_b}


async def test_runs_started_inside_tools_are_children(collect: Collector) -> None:
    inner = ChatPromptTemplate.from_template("about {x}") | chat_model()

    @tool
    def ask(x: str, config: RunnableConfig) -> str:
        """Ask the model about x."""
        return inner.invoke({"x": x}, config).content  # type: ignore[return-value]

    chain = RunnableLambda(lambda q: {"x": q}, name="args") | ask
    events = await collect(chain, "cats")
    root = events[0]["run_id"]
    tool_run = by_run(events, "on_tool_start", "ask")
    assert tool_run["parent_ids"] == [root]
    seq = [e for e in events if e["name"] == "RunnableSequence" and e["run_id"] != root]
    assert seq[0]["parent_ids"] == [root, tool_run["run_id"]]
    model_start = by_run(events, "on_chat_model_start", "GenericFakeChatModel")
    assert model_start["parent_ids"] == [root, tool_run["run_id"], seq[0]["run_id"]]
    assert by_run(events, "on_tool_end", "ask")["data"]["output"] == "hi there"


async def test_custom_events_from_an_async_function() -> None:
    payload = {"pct": 50}

    async def progress(text: str, config: RunnableConfig) -> str:
        await adispatch_custom_event("progress", payload, config=config)
        return text.upper()

    chain = RunnableLambda(lambda x: x, name="first") | RunnableLambda(progress, name="work")
    events = [e async for e in chain.astream_events("abc", config={"tags": ["t"]})]
    custom = [e for e in events if e["event"] == "on_custom_event"]
    assert len(custom) == 1
    work = by_run(events, "on_chain_start", "work")
    assert custom[0]["name"] == "progress"
    assert custom[0]["data"] is payload
    assert payload == {"pct": 50}
    assert custom[0]["run_id"] == work["run_id"]
    assert custom[0]["parent_ids"] == work["parent_ids"] == [events[0]["run_id"]]
    assert custom[0]["tags"] == work["tags"] == ["seq:step:2", "t"]
    position = [e["event"] for e in events if e["run_id"] == work["run_id"]]
    assert position == ["on_chain_start", "on_custom_event", "on_chain_stream", "on_chain_end"]


async def test_custom_events_from_a_sync_function(collect: Collector) -> None:
    def work(text: str) -> str:
        dispatch_custom_event("step", "half way")  # the config travels in a context variable
        return text

    events = await collect(RunnableLambda(work), "x")
    assert [(e["event"], e["name"]) for e in events] == [
        ("on_chain_start", "work"),
        ("on_custom_event", "step"),
        ("on_chain_stream", "work"),
        ("on_chain_end", "work"),
    ]
    assert events[1]["data"] == "half way"
    assert events[1]["run_id"] == events[0]["run_id"]


async def test_json_parser_streams_whole_partial_objects() -> None:
    chain = chat_model('{"a": [1, 2]}') | JsonOutputParser()
    events = [e async for e in chain.astream_events("q")]
    root = [e["data"]["chunk"] for e in events if e["event"] == "on_chain_stream"]
    assert root[-1] == {"a": [1, 2]}
    assert root == [e["data"]["chunk"] for e in events if e["event"] == "on_parser_stream"]
    assert events[-1]["data"] == {"output": {"a": [1, 2]}}


async def test_kwargs_reach_the_runnable() -> None:
    events = [e async for e in chat_model().astream_events("q", stop=["x"])]
    assert events[0]["metadata"]["ls_stop"] == ["x"]


async def test_config_run_id_names_the_root() -> None:
    run_id = uuid.uuid4()
    events = [e async for e in joke_chain().astream_events({"topic": "x"}, {"run_id": run_id})]
    assert events[0]["run_id"] == events[-1]["run_id"] == str(run_id)
    root = [e for e in events if e["run_id"] == str(run_id)]
    assert {e["name"] for e in root} == {"RunnableSequence"}
    assert len(root) == 1 + 3 + 1  # start, three streamed chunks, end


@pytest.mark.parametrize(
    ("make", "input", "kind"),
    [
        (lambda: ChatPromptTemplate.from_template("about {topic}"), {"topic": "cats"}, "prompt"),
        (chat_model, "hello", "chat_model"),
        (lambda: FakeStreamingListLLM(responses=["abc"]), "hello", "llm"),
        (lambda: FakeListLLM(responses=["abc"]), "hello", "llm"),
        (StrOutputParser, AIMessageChunk(content="text"), "parser"),
        (lambda: add, {"a": 1, "b": 2}, "tool"),
        (retriever, "harrison worked at kensho", "retriever"),
        (lambda: RunnableLambda(lambda x: x * 2), "ab", "chain"),
    ],
)
async def test_every_runnable_streams_its_events_at_the_root(
    collect: Collector, make: Any, input: Any, kind: str
) -> None:
    events = await collect(make(), input)
    assert events[0]["event"] == f"on_{kind}_start"
    assert events[0]["data"] == {"input": input}
    assert events[-1]["event"] == f"on_{kind}_end"
    assert list(events[-1]["data"]) == ["output"]
    assert {e["run_id"] for e in events} == {events[0]["run_id"]}
    assert all(e["parent_ids"] == [] for e in events)
    middle = {e["event"] for e in events[1:-1]}
    assert middle <= {f"on_{kind}_stream"}
