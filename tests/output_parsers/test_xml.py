"""Tests for runnel.output_parsers._xml: XMLOutputParser."""

from __future__ import annotations

from typing import Any

import pytest

from runnel._core.fold import add_chunks
from runnel.exceptions import OutputParserException
from runnel.messages import AIMessageChunk
from runnel.output_parsers import XMLOutputParser

pytestmark = pytest.mark.anyio

MOVIES = (
    "<movies>\n  <movie><title>Alien</title><year>1979</year></movie>\n"
    "  <movie><title>Heat</title></movie>\n</movies>"
)


async def test_streams_each_leaf_with_its_ancestors_as_it_closes(interleave: Any) -> None:
    log = await interleave(
        XMLOutputParser(), ["<movies><movie><title>Ali", "en</title>", "<year>1979</year></mo"]
    )
    assert log == [
        ("in", "<movies><movie><title>Ali"),
        ("in", "en</title>"),
        {"movies": [{"movie": [{"title": "Alien"}]}]},
        ("in", "<year>1979</year></mo"),
        {"movies": [{"movie": [{"year": "1979"}]}]},
    ]


async def test_streamed_chunks_of_a_flat_document_add_up_to_it(collect: Any) -> None:
    flat = "<movie>\n  <title>Alien</title>\n  <year>1979</year>\n</movie>"
    chunks = [flat[i : i + 5] for i in range(0, len(flat), 5)]
    out = await collect(XMLOutputParser(), chunks)
    assert out == [{"movie": [{"title": "Alien"}]}, {"movie": [{"year": "1979"}]}]
    assert (
        add_chunks(out)
        == XMLOutputParser().parse(flat)
        == {"movie": [{"title": "Alien"}, {"year": "1979"}]}
    )


async def test_deeper_leaves_come_wrapped_in_their_ancestors(collect: Any) -> None:
    chunks = [MOVIES[i : i + 7] for i in range(0, len(MOVIES), 7)]
    assert await collect(XMLOutputParser(), chunks) == [
        {"movies": [{"movie": [{"title": "Alien"}]}]},
        {"movies": [{"movie": [{"year": "1979"}]}]},
        {"movies": [{"movie": [{"title": "Heat"}]}]},
    ]
    assert XMLOutputParser().parse(MOVIES) == {
        "movies": [
            {"movie": [{"title": "Alien"}, {"year": "1979"}]},
            {"movie": [{"title": "Heat"}]},
        ]
    }


async def test_text_around_the_root_is_ignored(collect: Any) -> None:
    chunks = ["Sure! ```xml\n<", "a><b>1</b></a>\n``", "` and <c>more</c>"]
    assert await collect(XMLOutputParser(), [AIMessageChunk(c) for c in chunks]) == [
        {"a": [{"b": "1"}]}
    ]
    assert XMLOutputParser().parse("```xml\n<a><b>1</b></a>\n```") == {"a": [{"b": "1"}]}


def test_parse_maps_text_elements_to_their_text() -> None:
    parser = XMLOutputParser()
    assert parser.parse("<a>hello</a>") == {"a": "hello"}
    assert parser.parse('<?xml version="1.0" encoding="UTF-8"?>\n<a><b/></a>') == {
        "a": [{"b": None}]
    }
    assert parser.parse("<a>&lt;tag&gt; &amp; &#65;</a>") == {"a": "<tag> & A"}


@pytest.mark.parametrize(
    "chunks",
    [
        ['<!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>'],
        ["<a><!DOC", 'TYPE x [<!ENTITY e "b">]>&e;</a>'],
        ["<a>x<", '!ENTITY e "b"></a>'],
        ["<a><!", "ELEMENT a ANY></a>"],
    ],
)
async def test_document_type_declarations_are_refused(collect: Any, chunks: list[str]) -> None:
    with pytest.raises(OutputParserException, match="document type declaration"):
        await collect(XMLOutputParser(), chunks)
    with pytest.raises(OutputParserException, match="document type declaration"):
        XMLOutputParser().parse("".join(chunks))


async def test_comments_and_cdata_are_allowed(collect: Any) -> None:
    chunks = ["<a><!-- note --><b><![CDATA[", "<raw>]]></b></a>"]
    assert await collect(XMLOutputParser(), chunks) == [{"a": [{"b": "<raw>"}]}]


async def test_undefined_entities_are_errors(collect: Any) -> None:
    with pytest.raises(OutputParserException, match="Invalid XML"):
        await collect(XMLOutputParser(), ["<a><b>&nbsp;</b></a>"])


async def test_malformed_xml_fails_while_streaming(collect: Any) -> None:
    with pytest.raises(OutputParserException, match="Invalid XML") as caught:
        await collect(XMLOutputParser(), ["<a><b>1</c>", "</a>"])
    assert caught.value.llm_output == "<a><b>1</c>"
    with pytest.raises(OutputParserException, match="Failed to parse XML"):
        XMLOutputParser().parse("<a><b>1</c></a>")


async def test_output_without_xml_is_an_error(collect: Any) -> None:
    with pytest.raises(OutputParserException, match="No XML element"):
        await collect(XMLOutputParser(), ["no tags", " here <"])


async def test_xml_cut_short_keeps_what_closed(collect: Any) -> None:
    assert await collect(XMLOutputParser(), ["<a><b>1</b><c>2"]) == [{"a": [{"b": "1"}]}]


def test_format_instructions_list_the_tags() -> None:
    text = XMLOutputParser(tags=["movie", "title"]).get_format_instructions()
    assert "['movie', 'title']" in text
