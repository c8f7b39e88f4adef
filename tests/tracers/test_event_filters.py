"""include_*/exclude_* filters of astream_events (reference 1.9), and no mutation of inputs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from runnel.callbacks import BaseCallbackHandler, adispatch_custom_event
from runnel.output_parsers import JsonOutputParser, StrOutputParser
from runnel.runnables import RunnableConfig, RunnableLambda
from runnel.tracers import EventFilter

from .conftest import Collector, chat_model, joke_chain, kinds

pytestmark = pytest.mark.anyio

FILTERS: list[dict[str, list[str]]] = [
    {"include_names": ["StrOutputParser"]},
    {"include_names": ["GenericFakeChatModel", "ChatPromptTemplate"]},
    {"include_types": ["chat_model"]},
    {"include_types": ["llm"]},  # chat models are not of type llm in events
    {"include_types": ["prompt", "parser"]},
    {"include_tags": ["seq:step:2"]},
    {"include_tags": ["inner"]},
    {"exclude_names": ["RunnableSequence"]},
    {"exclude_types": ["chain", "prompt"]},
    {"exclude_tags": ["inner"]},
    {"include_types": ["chain"], "exclude_tags": ["inner"]},
    {"include_tags": ["inner"], "exclude_names": ["GenericFakeChatModel"]},
    {"include_names": ["RunnableSequence"], "include_types": ["parser"]},
]


def _chain() -> Any:
    """outer(first | inner(model | parser) | last): nested names, types and tags."""
    inner = (chat_model() | StrOutputParser()).with_config(tags=["inner"])
    return (
        RunnableLambda(lambda x: {"topic": x}, name="first")
        | joke_chain().first
        | inner
        | RunnableLambda(str.upper, name="last")
    )


def _rule(event: dict[str, Any], kind: str, filters: dict[str, list[str]]) -> bool:
    """Reference 1.9, written out independently of the implementation."""
    name, tags = event["name"], event["tags"]
    includes = [filters.get(k, []) for k in ("include_names", "include_types", "include_tags")]
    include = not any(includes)
    if not include:
        include = name in includes[0] or kind in includes[1] or any(t in includes[2] for t in tags)
    return (
        include
        and name not in filters.get("exclude_names", [])
        and kind not in filters.get("exclude_types", [])
        and not any(t in filters.get("exclude_tags", []) for t in tags)
    )


def _kind(event: dict[str, Any]) -> str:
    if event["event"] == "on_custom_event":
        return str(event["name"])
    return str(event["event"].split("_", 1)[1].rsplit("_", 1)[0])


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f))
async def test_filters_follow_the_reference_rule(
    collect: Collector, filters: dict[str, list[str]]
) -> None:
    everything = await collect(_chain(), "cats")
    kept = await collect(_chain(), "cats", **filters)
    expected = [e for e in everything if _rule(e, _kind(e), filters)]

    def key(event: dict[str, Any]) -> tuple[str, str, list[str]]:
        return event["event"], event["name"], event["tags"]

    assert [key(e) for e in kept] == [key(e) for e in expected]


async def test_include_types_llm_does_not_match_chat_models(collect: Collector) -> None:
    assert await collect(_chain(), "cats", include_types=["llm"]) == []


async def test_inherited_tags_select_a_whole_subtree(collect: Collector) -> None:
    chain = (chat_model('{"a": 1}') | JsonOutputParser()).with_config(tags=["my_chain"])
    events = await collect(chain, "x", include_tags=["my_chain"])
    assert {e["name"] for e in events} == {
        "RunnableSequence",
        "GenericFakeChatModel",
        "JsonOutputParser",
    }
    assert all("my_chain" in e["tags"] for e in events)
    everything = await collect(chain, "x")
    assert kinds(events) == kinds(everything)


async def test_a_tag_on_one_step_selects_only_that_step(collect: Collector) -> None:
    chain = chat_model() | StrOutputParser().with_config(tags=["only_parser"])
    events = await collect(chain, "x", include_tags=["only_parser"])
    assert {e["name"] for e in events} == {"StrOutputParser"}


async def test_excluded_runs_produce_no_events_at_all(collect: Collector) -> None:
    events = await collect(_chain(), "cats", exclude_names=["GenericFakeChatModel", "first"])
    assert events
    names = {e["name"] for e in events}
    assert "GenericFakeChatModel" not in names
    assert "first" not in names
    # Their children and siblings are filtered on their own.
    assert "StrOutputParser" in names


async def test_custom_events_are_filtered_by_their_name_as_type() -> None:
    async def work(x: str, config: RunnableConfig) -> str:
        await adispatch_custom_event("my_evt", {"v": 1}, config=config)
        await adispatch_custom_event("other", {"v": 2}, config=config)
        return x

    runnable = RunnableLambda(work, name="work")
    by_type = [e async for e in runnable.astream_events("x", include_types=["my_evt"])]
    assert [(e["event"], e["name"], e["data"]) for e in by_type] == [
        ("on_custom_event", "my_evt", {"v": 1})
    ]
    by_name = [e async for e in runnable.astream_events("x", include_names=["other"])]
    assert [(e["event"], e["name"]) for e in by_name] == [("on_custom_event", "other")]
    chains = [e async for e in runnable.astream_events("x", include_types=["chain"])]
    assert "on_custom_event" not in {e["event"] for e in chains}
    assert len(chains) == 3
    tagged = [
        e
        async for e in runnable.astream_events(
            "x", config={"tags": ["t"]}, exclude_tags=["t"], include_names=["my_evt"]
        )
    ]
    assert tagged == []


async def test_the_root_is_filtered_like_any_run(collect: Collector) -> None:
    events = await collect(joke_chain(), {"topic": "cats"}, exclude_types=["chain"])
    assert events
    assert "RunnableSequence" not in {e["name"] for e in events}


async def test_streaming_with_a_filter_mutates_neither_input_nor_payloads(
    collect: Collector,
) -> None:
    payload = {"v": 1, "nested": {"k": [1, 2]}}
    payload_before = copy.deepcopy(payload)

    async def work(x: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        await adispatch_custom_event("evt", payload, config=config)
        return x

    user_input = {"topic": "cats", "extra": ["a"]}
    input_before = copy.deepcopy(user_input)
    runnable = RunnableLambda(work, name="work")
    if not collect.is_async:
        # stream_events cannot run an async-only function; use a sync twin.
        from runnel.callbacks import dispatch_custom_event

        def sync_work(x: dict[str, Any]) -> dict[str, Any]:
            dispatch_custom_event("evt", payload)
            return x

        runnable = RunnableLambda(sync_work, name="work")
    events = await collect(runnable, user_input, include_types=["evt"])
    assert [e["event"] for e in events] == ["on_custom_event"]
    assert events[0]["data"] == payload_before
    assert payload == payload_before
    assert user_input == input_before

    # The first event of a run other than the root gets the root input: on a copy.
    chain = joke_chain()
    events = await collect(chain, user_input, include_types=["chat_model", "parser"])
    assert events[0]["event"] == "on_chat_model_start"
    assert user_input == input_before
    started = events[0]["data"]
    ends = [e["data"] for e in events if e["event"].endswith("_end")]
    assert all("output" in data for data in ends)
    assert started is not ends[0]


async def test_the_users_config_is_not_changed(collect: Collector) -> None:
    class Quiet(BaseCallbackHandler):
        pass

    handler = Quiet()
    config: RunnableConfig = {
        "tags": ["t"],
        "metadata": {"m": 1},
        "callbacks": [handler],
        "run_name": "root",
    }
    before = {k: copy.copy(v) for k, v in config.items()}
    events = await collect(joke_chain(), {"topic": "x"}, config=config)
    assert events[0]["name"] == "root"
    assert config == before
    assert config["callbacks"] == [handler]
    # Events do not share the caller's config objects: annotating one changes nothing else.
    for event in events:
        event["metadata"]["seen"] = True
        event["tags"].append("seen")
    assert config == before


def test_event_filter_without_rules_keeps_everything() -> None:
    keep = EventFilter()
    assert keep("anything", "chain", [])
    assert not keep.selective


def test_event_filter_rule() -> None:
    keep = EventFilter(include_names=["a"], include_tags=["t"], exclude_types=["tool"])
    assert keep("a", "chain", [])
    assert keep("b", "chain", ["t"])
    assert not keep("b", "chain", ["u"])
    assert not keep("a", "tool", [])
    assert not keep("b", "tool", ["t"])
