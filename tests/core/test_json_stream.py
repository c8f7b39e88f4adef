"""Tests for runnel._core.json_stream and runnel._core.json_patch."""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runnel._core import json_patch, json_stream, json_string
from runnel._core.json_patch import JsonPatchError, apply_patch
from runnel._core.json_stream import JsonStream, JsonStreamError, parse_partial_json

COUNTRIES = (
    '{"countries": [{"name": "France", "population": 67413000}, '
    '{"name": "Spain", "population": 47351567}]}'
)
FRANCE = {"name": "France", "population": 67413000}


def stream(chunks: list[str], **options: Any) -> list[Any]:
    parser = JsonStream(**options)
    out = [value for chunk in chunks for value in parser.feed(chunk)]
    return out + parser.close()


def split(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def test_exported_members() -> None:
    assert sorted(json_stream.__all__) == ["JsonStream", "JsonStreamError", "parse_partial_json"]
    assert sorted(json_patch.__all__) == ["JsonPatchError", "apply_patch"]
    assert sorted(json_string.__all__) == ["StringDecoder", "StringEscapeError"]


# parse_partial_json


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"b": 2', {"b": 2}),
        ('{"name": "', {"name": ""}),
        ('{"name": "Fr', {"name": "Fr"}),
        ('{"a', {}),
        ('{"a": ', {}),
        ('{"a": tru', {}),
        ('{"a": -', {}),
        ('{"a": 1.', {"a": 1}),
        ('{"a": 1e', {"a": 1}),
        ('{"a": 1.5e-', {"a": 1.5}),
        ("[1, tru", [1]),
        ("[1, true", [1, True]),
        ("[1,", [1]),
        ('{"a": [', {"a": []}),
        ('{"a": {"b', {"a": {}}),
        ('{"a": "x\\', {"a": "x"}),
        ('{"a": "x\\u00', {"a": "x"}),
        ('{"a": "x\\ud83d', {"a": "x"}),
        ('{"a": "x\\ud83d\\ude00', {"a": "x\U0001f600"}),
        ('"ab', "ab"),
        ('"', ""),
        ("12", 12),
        ("-0.5", -0.5),
        ('  {"a": 1}  ', {"a": 1}),
        ("[true, false, null]", [True, False, None]),
        ('{"a": "line\nbreak"}', {"a": "line\nbreak"}),
    ],
)
def test_parse_partial_json(text: str, expected: Any) -> None:
    assert parse_partial_json(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no JSON value"),
        ("  ", "no JSON value"),
        ("tru", "no JSON value"),
        ("-", "no JSON value"),
        ('{"a": 1} x', "position 9: expected nothing but whitespace"),
        ('{"a" x', "position 5: expected ':', found 'x'"),
        ("[1}", "position 2: expected ',' or a closing bracket, found '}'"),
        ("[1, 2,]", "position 6: expected a value, found ']'"),
        ('{"a": 01}', "position 6: invalid number '01'"),
        ('{"a": trux}', "position 6: invalid literal 'trux'"),
        ("[tx", "position 1: invalid literal 'tx'"),
        ('"\\x"', "invalid escape"),
        # Fences are for JsonStream, not for bare JSON.
        ("```json\n[1]```", "position 0: expected a JSON value, found '```json"),
    ],
)
def test_parse_partial_json_rejects(text: str, message: str) -> None:
    with pytest.raises(JsonStreamError, match=re.escape(message)):
        parse_partial_json(text)


def test_error_is_a_value_error_with_position() -> None:
    with pytest.raises(ValueError) as info:
        parse_partial_json('[1, 2, "x" "y"]')
    assert isinstance(info.value, JsonStreamError)
    assert info.value.position == 11


# JsonStream: the LangChain examples (recorded from langchain-core 1.7.2, JsonOutputParser)

