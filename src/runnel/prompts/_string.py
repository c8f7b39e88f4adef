"""String prompt templates: a template string formatted into text."""

from __future__ import annotations

from typing import Any

from pydantic import model_validator

from runnel.prompt_values import StringPromptValue
from runnel.prompts._base import BasePromptTemplate
from runnel.prompts._formatting import CompiledTemplate, TemplateFormat, compile_template

__all__ = ["PromptTemplate", "StringPromptTemplate"]


class StringPromptTemplate(BasePromptTemplate):
    """A prompt formatted into text: implement `format`; `invoke` gives a `StringPromptValue`."""

    def format(self, **kwargs: Any) -> str:
        """Format the prompt into text."""
        raise NotImplementedError(f"{type(self).__name__} implements no format")

    def format_prompt(self, **kwargs: Any) -> StringPromptValue:
        """Format the prompt into a `StringPromptValue`."""
        return StringPromptValue(text=self.format(**kwargs))


class PromptTemplate(StringPromptTemplate):
    """A template string: ``PromptTemplate.from_template("Tell me about {topic}")``.

    The input variables are read from the template. F-string templates may only name
    variables (``{x.attr}`` and ``{x[0]}`` are refused); Mustache templates are rendered by a
    renderer that never calls or inspects objects (see `runnel.prompts`).

    Attributes:
        template: The template string.
        template_format: ``"f-string"`` (default) or ``"mustache"``.
    """

    template: str
    template_format: TemplateFormat = "f-string"

    def __init__(self, **data: Any) -> None:
        """Build a template; it is checked first, so that a bad one raises a plain ValueError.

        Raises:
            ValueError: if the template is invalid or unsafe, or `input_variables` are given
                and differ from the template's.
        """
        template = data.get("template")
        if isinstance(template, str):
            _variables(data, compile_template(template, data.get("template_format", "f-string")))
        super().__init__(**data)

    @model_validator(mode="before")
    @classmethod
    def _infer_variables(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("template"), str):
            return data
        compiled = compile_template(data["template"], data.get("template_format", "f-string"))
        return _variables(data, compiled)

    @classmethod
    def from_template(
        cls,
        template: str,
        *,
        template_format: TemplateFormat = "f-string",
        partial_variables: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PromptTemplate:
        """Build a prompt from a template string, its variables read from it.

        Raises:
            ValueError: if the template is invalid or unsafe.
        """
        return cls(
            template=template,
            template_format=template_format,
            partial_variables=partial_variables or {},
            **kwargs,
        )

    @property
    def _compiled(self) -> CompiledTemplate:
        return compile_template(self.template, self.template_format)

    def format(self, **kwargs: Any) -> str:
        """Fill the template in.

        Raises:
            MissingVariableError: (a `KeyError`) naming any missing variable.
        """
        values = self._merge_partial(kwargs)
        self._check_missing(values)
        return self._compiled.render(values)

    def __add__(self, other: Any) -> PromptTemplate:
        """Concatenate two templates (or a template and a string) of the same format.

        Raises:
            ValueError: if the formats differ or both set a partial variable differently.
        """
        if isinstance(other, str):
            other = PromptTemplate.from_template(other, template_format=self.template_format)
        if not isinstance(other, PromptTemplate):
            return NotImplemented
        if other.template_format != self.template_format:
            raise ValueError(
                f"Cannot add a {other.template_format} template to a {self.template_format} one."
            )
        clash = [
            name
            for name in self.partial_variables.keys() & other.partial_variables.keys()
            if self.partial_variables[name] != other.partial_variables[name]
        ]
        if clash:
            raise ValueError(f"Both templates set the partial variables {sorted(clash)}.")
        return PromptTemplate(
            template=self.template + other.template,
            template_format=self.template_format,
            partial_variables={**self.partial_variables, **other.partial_variables},
        )


def _variables(data: dict[str, Any], compiled: CompiledTemplate) -> dict[str, Any]:
    """`data` with `input_variables` (and Mustache `input_types`) read from the template."""
    partial = data.get("partial_variables") or {}
    inferred = sorted(name for name in compiled.variables if name not in partial)
    given = data.get("input_variables")
    if given is not None and sorted(given) != inferred:
        raise ValueError(
            f"input_variables {sorted(given)} do not match the template's variables {inferred} "
            f"(partial variables: {sorted(partial)}); leave input_variables out to have them read "
            "from the template."
        )
    data = {**data, "input_variables": inferred}
    structured = getattr(compiled, "structured", ())
    if structured and "input_types" not in data:
        data["input_types"] = {name: Any for name in structured if name in inferred}
    return data
