"""XMLOutputParser: XML output as nested dicts, streamed element by element.

Safety: Python's expat expands entities declared in a document type definition (the "billion
laughs" attack) and the standard library offers no switch to forbid DTDs. Any markup
declaration (``<!DOCTYPE``, ``<!ENTITY``, ``<!ELEMENT``...) is therefore refused before it
reaches the parser; comments and CDATA sections are allowed. Only the five predefined entities
and character references are then understood.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any, Final, cast

from runnel._core.fold import AddableDict
from runnel.exceptions import OutputParserException
from runnel.output_parsers._base import text_of
from runnel.output_parsers._transform import BaseTransformOutputParser, ParserStream

__all__ = ["XMLOutputParser"]

_TAG_START: Final = re.compile(r"<[a-zA-Z:_]")
_DECLARATION: Final = re.compile(r"<![^-\[]")
_FENCE: Final = re.compile(r"```(?:xml)?(.*)```", re.DOTALL)
_XML_DECLARATION: Final = re.compile(r"\s*<\?xml[^>]*\?>")
_PREVIEW: Final = 200

_INSTRUCTIONS = """\
Answer in XML: one root element, every element opened and closed, nothing outside the root.
Use the tags below (invent others only where none fits). For the tags ["movie", "title", "year"]:
- right: <movie><title>Alien</title><year>1979</year></movie>
- wrong: <movie><title>Alien</movie> (the title is never closed)
- wrong: <movie><name>Alien</name></movie> (name is not one of the tags)

The tags:
```
{tags}
```"""


class XMLOutputParser(BaseTransformOutputParser[dict[str, Any]]):
    """Parse XML output into nested dicts.

    `parse` (and `invoke`) turn ``<a><b>1</b><c>2</c></a>`` into
    ``{"a": [{"b": "1"}, {"c": "2"}]}``: an element holding text maps its tag to the text, one
    holding elements maps its tag to the list of their dicts.

    Streaming yields each innermost element when it closes, wrapped in its ancestors:
    ``{"a": [{"b": "1"}]}``, then ``{"a": [{"c": "2"}]}`` (as in LangChain: when the root holds
    only such leaves, the chunks add up with `+` to the parsed dict; deeper elements each come
    wrapped in their own copy of their ancestors). Text before the first tag (a code fence,
    prose) and anything after the root element closes are ignored; XML cut short is not an
    error. A document type declaration anywhere before the root closes is refused.

    Attributes:
        tags: Tags to name in the format instructions.
    """

    tags: list[str] | None = None

    def get_format_instructions(self) -> str:
        """Ask for XML using `tags`."""
        return _INSTRUCTIONS.format(tags=self.tags)

    def parse(self, text: str) -> dict[str, Any]:
        """Parse a whole XML document (a ```` ```xml ```` fence around it is accepted).

        Raises:
            OutputParserException: if the XML is malformed or declares a DTD.
        """
        fenced = _FENCE.search(text)
        body = fenced.group(1) if fenced else text
        declaration = _XML_DECLARATION.match(body)
        if declaration:
            body = body[declaration.end() :]
        body = body.strip()
        if _DECLARATION.search(body):
            raise _refused(body)
        parser = ET.XMLParser()
        try:
            parser.feed(body)
            root = parser.close()
        except ET.ParseError as exc:
            raise OutputParserException(
                f"Failed to parse XML from the output: {exc}. The output was: {_preview(text)}",
                llm_output=text,
            ) from exc
        return _to_dict(root)

    def _parser_stream(self) -> ParserStream[dict[str, Any]]:
        return _XmlStream()

    @property
    def _type(self) -> str:
        return "xml"


class _XmlStream:
    """Feed an `XMLPullParser` and turn each closing leaf element into a nested dict."""

    __slots__ = ("_carry", "_done", "_guard", "_leaf", "_parser", "_path", "_started", "_texts")

    def __init__(self) -> None:
        self._parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(("start", "end"))
        self._started = False  # the first tag was found; text is fed to the parser
        self._done = False  # the root element closed: the rest is ignored
        self._carry = ""  # a '<' ending the previous chunk before the first tag
        self._guard = ""  # the last characters read, to see declarations cut by a chunk boundary
        self._path: list[str] = []
        self._leaf = False  # the element being read has no child elements (so far)
        self._texts: list[str] = []  # for the error's `llm_output`

    def feed(self, chunk: Any) -> list[dict[str, Any]]:
        text = chunk if type(chunk) is str else text_of(chunk)
        self._texts.append(text)
        if self._done:
            return []
        probe = self._guard + text
        if _DECLARATION.search(probe):
            raise _refused("".join(self._texts))
        self._guard = probe[-2:]
        if not self._started:
            text = self._carry + text
            start = _TAG_START.search(text)
            if start is None:
                self._carry = "<" if text.endswith("<") else ""
                return []
            text = text[start.start() :]
            self._started = True
        self._parser.feed(text)
        out: list[dict[str, Any]] = []
        try:
            events = cast("Iterator[tuple[str, ET.Element]]", self._parser.read_events())
            for event, element in events:
                if event == "start":
                    self._path.append(element.tag)
                    self._leaf = True
                    continue
                self._path.pop()
                if self._leaf:
                    out.append(_nested(self._path, element))
                self._leaf = False
                if not self._path:
                    self._done = True
                    break
        except ET.ParseError as exc:
            whole = "".join(self._texts)
            raise OutputParserException(
                f"Invalid XML in the output: {exc}. The output was: {_preview(whole)}",
                llm_output=whole,
            ) from exc
        return out

    def close(self) -> list[dict[str, Any]]:
        if not self._started:
            whole = "".join(self._texts)
            raise OutputParserException(
                f"No XML element in the output: {_preview(whole)}", llm_output=whole
            )
        return []


def _nested(path: list[str], element: ET.Element) -> AddableDict:
    """``{path[0]: [{path[1]: [... {tag: text}]}]}``: one leaf with its ancestors."""
    value = AddableDict({element.tag: element.text})
    for tag in reversed(path):
        value = AddableDict({tag: [value]})
    return value


def _to_dict(element: ET.Element) -> dict[str, Any]:
    if element.text and not element.text.isspace():
        return {element.tag: element.text}
    children = [
        {child.tag: child.text} if len(child) == 0 else _to_dict(child) for child in element
    ]
    return {element.tag: children}


def _refused(text: str) -> OutputParserException:
    return OutputParserException(
        "XML output with a document type declaration (<!DOCTYPE ...>, <!ENTITY ...>) is "
        "refused: its entities could expand without bound.",
        llm_output=text,
    )


def _preview(text: str) -> str:
    return repr(text if len(text) <= _PREVIEW else text[:_PREVIEW] + "...")