TOKENS = [
    "{",
    '"countries": [',
    "{",
    '"name": "',
    'France"',
    ', "population": 67',
    "413",
    "000}",
    ', {"name": "Spain',
    '", "population": 47351567}',
    "]}",
]


def test_countries_by_token() -> None:
    assert stream(TOKENS) == [
        {},
        {"countries": []},
        {"countries": [{}]},
        {"countries": [{"name": ""}]},
        {"countries": [{"name": "France"}]},
        {"countries": [{"name": "France", "population": 67}]},
        {"countries": [{"name": "France", "population": 67413}]},
        {"countries": [FRANCE]},
        {"countries": [FRANCE, {"name": "Spain"}]},
        {"countries": [FRANCE, {"name": "Spain", "population": 47351567}]},
    ]


def test_countries_by_token_diff() -> None:
    assert stream(TOKENS, diff=True) == [
        [{"op": "replace", "path": "", "value": {}}],
        [{"op": "add", "path": "/countries", "value": []}],
        [{"op": "add", "path": "/countries/0", "value": {}}],
        [{"op": "add", "path": "/countries/0/name", "value": ""}],
        [{"op": "replace", "path": "/countries/0/name", "value": "France"}],
        [{"op": "add", "path": "/countries/0/population", "value": 67}],
        [{"op": "replace", "path": "/countries/0/population", "value": 67413}],
        [{"op": "replace", "path": "/countries/0/population", "value": 67413000}],
        [{"op": "add", "path": "/countries/1", "value": {"name": "Spain"}}],
        [{"op": "add", "path": "/countries/1/population", "value": 47351567}],
    ]


def test_countries_in_4_char_chunks() -> None:
    assert stream(split(COUNTRIES, 4)) == [
        {},
        {"countries": [{}]},
        {"countries": [{"name": "Fra"}]},
        {"countries": [{"name": "France"}]},
        {"countries": [{"name": "France", "population": 6741}]},
        {"countries": [FRANCE]},
        {"countries": [FRANCE, {}]},
        {"countries": [FRANCE, {"name": "Spa"}]},
        {"countries": [FRANCE, {"name": "Spain"}]},
        {"countries": [FRANCE, {"name": "Spain", "population": 4}]},
        {"countries": [FRANCE, {"name": "Spain", "population": 47351}]},
        {"countries": [FRANCE, {"name": "Spain", "population": 47351567}]},
    ]


def test_countries_in_4_char_chunks_diff() -> None:
    assert stream(split(COUNTRIES, 4), diff=True) == [
        [{"op": "replace", "path": "", "value": {}}],
        [{"op": "add", "path": "/countries", "value": [{}]}],
        [{"op": "add", "path": "/countries/0/name", "value": "Fra"}],
        [{"op": "replace", "path": "/countries/0/name", "value": "France"}],
        [{"op": "add", "path": "/countries/0/population", "value": 6741}],
        [{"op": "replace", "path": "/countries/0/population", "value": 67413000}],
        [{"op": "add", "path": "/countries/1", "value": {}}],
        [{"op": "add", "path": "/countries/1/name", "value": "Spa"}],
        [{"op": "replace", "path": "/countries/1/name", "value": "Spain"}],
        [{"op": "add", "path": "/countries/1/population", "value": 4}],
        [{"op": "replace", "path": "/countries/1/population", "value": 47351}],
        [{"op": "replace", "path": "/countries/1/population", "value": 47351567}],
    ]


def test_diff_ops_follow_document_order() -> None:
    # jsonpatch.make_patch would list the new keys "b" and "c" before "/a/1" (same result).
    assert stream(['{"a": [1', ', 2], "b": 3, "c": [4]}'], diff=True) == [
        [{"op": "replace", "path": "", "value": {"a": [1]}}],
        [
            {"op": "add", "path": "/a/1", "value": 2},
            {"op": "add", "path": "/b", "value": 3},
            {"op": "add", "path": "/c", "value": [4]},
        ],
    ]


