"""A small, safe Mustache renderer: variables, sections and inverted sections.

Supported: ``{{name}}`` (HTML-escaped, as Mustache does), ``{{{name}}}`` and ``{{& name}}``
(raw), dotted names ``{{a.b.0}}``, ``{{.}}``, sections ``{{#items}}...{{/items}}`` (repeated for
a list, entered for a dict or another true value, skipped for a false or empty one), inverted
sections ``{{^items}}...{{/items}}`` and comments ``{{! ... }}``; a section tag alone on its line
removes the line, as in the Mustache spec.

Safety: names are looked up in dicts (and lists, by index) only, never as attributes, and
nothing in the values is ever called: lambdas, partials (``{{> name}}``) and delimiter changes
(``{{=<% %>=}}``) are refused when the template is built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["MustacheTemplate", "compile_mustache"]

_VAR: Final = "var"
_RAW: Final = "raw"
_SECTION: Final = "#"
_INVERTED: Final = "^"
_CLOSE: Final = "/"
_COMMENT: Final = "!"
_STANDALONE: Final = frozenset({_SECTION, _INVERTED, _CLOSE, _COMMENT})
_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class _Tag:
    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class _Section:
    name: str
    inverted: bool
    body: tuple[str | _Tag | _Section, ...]


_Node = str | _Tag | _Section


@dataclass(frozen=True, slots=True)
class MustacheTemplate:
    """A compiled Mustache template.

    Attributes:
        nodes: Text, tags and sections.
        variables: Top-level names the template reads (the first part of dotted names;
            names inside sections are looked up in the section's value first and are not
            listed), in order of first use.
        structured: The variables used as sections or with dotted names (not plain text).
    """

    nodes: tuple[_Node, ...]
    variables: tuple[str, ...]
    structured: frozenset[str]

    def render(self, values: Mapping[str, Any]) -> str:
        """Render with `values`; a missing name renders as nothing."""
        out: list[str] = []
        _render(self.nodes, [values], out)
        return "".join(out)


def compile_mustache(template: str) -> MustacheTemplate:
    """Parse a Mustache template.

    Raises:
        ValueError: for an unclosed tag or section, a mismatched closing tag, an empty name,
            or an unsupported tag (partials, delimiter changes).
    """
    tokens = _strip_standalone(_tokenize(template))
    stack: list[tuple[str, bool, list[_Node]]] = [("", False, [])]
    variables: dict[str, None] = {}
    structured: set[str] = set()
    for token in tokens:
        body = stack[-1][2]
        if isinstance(token, str):
            if token:
                body.append(token)
            continue
        kind, name = token.kind, token.name
        if kind == _COMMENT:
            continue
        if kind == _CLOSE:
            if len(stack) == 1 or stack[-1][0] != name:
                open_name = stack[-1][0] if len(stack) > 1 else None
                expected = f"{{{{/{open_name}}}}}" if open_name else "no closing tag"
                raise ValueError(
                    f"Invalid mustache template {template!r}: {{{{/{name}}}}} closes nothing "
                    f"open (expected {expected})."
                )
            open_name, inverted, children = stack.pop()
            stack[-1][2].append(_Section(open_name, inverted, tuple(children)))
            continue
        if len(stack) == 1 and name != ".":
            top = name.split(".", 1)[0]
            variables[top] = None
            if kind in (_SECTION, _INVERTED) or "." in name:
                structured.add(top)
        if kind in (_SECTION, _INVERTED):
            stack.append((name, kind == _INVERTED, []))
        else:
            body.append(token)
    if len(stack) > 1:
        raise ValueError(
            f"Invalid mustache template {template!r}: section {{{{#{stack[-1][0]}}}}} is never "
            "closed."
        )
    return MustacheTemplate(tuple(stack[0][2]), tuple(variables), frozenset(structured))


def _tokenize(template: str) -> list[str | _Tag]:
    """Split into text and tags (text tokens are kept, even empty, between tags)."""
    tokens: list[str | _Tag] = []
    pos = 0
    while True:
        start = template.find("{{", pos)
        if start < 0:
            tokens.append(template[pos:])
            return tokens
        tokens.append(template[pos:start])
        if template.startswith("{{{", start):
            end = template.find("}}}", start + 3)
            inner, close_len, kind = template[start + 3 : end], 3, _RAW
        else:
            end = template.find("}}", start + 2)
            inner, close_len, kind = template[start + 2 : end], 2, _VAR
        if end < 0:
            raise ValueError(f"Invalid mustache template {template!r}: a tag is never closed.")
        inner = inner.strip()
        if kind == _VAR and inner[:1] in ("#", "^", "/", "!", "&", ">", "="):
            kind, inner = inner[0], inner[1:].strip()
            if kind == "&":
                kind = _RAW
            elif kind in (">", "="):
                what = "partials" if kind == ">" else "changing delimiters"
                raise ValueError(
                    f"Invalid mustache template {template!r}: {what} ({{{{{kind}...}}}}) are "
                    "not supported."
                )
        if not inner and kind != _COMMENT:
            raise ValueError(f"Invalid mustache template {template!r}: a tag has no name.")
        tokens.append(_Tag(kind, inner))
        pos = end + close_len


def _strip_standalone(tokens: list[str | _Tag]) -> list[str | _Tag]:
    """Remove the lines of section and comment tags that stand alone on their line."""
    texts = [token if isinstance(token, str) else "" for token in tokens]
    cut_start = [0] * len(tokens)  # characters to drop at the start of each text token
    cut_end = [len(text) for text in texts]  # where each text token's kept part ends
    for i in range(1, len(tokens) - 1, 2):  # tags sit at odd positions between texts
        tag = tokens[i]
        if not isinstance(tag, _Tag) or tag.kind not in _STANDALONE:
            continue
        before, after = texts[i - 1], texts[i + 1]
        line_start = before.rfind("\n") + 1
        if line_start == 0 and i != 1:
            continue  # another tag precedes it on its line
        if before[line_start:].strip(" \t"):
            continue
        newline = after.find("\n")
        if newline < 0 and i + 1 != len(tokens) - 1:
            continue  # another tag follows it on its line
        rest = after if newline < 0 else after[:newline]
        if rest.strip(" \t\r"):
            continue
        cut_end[i - 1] = min(cut_end[i - 1], line_start)
        cut_start[i + 1] = max(cut_start[i + 1], len(after) if newline < 0 else newline + 1)
    return [
        token if not isinstance(token, str) else token[cut_start[i] : max(cut_start[i], cut_end[i])]
        for i, token in enumerate(tokens)
    ]


def _render(nodes: Sequence[_Node], scopes: list[Any], out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, _Tag):
            text = _text(_lookup(node.name, scopes))
            out.append(text if node.kind == _RAW else _escape(text))
        else:
            value = _lookup(node.name, scopes)
            truthy = value is not _MISSING and bool(value)
            if node.inverted:
                if not truthy:
                    _render(node.body, scopes, out)
            elif truthy:
                items = value if isinstance(value, list | tuple) else (value,)
                for item in items:
                    scopes.append(item)
                    _render(node.body, scopes, out)
                    scopes.pop()


def _lookup(name: str, scopes: list[Any]) -> Any:
    """Resolve a (dotted) name, innermost scope first; dicts and lists only."""
    if name == ".":
        return scopes[-1]
    keys = name.split(".")
    for scope in reversed(scopes):
        value = scope
        for key in keys:
            value = _child(value, key)
            if value is _MISSING:
                break
        else:
            return value
    return _MISSING


def _child(value: Any, key: str) -> Any:
    if isinstance(value, Mapping):
        return value.get(key, _MISSING)
    if isinstance(value, list | tuple) and key.isdigit():
        index = int(key)
        return value[index] if index < len(value) else _MISSING
    return _MISSING


def _text(value: Any) -> str:
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)  # 0 and False render, as in LangChain
    return str(value) if value else ""


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
