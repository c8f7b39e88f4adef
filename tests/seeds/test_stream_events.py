# ruff: noqa: E501, RUF010 - the document's code is kept as it is
"""Seed "How to stream runnables" (004), second half: ``astream_events``.

The chat model's events, a chain's events, and (from the same guide's later sections, which
the seed's text announces) filtering events by name, type and tag, non-streaming components
in events, and propagating callbacks through tools and functions. Each test runs the
guide's code with only the import lines changed (see `providers`).
"""

from __future__ import annotations

from typing import Any

import pytest

from runnel.messages import AIMessageChunk, HumanMessage

from .providers import COUNTRIES, COUNTRIES_JSON, HELLO

pytestmark = pytest.mark.anyio

QUESTION = (
    "output a list of the countries france, spain and japan and their populations in JSON format. "
    'Use a dict with an outer key of "countries" which contains a list of countries. '
    "Each country should have the key `name` and `population`"
)


def _kinds(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["event"], e["name"]) for e in events]


# -- Chat Model ---------------------------------------------------------------------------
async def test_chat_model_events() -> None:
    from .providers import ChatAnthropicHello as ChatAnthropic

    model = ChatAnthropic(model="claude-3-5-sonnet-20240620")

    events = []
    async for event in model.astream_events("hello", version="v2"):
        events.append(event)

    events[:3]
    events[-2:]

    start, *streams, end = events
    assert (start["event"], start["name"], start["data"]) == (
        "on_chat_model_start",
        "ChatAnthropic",
        {"input": "hello"},
    )
    assert {e["event"] for e in streams} == {"on_chat_model_stream"}
    assert len(streams) > 5
    assert "".join(e["data"]["chunk"].content for e in streams) == HELLO
    assert end["event"] == "on_chat_model_end"
    assert isinstance(end["data"]["output"], AIMessageChunk)
    assert end["data"]["output"].content == HELLO
    run_id = start["run_id"]
    assert {e["run_id"] for e in events} == {run_id}
    assert {e["data"]["chunk"].id for e in streams} == {f"lc_run--{run_id}"}
    assert all(e["tags"] == [] and e["parent_ids"] == [] for e in events)


# -- Chain --------------------------------------------------------------------------------
async def test_chain_events_start_with_three_start_events() -> None:
    from runnel.output_parsers import JsonOutputParser

    from .providers import ChatAnthropicCountries as ChatAnthropic

    model = ChatAnthropic(model="claude-3-5-sonnet-20240620")

    chain = (
        model | JsonOutputParser()
    )  # Due to a bug in older versions of Langchain, JsonOutputParser did not stream results from some models

    events = [
        event
        async for event in chain.astream_events(
            "output a list of the countries france, spain and japan and their populations in JSON format. "
            'Use a dict with an outer key of "countries" which contains a list of countries. '
            "Each country should have the key `name` and `population`",
            version="v2",
        )
    ]

    events[:3]

    chain_start, model_start, first_token = events[:3]
    assert chain_start["event"] == "on_chain_start"
    assert (chain_start["name"], chain_start["tags"]) == ("RunnableSequence", [])
    assert chain_start["data"] == {"input": QUESTION}
    assert model_start["event"] == "on_chat_model_start"
    assert (model_start["name"], model_start["tags"]) == ("ChatAnthropic", ["seq:step:1"])
    assert model_start["data"] == {"input": {"messages": [[HumanMessage(QUESTION)]]}}
    assert model_start["parent_ids"] == [chain_start["run_id"]]
    assert first_token["event"] == "on_chat_model_stream"
    assert first_token["data"]["chunk"].content == "{"
    # The parser starts once the model's first chunk reaches it.
    parser_start = _kinds(events).index(("on_parser_start", "JsonOutputParser"))
    assert events[parser_start]["tags"] == ["seq:step:2"]
    # ... and the last three: the model's end, the parser's end, the chain's end.
    assert _kinds(events[-3:]) == [
        ("on_chat_model_end", "ChatAnthropic"),
        ("on_parser_end", "JsonOutputParser"),
        ("on_chain_end", "RunnableSequence"),
    ]
    assert events[-1]["data"]["output"] == COUNTRIES
    assert events[-2]["data"]["output"] == COUNTRIES
    assert events[-3]["data"]["output"].content == COUNTRIES_JSON