def test_diff_escapes_pointer_tokens() -> None:
    assert stream(['{"a/b": {"~": "x', 'y"}}'], diff=True) == [
        [{"op": "replace", "path": "", "value": {"a/b": {"~": "x"}}}],
        [{"op": "replace", "path": "/a~1b/~0", "value": "xy"}],
    ]


# JsonStream: chunking, bare values, fences


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        (["", '{"a"', "", ": 1}", ""], [{}, {"a": 1}]),
        (['"ab', "c", '"'], ["ab", "abc"]),
        (["12", "3", ".", "5"], [12, 123, 123.5]),
        (
            ["1", ".0"],
            [1, 1.0],
        ),  # int -> float is a change (LangChain, comparing with ==, skips it)
        (["[1", ", 2", "]"], [[1], [1, 2]]),
        (["tr", "ue"], [True]),  # a top-level word may still be prose before a fence
        (["[tr", "ue"], [[], [True]]),
        (["nu", "ll"], [None]),  # LangChain never emits a top-level None
        (["-", "Infinity"], [-math.inf]),
        (['"\\', "u00", "e9", 'x"'], ["", "\u00e9", "\u00e9x"]),
        (['"\\ud83d', '\\ude00"'], ["", "\U0001f600"]),  # no lone surrogate shown mid-pair
        (['"\\ud83d"'], ["\ud83d"]),  # a lone surrogate is kept, as json.loads does
    ],
)
def test_chunks(chunks: list[str], expected: list[Any]) -> None:
    assert strict(stream(chunks)) == strict(expected)


@pytest.mark.parametrize(
    "text",
    [
        '```json\n{"a": [1, "x"]}\n```',
        '```\n{"a": [1, "x"]}\n```\nHope this helps!',
        '```json{"a": [1, "x"]}```',
        '```JSON\n{"a": [1, "x"]}\n```',
        '`{"a": [1, "x"]}`',
        '  \n\t{"a": [1, "x"]}  \n',
        'Here is the JSON:\n```json\n{"a": [1, "x"]}\n```\nThat `is` all.',
        'the `answer`: ```json\n{"a": [1, "x"]}\n```',
        '{"a": [1, "x"]}\n```\n',
    ],
)
@pytest.mark.parametrize("size", [1, 3, 1000])
def test_markdown_around_the_json(text: str, size: int) -> None:
    assert stream(split(text, size))[-1] == {"a": [1, "x"]}


def test_strings_may_hold_backticks_and_raw_control_characters() -> None:
    assert stream(['{"a": "``` and \n\t"}']) == [{"a": "``` and \n\t"}]


def test_truncated_document_is_completed_at_close() -> None:
    parser = JsonStream()
    assert parser.feed('{"a": [1, {"b": "x') == [{"a": [1, {"b": "x"}]}]
    assert parser.close() == []
    parser = JsonStream()
    assert parser.feed('{"a": 1.') == [{"a": 1}]
    assert parser.close() == []


@pytest.mark.parametrize(
    ("chunks", "message"),
    [
        ([], "no JSON value"),
        (["", "  "], "no JSON value"),
        (["```json\n", "```"], "position 8: expected a JSON value, found '```'"),
        (["Sure! ", '{"a": 1}'], "prose without a ``` fence"),
        (["nul"], "no JSON value"),
        (['{"a": 1} ', "x"], "position 9: expected nothing but whitespace"),
        (['{"a": 1}', ' {"b": 2}'], "position 9"),
        (["[1, ", "2 3]"], "position 6: expected ',' or a closing bracket, found '3]'"),
        (["{'a': 1}"], "expected a quoted key or '}', found \"'a'"),
        (["[1, 0", "1]"], "invalid number '01'"),
    ],
)
def test_invalid_documents(chunks: list[str], message: str) -> None:
    with pytest.raises(JsonStreamError, match=re.escape(message)):
        stream(chunks)


