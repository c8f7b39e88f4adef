"""Tests for runnel.output_parsers._list: the list parsers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runnel.messages import AIMessageChunk
from runnel.output_parsers import (
    CommaSeparatedListOutputParser,
    ListOutputParser,
    MarkdownListOutputParser,
    NumberedListOutputParser,
)

pytestmark = pytest.mark.anyio

Comma, Markdown, Numbered = (
    CommaSeparatedListOutputParser,
    MarkdownListOutputParser,
    NumberedListOutputParser,
)


def split(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


async def test_comma_items_stream_as_their_comma_arrives(interleave: Any) -> None:
    log = await interleave(Comma(), ["red", ", gr", "een,", " blue"])
    assert log == [
        ("in", "red"),
        ("in", ", gr"),
        ["red"],
        ("in", "een,"),
        ["green"],
        ("in", " blue"),
        ["blue"],
    ]


async def test_markdown_items_stream_when_the_next_item_starts(interleave: Any) -> None:
    log = await interleave(Markdown(), ["Colors:\n- red\n", "- gr", "een\n", "* blue"])
    assert log == [
        ("in", "Colors:\n- red\n"),
        ("in", "- gr"),
        ["red"],
        ("in", "een\n"),
        ("in", "* blue"),
        ["green"],
        ["blue"],
    ]


async def test_numbered_items_stream_when_the_next_item_starts(interleave: Any) -> None:
    log = await interleave(Numbered(), ["1. red\n", "2", ".", " green\n1", "0. blue"])
    assert log == [
        ("in", "1. red\n"),
        ("in", "2"),
        ("in", "."),
        ("in", " green\n1"),
        ["red"],
        ("in", "0. blue"),
        ["green"],
        ["blue"],
    ]


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("a, b,c", ["a", "b", "c"]),
        ('"x, y", z', ["x, y", "z"]),
        ('"say ""hi""", b', ['say "hi"', "b"]),
        ('a "q" b, c', ['a "q" b', "c"]),
        ("a , b", ["a ", "b"]),
        ("a\nb, c\r\n\r\nd", ["a", "b", "c", "d"]),
        ("a,,b", ["a", "", "b"]),
        ("a,\nb", ["a", "", "b"]),
        ("a, b,", ["a", "b"]),
        (" ", [""]),
        ("", []),
        ('"open, quote', ["open, quote"]),
    ],
)
async def test_comma_separated_values_read_like_csv(
    collect: Any, text: str, items: list[str]
) -> None:
    assert Comma().parse(text) == items
    assert await collect(Comma(), list(text)) == [[item] for item in items]


@pytest.mark.parametrize(
    ("parser", "text", "items"),
    [
        (Markdown, "- a\n* b\n  - c\n-d\n- ", ["a", "b", "c"]),
        (Markdown, "Intro\n\n- a\nnot an item\n- b", ["a", "b"]),
        (Markdown, "-\nsplit item\n- x", ["split item", "x"]),
        (Markdown, "- \nnot\n-\n\n- y", ["y"]),
        (Numbered, "1. a\n2. b\n10. c", ["a", "b", "c"]),
        (Numbered, "Steps: 1. mix\nthen 2. bake\n", ["mix", "bake"]),
        (Numbered, "1. a 2. b\n3.\nsplit", ["a 2. b", "split"]),
        (Numbered, "version 2.5 only\n", []),
    ],
)
async def test_line_items(
    collect: Any, parser: type[ListOutputParser], text: str, items: list[str]
) -> None:
    assert parser().parse(text) == items
    assert await collect(parser(), list(text)) == [[item] for item in items]


async def test_reads_message_chunks(collect: Any) -> None:
    chunks = [AIMessageChunk("a,"), AIMessageChunk(" b")]
    assert await collect(Comma(), chunks) == [["a"], ["b"]]


async def test_invoke_returns_the_whole_list_and_streams_add_up() -> None:
    assert Markdown().invoke("- a\n- b") == ["a", "b"]
    assert await Comma().ainvoke("a, b") == ["a", "b"]
    assert list(Numbered().stream("1. a\n2. b")) == [["a"], ["b"]]


async def test_a_subclass_with_only_parse_streams_by_resplitting(collect: Any) -> None:
    class Semicolons(ListOutputParser):
        def parse(self, text: str) -> list[str]:
            return [part.strip() for part in text.split(";")] if text else []

    assert await collect(Semicolons(), ["a; b", ";c"]) == [["a"], ["b"], ["c"]]


def test_format_instructions_describe_the_format() -> None:
    assert "commas" in Comma().get_format_instructions()
    assert "- red" in Markdown().get_format_instructions()
    assert "1. red" in Numbered().get_format_instructions()


items = st.lists(st.text(st.characters(blacklist_characters="\n\r"), min_size=1), max_size=6)


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=items, size=st.integers(1, 6), style=st.sampled_from(["comma", "md", "num"]))
async def test_any_chunking_gives_the_items_of_the_whole_text(
    collect: Any, values: list[str], size: int, style: str
) -> None:
    if style == "comma":
        values = [v.replace('"', "").strip(" ") or "x" for v in values]
        parser: ListOutputParser = Comma()
        text = ", ".join(f'"{v}"' if "," in v else v for v in values)
    elif style == "md":
        values = [v.strip() or "x" for v in values]
        parser, text = Markdown(), "\n".join(f"- {v}" for v in values)
    else:
        values = [v.strip() or "x" for v in values]
        parser, text = Numbered(), "\n".join(f"{i}. {v}" for i, v in enumerate(values, 1))
    streamed = await collect(parser, split(text, size))
    assert streamed == [[item] for item in parser.parse(text)]
    assert parser.parse(text) == values