async def test_model_and_parser_stream_in_real_time(capsys: pytest.CaptureFixture[str]) -> None:
    from runnel.output_parsers import JsonOutputParser

    from .providers import ChatAnthropicCountries as ChatAnthropic

    model = ChatAnthropic(model="claude-3-5-sonnet-20240620")
    chain = model | JsonOutputParser()

    num_events = 0

    async for event in chain.astream_events(
        "output a list of the countries france, spain and japan and their populations in JSON format. "
        'Use a dict with an outer key of "countries" which contains a list of countries. '
        "Each country should have the key `name` and `population`",
        version="v2",
    ):
        kind = event["event"]
        if kind == "on_chat_model_stream":
            print(
                f"Chat model chunk: {repr(event['data']['chunk'].content)}",
                flush=True,
            )
        if kind == "on_parser_stream":
            print(f"Parser chunk: {event['data']['chunk']}", flush=True)
        num_events += 1
        if num_events > 30:
            # Truncate the output
            print("...")
            break

    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["Chat model chunk: '{'", "Parser chunk: {}", "Chat model chunk: '\\n'"]
    assert lines[-1] == "..."
    parser_lines = [i for i, line in enumerate(lines) if line.startswith("Parser chunk")]
    model_lines = [i for i, line in enumerate(lines) if line.startswith("Chat model chunk")]
    assert len(parser_lines) >= 3
    # Interleaved: parsed values come out while the model is still writing.
    assert model_lines[0] < parser_lines[0] < parser_lines[-1] < model_lines[-1]
    assert [lines[i] for i in parser_lines[:3]] == [
        "Parser chunk: {}",
        "Parser chunk: {'countries': []}",
        "Parser chunk: {'countries': [{}]}",
    ]


# -- Filtering Events ---------------------------------------------------------------------
async def test_filter_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    from runnel.output_parsers import JsonOutputParser

    from .providers import ChatAnthropicCountries as ChatAnthropic

    model = ChatAnthropic(model="claude-3-5-sonnet-20240620")
    printed = []  # (not in the document)

    chain = model.with_config({"run_name": "model"}) | JsonOutputParser().with_config(
        {"run_name": "my_parser"}
    )

    max_events = 0
    async for event in chain.astream_events(
        "output a list of the countries france, spain and japan and their populations in JSON format. "
        'Use a dict with an outer key of "countries" which contains a list of countries. '
        "Each country should have the key `name` and `population`",
        version="v2",
        include_names=["my_parser"],
    ):
        print(event)
        printed.append(event)
        max_events += 1
        if max_events > 10:
            # Truncate output
            print("...")
            break

    assert capsys.readouterr().out.endswith("...\n")
    assert len(printed) == 11
    assert {e["name"] for e in printed} == {"my_parser"}
    assert printed[0]["event"] == "on_parser_start"
    assert {e["event"] for e in printed[1:]} == {"on_parser_stream"}
    assert printed[1]["data"]["chunk"] == {}


async def test_filter_by_type() -> None:
    from runnel.output_parsers import JsonOutputParser

    from .providers import ChatAnthropicCountries as ChatAnthropic

    model = ChatAnthropic(model="claude-3-5-sonnet-20240620")
    printed = []  # (not in the document)

    chain = model.with_config({"run_name": "model"}) | JsonOutputParser().with_config(
        {"run_name": "my_parser"}
    )

    max_events = 0
    async for event in chain.astream_events(
        'output a list of the countries france, spain and japan and their populations in JSON format. Use a dict with an outer key of "countries" which contains a list of countries. Each country should have the key `name` and `population`',
        version="v2",
        include_types=["chat_model"],
    ):
        print(event)
        printed.append(event)
        max_events += 1
        if max_events > 10:
            # Truncate output
            print("...")
            break

    assert len(printed) == 11
    assert {e["name"] for e in printed} == {"model"}
    assert printed[0]["event"] == "on_chat_model_start"
    assert {e["event"] for e in printed[1:]} == {"on_chat_model_stream"}
    streamed = "".join(e["data"]["chunk"].content for e in printed[1:])
    assert len(streamed) > 5
    assert COUNTRIES_JSON.startswith(streamed)