def test_error_is_raised_by_the_call_after_the_bad_chunk() -> None:
    parser = JsonStream()
    assert parser.feed('{"a": "b"} x') == [{"a": "b"}]
    with pytest.raises(JsonStreamError):
        parser.feed("more")
    with pytest.raises(JsonStreamError):
        parser.close()


def test_closed_stream_refuses_input() -> None:
    parser = JsonStream()
    parser.feed("[]")
    parser.close()
    with pytest.raises(RuntimeError):
        parser.feed("x")


# Emitted values are safe to keep


def test_emitted_values_are_not_mutated_and_completed_children_are_shared() -> None:
    parser = JsonStream()
    first = parser.feed('{"items": [{"a": 1}, {"b": "x')[0]
    second = parser.feed('y"}, [2')[0]
    assert first == {"items": [{"a": 1}, {"b": "x"}]}
    assert second == {"items": [{"a": 1}, {"b": "xy"}, [2]]}
    assert second["items"][0] is first["items"][0]


# Linear time, counted rather than timed


def big_document(size: int) -> str:
    items: list[dict[str, Any]] = []
    while len(text := json.dumps({"items": items}, indent=2)) < size:
        n = len(items)
        items.append({"id": n, "name": f"item {n} " + "x" * (n % 17), "price": n * 1.25})
    return text


@pytest.mark.parametrize("diff", [False, True])
def test_parsing_work_is_linear(diff: bool) -> None:
    text = big_document(80_000)
    parser = JsonStream(diff=diff)
    for chunk in split(text, 4):
        parser.feed(chunk)
    parser.close()
    # A parser re-reading the accumulated text on each chunk examines ~N**2/8 characters.
    assert parser.scanned <= 3 * len(text)


# Properties: any JSON value, any chunking

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=25,
)


