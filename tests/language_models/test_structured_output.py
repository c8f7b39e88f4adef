"""BaseChatModel.with_structured_output: every schema kind and method, streamed and checked."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict  # nested in a list: pydantic needs it on 3.11

from runnel.callbacks import BaseCallbackHandler
from runnel.exceptions import OutputParserException
from runnel.language_models import FakeListChatModel, GenericFakeChatModel
from runnel.messages import AIMessage, AIMessageChunk
from runnel.runnables import RunnableSequence

from .conftest import Path

pytestmark = pytest.mark.anyio


class Country(BaseModel):
    name: str
    population: int


class Countries(BaseModel):
    """Countries and their populations."""

    countries: list[Country] = Field(default_factory=list)


class CountryDict(TypedDict):
    name: str
    population: int


class CountriesDict(TypedDict):
    """Countries and their populations."""

    countries: list[CountryDict]


COUNTRIES_SCHEMA: dict[str, Any] = {
    "title": "countries_schema",
    "description": "Countries and their populations.",
    "type": "object",
    "properties": {
        "countries": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "population": {"type": "integer"}},
                "required": ["name", "population"],
            },
        }
    },
    "required": ["countries"],
}

OPENAI_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "countries_tool",
        "description": "Countries and their populations.",
        "parameters": {k: v for k, v in COUNTRIES_SCHEMA.items() if k != "title"},
    },
}

ARGS = {
    "countries": [
        {"name": "France", "population": 67413000},
        {"name": "Spain", "population": 47351567},
        {"name": "Japan", "population": 125584000},
    ]
}
BAD_ARGS = {"countries": [{"name": "France", "population": 67413000}, {"name": "Spain"}]}


def calling(name: str, args: dict[str, Any], n: int = 4) -> GenericFakeChatModel:
    """A fake that answers `n` times with one call to `name`."""
    message = AIMessage("", tool_calls=[{"name": name, "args": args, "id": "call_1"}])
    return GenericFakeChatModel(messages=iter([message] * n))


def answering(text: str, n: int = 4) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([text] * n))


def assert_grows_to(values: list[Any], final: Any) -> None:
    """Several partial values, each new, ending with `final`."""
    assert len(values) >= 4
    assert values[-1] == final
    assert all(a != b for a, b in itertools.pairwise(values))


# -- function calling ---------------------------------------------------------------------
async def test_pydantic_schema_streams_validated_partial_objects(path: Path) -> None:
    structured = calling("Countries", ARGS).with_structured_output(Countries)
    chunks = await path.stream(structured, "list the countries")
    expected = Countries.model_validate(ARGS)
    assert all(isinstance(c, Countries) for c in chunks)
    assert [len(c.countries) for c in chunks] == [0, 1, 2, 3]
    assert chunks[-1] == expected
    assert await path.invoke(structured, "again") == expected


@pytest.mark.parametrize(
    ("schema", "name"),
    [
        (CountriesDict, "CountriesDict"),
        (COUNTRIES_SCHEMA, "countries_schema"),
        (OPENAI_TOOL, "countries_tool"),
    ],
    ids=["typeddict", "json-schema", "openai-tool"],
)
async def test_dict_schemas_stream_growing_dicts(path: Path, schema: Any, name: str) -> None:
    structured = calling(name, ARGS).with_structured_output(schema)
    chunks = await path.stream(structured, "list the countries")
    assert_grows_to(chunks, ARGS)
    assert chunks[:3] == [{}, {"countries": [{}]}, {"countries": [{"name": "France"}]}]
    assert await path.invoke(structured, "again") == ARGS


async def test_function_calling_binds_the_schema_as_the_forced_tool() -> None:
    structured = calling("Countries", ARGS).with_structured_output(Countries)
    assert isinstance(structured, RunnableSequence)
    kwargs = structured.first.kwargs  # type: ignore[attr-defined]
    assert kwargs["tool_choice"] == "Countries"
    (tool,) = kwargs["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "Countries"
    assert tool["function"]["description"] == "Countries and their populations."
    assert set(tool["function"]["parameters"]["properties"]) == {"countries"}


async def test_the_model_receives_the_tool_and_the_choice(path: Path) -> None:
    seen: list[dict[str, Any]] = []

    class Params(BaseCallbackHandler):
        def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
            seen.append(kw["invocation_params"])

    structured = calling("CountriesDict", ARGS).with_structured_output(CountriesDict, strict=True)
    await path.invoke(structured, "x", {"callbacks": [Params()]})
    (params,) = seen
    assert params["tool_choice"] == "CountriesDict"
    assert params["tools"][0]["function"]["strict"] is True


async def test_partial_objects_come_while_the_model_streams() -> None:
    structured = calling("CountriesDict", ARGS).with_structured_output(CountriesDict)
    kinds = [
        event["event"]
        async for event in structured.astream_events("x", version="v2")
        if event["event"] in ("on_chat_model_stream", "on_parser_stream")
    ]
    first_parsed = kinds.index("on_parser_stream")
    last_token = len(kinds) - 1 - kinds[::-1].index("on_chat_model_stream")
    assert first_parsed < last_token  # parsing started before the answer was complete
    assert kinds.count("on_parser_stream") >= 4


async def test_events_name_the_model_and_the_parser() -> None:
    structured = calling("CountriesDict", ARGS).with_structured_output(CountriesDict)
    starts = [
        (e["name"], e["tags"])
        async for e in structured.astream_events("x", version="v2")
        if e["event"].endswith("_start")
    ]
    assert starts == [
        ("RunnableSequence", []),
        ("GenericFakeChatModel", ["seq:step:1"]),
        ("JsonOutputKeyToolsParser", ["seq:step:2"]),
    ]


async def test_a_pydantic_validation_failure_names_the_field(path: Path) -> None:
    structured = calling("Countries", BAD_ARGS).with_structured_output(Countries)
    with pytest.raises(OutputParserException, match=r"Countries[\s\S]*population"):
        await path.stream(structured, "x")
    with pytest.raises(OutputParserException, match=r"countries\.1\.population"):
        await path.invoke(structured, "x")


@pytest.mark.parametrize(
    ("schema", "name"),
    [(CountriesDict, "CountriesDict"), (COUNTRIES_SCHEMA, "countries_schema")],
    ids=["typeddict", "json-schema"],
)
async def test_a_dict_schema_failure_says_what_does_not_fit(
    path: Path, schema: Any, name: str
) -> None:
    structured = calling(name, BAD_ARGS).with_structured_output(schema)
    message = rf"fit the schema '{name}'.*\$\.countries\[1\]: the required property 'population'"
    partial: list[Any] = []
    with pytest.raises(OutputParserException, match=message) as info:
        if path.is_async:
            async for chunk in structured.astream("x"):
                partial.append(chunk)
        else:
            partial.extend(structured.stream("x"))
    assert partial[-1] == BAD_ARGS  # the partial objects streamed before the check
    assert json.loads(info.value.llm_output or "") == BAD_ARGS
    with pytest.raises(OutputParserException, match=message):
        await path.invoke(structured, "x")


async def test_a_wrong_type_is_reported_with_its_path(path: Path) -> None:
    args = {"countries": [{"name": "France", "population": "many"}]}
    structured = calling("countries_schema", args).with_structured_output(COUNTRIES_SCHEMA)
    with pytest.raises(
        OutputParserException,
        match=r"\$\.countries\[0\]\.population: expected an integer, got a string",
    ):
        await path.invoke(structured, "x")


async def test_no_tool_call_gives_none_as_in_langchain(path: Path) -> None:
    model = answering("I would rather not.")
    assert await path.invoke(model.with_structured_output(Countries), "x") is None
    assert await path.invoke(model.with_structured_output(CountriesDict), "x") is None
    assert await path.stream(model.with_structured_output(CountriesDict), "x") == []


# -- include_raw --------------------------------------------------------------------------
async def test_include_raw_returns_the_message_and_the_parsed_object(path: Path) -> None:
    structured = calling("Countries", ARGS).with_structured_output(Countries, include_raw=True)
    out = await path.invoke(structured, "x")
    assert set(out) == {"raw", "parsed", "parsing_error"}
    assert isinstance(out["raw"], AIMessage)
    assert out["raw"].tool_calls[0]["args"] == ARGS
    assert out["parsed"] == Countries.model_validate(ARGS)
    assert out["parsing_error"] is None


async def test_include_raw_streams_the_message_then_the_result(path: Path) -> None:
    structured = calling("CountriesDict", ARGS).with_structured_output(
        CountriesDict, include_raw=True
    )
    chunks = await path.stream(structured, "x")
    raws, (last,) = chunks[:-1], chunks[-1:]
    assert len(raws) > 4
    assert all(list(c) == ["raw"] and isinstance(c["raw"], AIMessageChunk) for c in raws)
    assert last == {"parsed": ARGS, "parsing_error": None}
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole = whole + chunk
    assert whole["raw"].tool_calls[0]["args"] == ARGS
    assert whole["parsed"] == ARGS


async def test_include_raw_returns_the_parsing_error(path: Path) -> None:
    structured = calling("Countries", BAD_ARGS).with_structured_output(Countries, include_raw=True)
    out = await path.invoke(structured, "x")
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], OutputParserException)
    assert "population" in str(out["parsing_error"])
    assert out["raw"].tool_calls[0]["args"] == BAD_ARGS
    chunks = await path.stream(structured, "x")
    assert chunks[-1]["parsed"] is None
    assert isinstance(chunks[-1]["parsing_error"], OutputParserException)


async def test_include_raw_reports_a_sequence_of_model_and_parser() -> None:
    structured = calling("Countries", ARGS).with_structured_output(Countries, include_raw=True)
    starts = [
        (e["name"], e["tags"])
        async for e in structured.astream_events("x", version="v2")
        if e["event"].endswith("_start")
    ]
    assert starts == [
        ("RunnableSequence", []),
        ("GenericFakeChatModel", ["seq:step:1"]),
        ("PydanticToolsParser", ["seq:step:2"]),
    ]


# -- JSON mode and JSON schema ------------------------------------------------------------
JSON_ANSWER = json.dumps(ARGS, indent=1)


async def test_json_mode_streams_partial_dicts(path: Path) -> None:
    structured = answering(JSON_ANSWER).with_structured_output(CountriesDict, method="json_mode")
    assert structured.first.kwargs == {"response_format": {"type": "json_object"}}  # type: ignore[attr-defined]
    chunks = await path.stream(structured, "x")
    assert_grows_to(chunks, ARGS)
    assert await path.invoke(structured, "x") == ARGS


async def test_json_mode_with_a_pydantic_model(path: Path) -> None:
    structured = answering(JSON_ANSWER).with_structured_output(Countries, method="json_mode")
    chunks = await path.stream(structured, "x")
    assert [len(c.countries) for c in chunks] == [0, 1, 2, 3]
    assert chunks[-1] == Countries.model_validate(ARGS)


async def test_json_mode_without_a_schema_accepts_any_object(path: Path) -> None:
    structured = answering('{"anything": [1, 2]}').with_structured_output(method="json_mode")
    assert await path.invoke(structured, "x") == {"anything": [1, 2]}


async def test_json_mode_checks_the_schema(path: Path) -> None:
    bad = answering(json.dumps(BAD_ARGS))
    structured = bad.with_structured_output(COUNTRIES_SCHEMA, method="json_mode")
    with pytest.raises(OutputParserException, match="required property 'population'"):
        await path.stream(structured, "x")
    raw = bad.with_structured_output(COUNTRIES_SCHEMA, method="json_mode", include_raw=True)
    out = await path.invoke(raw, "x")
    assert out["raw"].content == json.dumps(BAD_ARGS)
    assert isinstance(out["parsing_error"], OutputParserException)


async def test_json_mode_reports_text_that_is_not_json(path: Path) -> None:
    structured = answering("Sure! France, Spain").with_structured_output(
        CountriesDict, method="json_mode"
    )
    with pytest.raises(OutputParserException, match="Invalid JSON"):
        await path.invoke(structured, "x")


async def test_json_schema_binds_the_response_format(path: Path) -> None:
    structured = answering(JSON_ANSWER).with_structured_output(
        Countries, method="json_schema", strict=True
    )
    response_format = structured.first.kwargs["response_format"]  # type: ignore[attr-defined]
    assert response_format["type"] == "json_schema"
    spec = response_format["json_schema"]
    assert spec["name"] == "Countries"
    assert spec["description"] == "Countries and their populations."
    assert spec["strict"] is True
    assert spec["schema"]["additionalProperties"] is False
    assert await path.invoke(structured, "x") == Countries.model_validate(ARGS)


async def test_json_schema_accepts_openai_response_formats(path: Path) -> None:
    spec = {"name": "countries", "schema": COUNTRIES_SCHEMA}
    structured = answering(json.dumps(BAD_ARGS)).with_structured_output(spec, method="json_schema")
    assert structured.first.kwargs["response_format"] == {  # type: ignore[attr-defined]
        "type": "json_schema",
        "json_schema": spec,
    }
    with pytest.raises(OutputParserException, match="'countries'"):
        await path.invoke(structured, "x")


# -- errors -------------------------------------------------------------------------------
def test_a_model_without_tool_calling_says_so() -> None:
    model = FakeListChatModel(responses=["{}"])
    with pytest.raises(NotImplementedError, match=r"FakeListChatModel .*bind_tools"):
        model.with_structured_output(Countries)
    assert model.with_structured_output(Countries, method="json_mode") is not None


def test_bad_arguments_are_refused() -> None:
    model = answering("{}")
    with pytest.raises(ValueError, match="Unknown structured output method 'xml'"):
        model.with_structured_output(Countries, method="xml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"unsupported arguments \['temperature'\]"):
        model.with_structured_output(Countries, temperature=0)
    with pytest.raises(ValueError, match="needs a schema"):
        model.with_structured_output(None)
    with pytest.raises(ValueError, match="top-level 'title'"):
        model.with_structured_output({"type": "object"})


# -- streaming edge cases -----------------------------------------------------------------
async def test_a_model_that_does_not_stream_gives_the_whole_object(path: Path) -> None:
    message = AIMessage("", tool_calls=[{"name": "Countries", "args": ARGS, "id": "call_1"}])
    model = GenericFakeChatModel(messages=iter([message] * 2), disable_streaming=True)
    structured = model.with_structured_output(Countries)
    assert await path.stream(structured, "x") == [Countries.model_validate(ARGS)]
    raw = await path.stream(
        GenericFakeChatModel(
            messages=iter([message]), disable_streaming=True
        ).with_structured_output(Countries, include_raw=True),
        "x",
    )
    assert [list(chunk) for chunk in raw] == [["raw"], ["parsed", "parsing_error"]]
    assert raw[1]["parsed"] == Countries.model_validate(ARGS)


@pytest.mark.parametrize("include_raw", [False, True])
async def test_a_consumer_may_stop_early(path: Path, include_raw: bool) -> None:
    structured = calling("CountriesDict", ARGS).with_structured_output(
        CountriesDict, include_raw=include_raw
    )
    first = await path.first_then_close(structured, "x")
    if include_raw:
        assert list(first) == ["raw"]
        assert (await path.invoke(structured, "again"))["parsed"] == ARGS
    else:
        assert first == {}
        assert await path.invoke(structured, "again") == ARGS