async def test_filter_by_tags() -> None:
    from runnel.output_parsers import JsonOutputParser

    from .providers import ChatAnthropicCountries as ChatAnthropic

    model = ChatAnthropic(model="claude-3-5-sonnet-20240620")
    printed = []  # (not in the document)

    chain = (model | JsonOutputParser()).with_config({"tags": ["my_chain"]})

    max_events = 0
    async for event in chain.astream_events(
        'output a list of the countries france, spain and japan and their populations in JSON format. Use a dict with an outer key of "countries" which contains a list of countries. Each country should have the key `name` and `population`',
        version="v2",
        include_tags=["my_chain"],
    ):
        print(event)
        printed.append(event)
        max_events += 1
        if max_events > 10:
            # Truncate output
            print("...")
            break

    # The tag is inherited: the chain, its model and its parser all match.
    assert _kinds(printed[:5]) == [
        ("on_chain_start", "RunnableSequence"),
        ("on_chat_model_start", "ChatAnthropic"),
        ("on_chat_model_stream", "ChatAnthropic"),
        ("on_parser_start", "JsonOutputParser"),
        ("on_parser_stream", "JsonOutputParser"),
    ]
    assert len(printed) == 11
    assert all("my_chain" in e["tags"] for e in printed)


async def test_filters_on_the_whole_run() -> None:
    """(Not in the document) Each filter keeps exactly the events it selects."""
    from runnel.output_parsers import JsonOutputParser

    from .providers import ChatAnthropicCountries as ChatAnthropic

    model = ChatAnthropic(model="claude-3-5-sonnet-20240620")
    chain = model.with_config({"run_name": "model"}) | JsonOutputParser().with_config(
        {"run_name": "my_parser"}
    )
    every = [e async for e in chain.astream_events(QUESTION, version="v2")]
    assert {e["name"] for e in every} == {"RunnableSequence", "model", "my_parser"}
    for options, name in [
        ({"include_names": ["my_parser"]}, "my_parser"),
        ({"include_types": ["chat_model"]}, "model"),
        ({"include_types": ["chain"]}, "RunnableSequence"),
        ({"exclude_names": ["model", "RunnableSequence"]}, "my_parser"),
    ]:
        kept = [e async for e in chain.astream_events(QUESTION, version="v2", **options)]
        expected = [(e["event"], e["name"]) for e in every if e["name"] == name]
        assert _kinds(kept) == expected, options