@st.composite
def documents(draw: st.DrawFn) -> tuple[Any, str, list[str]]:
    value = draw(json_values)
    text = json.dumps(
        value, indent=draw(st.sampled_from([None, 2])), ensure_ascii=draw(st.booleans())
    )
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=30)))
    chunks = [text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    return json.loads(text), text, chunks


def strict(value: Any) -> Any:
    """A comparable form that tells 1 from 1.0 and True, and keeps key order."""
    if isinstance(value, dict):
        return ("dict", [(k, strict(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [strict(v) for v in value])
    return (type(value).__name__, value)


_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def number_prefixes(number: int | float) -> list[Any]:
    text = json.dumps(number)
    out = []
    for end in range(1, len(text) + 1):
        match = _NUMBER.match(text[:end])
        if match:
            part = match.group()
            out.append(strict(float(part) if set(part) & set(".eE") else int(part)))
    return out


def is_prefix(partial: Any, final: Any) -> bool:
    """Whether `partial` is what a cut JSON text of `final` may parse to.

    Objects hold the first keys of `final` in order, arrays its first items; all but the last
    of them are complete and the last is a prefix; strings are prefixes; a number is read from
    a prefix of the decimal text of the final number.
    """
    if isinstance(final, dict):
        if type(partial) is not dict or list(partial) != list(final)[: len(partial)]:
            return False
        items = list(partial)
        complete = all(strict(partial[k]) == strict(final[k]) for k in items[:-1])
        return complete and (not items or is_prefix(partial[items[-1]], final[items[-1]]))
    if isinstance(final, list):
        n = len(partial) if type(partial) is list else -1
        if not 0 <= n <= len(final):
            return False
        complete = all(strict(a) == strict(b) for a, b in zip(partial[:-1], final, strict=False))
        return complete and (n == 0 or is_prefix(partial[-1], final[n - 1]))
    if isinstance(final, str):
        return type(partial) is str and final.startswith(partial)
    if type(final) in (int, float):
        return strict(partial) in number_prefixes(final)
    return bool(strict(partial) == strict(final))


@settings(max_examples=300, deadline=None)
@given(documents())
def test_stream_properties(document: tuple[Any, str, list[str]]) -> None:
    final, _, chunks = document
    parser = JsonStream()
    emitted: list[tuple[Any, Any]] = []
    for chunk in chunks:
        emitted += [(v, copy.deepcopy(v)) for v in parser.feed(chunk)]
    emitted += [(v, copy.deepcopy(v)) for v in parser.close()]
    values = [v for v, _ in emitted]
    assert strict(values[-1]) == strict(final)
    assert all(is_prefix(v, final) for v in values)
    assert all(strict(a) != strict(b) for a, b in itertools.pairwise(values))
    assert all(strict(v) == strict(snapshot) for v, snapshot in emitted), "mutated after emission"


@settings(max_examples=300, deadline=None)
@given(documents())
def test_diff_patches_rebuild_every_value(document: tuple[Any, str, list[str]]) -> None:
    final, _, chunks = document
    values = stream(chunks)
    parser = JsonStream(diff=True)
    patches: list[tuple[Any, Any]] = []
    for chunk in chunks:
        patches += [(p, copy.deepcopy(p)) for p in parser.feed(chunk)]
    patches += [(p, copy.deepcopy(p)) for p in parser.close()]
    doc: Any = None
    rebuilt = []
    for patch, _ in patches:
        doc = apply_patch(doc, patch)
        rebuilt.append(doc)
    assert strict(rebuilt) == strict(values)
    assert strict(doc) == strict(final)
    assert all(strict(p) == strict(snapshot) for p, snapshot in patches), "mutated after emission"


@settings(max_examples=200, deadline=None)
@given(documents())
def test_value_after_each_chunk_does_not_depend_on_chunking(
    document: tuple[Any, str, list[str]],
) -> None:
    _, _, chunks = document
    parser = JsonStream(markdown=False)
    current: Any = None
    seen = ""
    for chunk in chunks:
        seen += chunk
        current = (parser.feed(chunk) or [current])[-1]
        try:
            expected = parse_partial_json(seen)
        except ValueError:
            assert current is None
        else:
            assert strict(current) == strict(expected)


# apply_patch


def test_apply_patch_does_not_mutate_its_input() -> None:
    doc = {"a": [1, 2], "b": {"c": 3}}
    before = copy.deepcopy(doc)
    ops: list[dict[str, Any]] = [
        {"op": "add", "path": "/a/-", "value": 9},
        {"op": "add", "path": "/a/0", "value": 0},
        {"op": "replace", "path": "/b/c", "value": 4},
        {"op": "remove", "path": "/a/1"},
        {"op": "copy", "from": "/b", "path": "/d"},
        {"op": "move", "from": "/b/c", "path": "/e"},
        {"op": "test", "path": "/e", "value": 4},
    ]
    assert apply_patch(doc, ops) == {"a": [0, 2, 9], "b": {}, "d": {"c": 4}, "e": 4}
    assert doc == before


def test_apply_patch_root() -> None:
    assert apply_patch(None, [{"op": "replace", "path": "", "value": {}}]) == {}
    assert apply_patch({"a": 1}, [{"op": "add", "path": "", "value": [1]}]) == [1]


@pytest.mark.parametrize(
    "op",
    [
        {"op": "replace", "path": "/x", "value": 1},
        {"op": "remove", "path": "/a/5"},
        {"op": "add", "path": "/a/01", "value": 1},
        {"op": "add", "path": "a", "value": 1},
        {"op": "add", "path": "/a/0/b", "value": 1},
        {"op": "test", "path": "/a/0", "value": 2},
        {"op": "frobnicate", "path": ""},
        {"op": "add", "path": "/b"},
    ],
)
def test_apply_patch_errors(op: dict[str, Any]) -> None:
    with pytest.raises(JsonPatchError):
        apply_patch({"a": [1]}, [op])
