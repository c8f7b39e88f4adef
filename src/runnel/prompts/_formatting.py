"""Template formats: compile a template string once, render it many times.

Errors:
    KeyError
     └── MissingVariableError     a prompt was formatted without one of its variables
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, Literal, Protocol

from runnel.exceptions import RunnelError
from runnel.prompts._fstring import compile_fstring
from runnel.prompts._mustache import compile_mustache

__all__ = [
    "CompiledTemplate",
    "MissingVariableError",
    "TemplateFormat",
    "compile_template",
    "get_template_variables",
]

TemplateFormat = Literal["f-string", "mustache"]
"""The template syntaxes: ``"Hi {name}"`` or ``"Hi {{name}}"``."""


class CompiledTemplate(Protocol):
    """A parsed template: its variables and how to render it."""

    @property
    def variables(self) -> tuple[str, ...]:
        """The variables the template reads, in order of first use."""
        ...

    def render(self, values: Mapping[str, Any]) -> str:
        """Fill the template in from `values`."""
        ...


class MissingVariableError(KeyError, RunnelError):
    """A prompt was formatted without one of its input variables.

    Attributes:
        missing: The missing variable names.
        expected: Every variable the prompt needs.
    """

    def __init__(
        self,
        prompt: str,
        missing: Iterable[str],
        expected: Iterable[str],
        received: Iterable[str],
        *,
        f_string: bool = True,
    ) -> None:
        self.missing = sorted(missing)
        self.expected = sorted(expected)
        names = ", ".join(repr(name) for name in self.missing)
        plural = "s" if len(self.missing) > 1 else ""
        message = (
            f"{prompt} is missing the variable{plural} {names}: expected {self.expected}, "
            f"received {sorted(received)}."
        )
        if f_string:
            first = self.missing[0]
            message += (
                f" If {{{first}}} is meant as literal text, not a variable, double its braces: "
                f"{{{{{first}}}}}."
            )
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])


def compile_template(template: str, template_format: str) -> CompiledTemplate:
    """Parse and check a template (cached: templates are immutable values).

    Raises:
        ValueError: if the template is invalid or unsafe, or the format is not supported.
    """
    return _compile(template, template_format)


@lru_cache(maxsize=1024)
def _compile(template: str, template_format: str) -> CompiledTemplate:
    if template_format == "f-string":
        return compile_fstring(template)
    if template_format == "mustache":
        return compile_mustache(template)
    if template_format == "jinja2":
        raise ValueError(
            "jinja2 templates are not supported: a jinja2 template can run code. "
            "Use template_format='f-string' or 'mustache'."
        )
    raise ValueError(f"Unknown template format {template_format!r}: use 'f-string' or 'mustache'.")


def get_template_variables(template: str, template_format: str) -> list[str]:
    """The variables of a template, sorted.

    Raises:
        ValueError: if the template is invalid or unsafe.
    """
    return sorted(compile_template(template, template_format).variables)
