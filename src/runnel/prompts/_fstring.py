"""F-string templates (``"Hello {name}"``), compiled once, rendered without `str.format`.

Only plain variable names are allowed: ``{x.attr}`` and ``{x[0]}`` would let a template read
attributes of the values it is given (``{x.__class__.__init__.__globals__}``), so they are
refused when the template is built. Conversions (``{x!r}``) and format specs (``{x:>8}``) are
kept; a spec may not contain nested fields. ``{{`` and ``}}`` are literal braces.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["FStringTemplate", "compile_fstring"]

_CONVERSIONS: dict[str, Callable[[Any], str]] = {"r": repr, "s": str, "a": ascii}


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    conversion: str | None
    spec: str


@dataclass(frozen=True, slots=True)
class FStringTemplate:
    """A compiled f-string template.

    Attributes:
        parts: Literal text and fields, in order.
        variables: The variable names, in order of first use.
    """

    parts: tuple[str | _Field, ...]
    variables: tuple[str, ...]

    def render(self, values: Mapping[str, Any]) -> str:
        """Fill in the fields from `values` (every variable must be present).

        Raises:
            KeyError: if a variable is missing from `values`.
        """
        out: list[str] = []
        for part in self.parts:
            if type(part) is str:
                out.append(part)
                continue
            field: _Field = part  # type: ignore[assignment]
            value = values[field.name]
            if field.conversion is not None:
                value = _CONVERSIONS[field.conversion](value)
            out.append(
                value if type(value) is str and not field.spec else format(value, field.spec)
            )
        return "".join(out)


def compile_fstring(template: str) -> FStringTemplate:
    """Parse and check an f-string template.

    Raises:
        ValueError: if the template is malformed, uses positional fields (``{}``, ``{0}``),
            attribute access or indexing (``{x.y}``, ``{x[0]}``), or nested fields in a format
            spec.
    """
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"Invalid f-string template {template!r}: {exc}") from None
    parts: list[str | _Field] = []
    variables: dict[str, None] = {}
    for literal, name, spec, conversion in parsed:
        if literal:
            parts.append(literal)
        if name is None:
            continue
        _check_name(name, template)
        if spec and ("{" in spec or "}" in spec):
            raise ValueError(
                f"Invalid f-string template {template!r}: the format spec of {{{name}}} holds a "
                "nested field; put the finished value in a variable instead."
            )
        if conversion not in (None, "r", "s", "a"):
            raise ValueError(f"Invalid conversion !{conversion} in f-string template {template!r}")
        parts.append(_Field(name, conversion, spec or ""))
        variables[name] = None
    return FStringTemplate(tuple(parts), tuple(variables))


def _check_name(name: str, template: str) -> None:
    if not name.strip() or name.isdigit():
        raise ValueError(
            f"Invalid f-string template {template!r}: positional field {{{name}}}; name the "
            "variable, as in {question}."
        )
    if "." in name or "[" in name or "]" in name:
        raise ValueError(
            f"Invalid variable {{{name}}} in f-string template {template!r}: attribute access "
            "(.) and indexing ([]) are not allowed in templates; pass the value you need as a "
            "variable of its own."
        )