# -- Non-streaming components -------------------------------------------------------------
async def test_non_streaming_components_still_show_streaming_events(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from runnel.output_parsers import JsonOutputParser

    from .providers import ChatAnthropicCountries as ChatAnthropic

    model = ChatAnthropic(model="claude-3-5-sonnet-20240620")

    # Function that does not support streaming.
    # It operates on the finalizes inputs rather than
    # operating on the input stream.
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

    chain = (
        model | JsonOutputParser() | _extract_country_names
    )  # This parser only works with OpenAI right now

    # As expected, the `astream` API doesn't work correctly as `_extract_country_names` doesn't operate on streams.
    async for chunk in chain.astream(
        "output a list of the countries france, spain and japan and their populations in JSON format. "
        'Use a dict with an outer key of "countries" which contains a list of countries. '
        "Each country should have the key `name` and `population`",
    ):
        print(chunk, flush=True)

    assert capsys.readouterr().out == "['France', 'Spain', 'Japan']\n"

    # Now, let's confirm that with astream_events we're still seeing streaming output from the model and the parser.
    num_events = 0

    async for event in chain.astream_events(
        "output a list of the countries france, spain and japan and their populations in JSON format. "
        'Use a dict with an outer key of "countries" which contains a list of countries. '
        "Each country should have the key `name` and `population`",
        version="v2",
    ):
        kind = event["event"]
        if kind == "on_chat_model_stream":
            print(
                f"Chat model chunk: {repr(event['data']['chunk'].content)}",
                flush=True,
            )
        if kind == "on_parser_stream":
            print(f"Parser chunk: {event['data']['chunk']}", flush=True)
        num_events += 1
        if num_events > 30:
            # Truncate the output
            print("...")
            break

    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["Chat model chunk: '{'", "Parser chunk: {}"]
    assert sum(line.startswith("Parser chunk") for line in lines) >= 3
    assert lines[-1] == "..."


async def test_the_function_step_streams_one_chunk_in_events() -> None:
    """(Not in the document) the function's own events: one stream chunk, at the end."""
    from runnel.output_parsers import JsonOutputParser

    from .providers import ChatAnthropicCountries as ChatAnthropic

    def _extract_country_names(inputs: Any) -> Any:
        return [country.get("name") for country in inputs["countries"]]

    chain = ChatAnthropic() | JsonOutputParser() | _extract_country_names
    events = [e async for e in chain.astream_events(QUESTION, version="v2")]
    own = [e for e in events if e["name"] == "_extract_country_names"]
    assert [e["event"] for e in own] == ["on_chain_start", "on_chain_stream", "on_chain_end"]
    assert own[1]["data"]["chunk"] == ["France", "Spain", "Japan"]
    kinds = _kinds(events)
    assert kinds.index(("on_chat_model_end", "ChatAnthropic")) < kinds.index(
        ("on_chain_stream", "_extract_country_names")
    )


# -- Propagating Callbacks ----------------------------------------------------------------
def _brief(events: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """(event, name, depth) for each event."""
    return [(e["event"], e["name"], len(e["parent_ids"])) for e in events]


async def test_a_tool_calling_a_runnable_reports_it_as_a_child() -> None:
    from runnel.runnables import RunnableLambda
    from runnel.tools import tool

    def reverse_word(word: str):
        return word[::-1]

    reverse_word = RunnableLambda(reverse_word)

    @tool
    def bad_tool(word: str):
        """Custom tool that doesn't propagate callbacks."""
        return reverse_word.invoke(word)

    events = []  # (not in the document)
    async for event in bad_tool.astream_events("hello", version="v2"):
        print(event)
        events.append(event)

    # Python >= 3.11 propagates the run through context variables: the inner runnable is
    # reported as the tool's child even though the tool passes no callbacks.
    assert _brief(events) == [
        ("on_tool_start", "bad_tool", 0),
        ("on_chain_start", "reverse_word", 1),
        ("on_chain_end", "reverse_word", 1),
        ("on_tool_end", "bad_tool", 0),
    ]
    assert events[1]["parent_ids"] == [events[0]["run_id"]]
    assert events[0]["data"] == {"input": "hello"}
    assert events[-1]["data"]["output"] == "olleh"


async def test_a_tool_propagating_its_callbacks() -> None:
    from runnel.runnables import RunnableLambda
    from runnel.tools import tool

    def reverse_word(word: str):
        return word[::-1]

    reverse_word = RunnableLambda(reverse_word)

    @tool
    def correct_tool(word: str, callbacks):
        """A tool that correctly propagates callbacks."""
        return reverse_word.invoke(word, {"callbacks": callbacks})

    events = []  # (not in the document)
    async for event in correct_tool.astream_events("hello", version="v2"):
        print(event)
        events.append(event)

    assert _brief(events) == [
        ("on_tool_start", "correct_tool", 0),
        ("on_chain_start", "reverse_word", 1),
        ("on_chain_end", "reverse_word", 1),
        ("on_tool_end", "correct_tool", 0),
    ]
    assert events[1]["parent_ids"] == [events[0]["run_id"]]
    assert events[2]["data"]["output"] == "olleh"
    assert "callbacks" not in correct_tool.args  # injected, not an argument of the tool


async def test_runnable_lambdas_and_chain_functions_propagate() -> None:
    from runnel.runnables import RunnableLambda, chain

    def reverse_word(word: str):
        return word[::-1]

    reverse_word = RunnableLambda(reverse_word)

    async def reverse_and_double(word: str):
        return await reverse_word.ainvoke(word) * 2

    reverse_and_double = RunnableLambda(reverse_and_double)

    assert await reverse_and_double.ainvoke("1234") == "43214321"

    lambda_events = []  # (not in the document)
    async for event in reverse_and_double.astream_events("1234", version="v2"):
        print(event)
        lambda_events.append(event)

    @chain
    async def reverse_and_double(word: str):
        return await reverse_word.ainvoke(word) * 2

    assert await reverse_and_double.ainvoke("1234") == "43214321"

    chain_events = []  # (not in the document)
    async for event in reverse_and_double.astream_events("1234", version="v2"):
        print(event)
        chain_events.append(event)

    for events in (lambda_events, chain_events):
        assert _brief(events) == [
            ("on_chain_start", "reverse_and_double", 0),
            ("on_chain_start", "reverse_word", 1),
            ("on_chain_end", "reverse_word", 1),
            ("on_chain_stream", "reverse_and_double", 0),
            ("on_chain_end", "reverse_and_double", 0),
        ]
        assert events[3]["data"] == {"chunk": "43214321"}
