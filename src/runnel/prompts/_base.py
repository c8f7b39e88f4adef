"""BasePromptTemplate: a runnable that formats a dict of variables into a prompt value."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, Field, create_model

from runnel.prompt_values import ChatPromptValueConcrete, PromptValue, StringPromptValue
from runnel.prompts._formatting import MissingVariableError
from runnel.runnables._config import RunnableConfig
from runnel.runnables._serializable import RunnableSerializable

__all__ = ["BasePromptTemplate", "changed_fields"]


def changed_fields(model: BaseModel) -> Iterator[tuple[str | None, Any]]:
    """The fields of `model` that are required or differ from their default (for reprs)."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if field.is_required() or value != field.get_default(call_default_factory=True):
            yield name, value


class BasePromptTemplate(RunnableSerializable[dict[str, Any], PromptValue]):
    """A prompt template: `invoke({"var": value, ...})` returns a `PromptValue`.

    Formatting is pure computation and a barrier when streaming (the whole input is needed).
    A prompt with a single input variable also accepts that variable's value on its own.

    Attributes:
        input_variables: The variables the caller must give.
        optional_variables: Variables the caller may give (optional message placeholders).
        input_types: The type of each variable, where it is not a string.
        partial_variables: Values (or functions returning them) filled in already.
    """

    _run_type: ClassVar[str] = "prompt"
    _sync_is_cheap: ClassVar[bool] = True

    input_variables: list[str] = Field(default_factory=list)
    optional_variables: list[str] = Field(default_factory=list)
    input_types: dict[str, Any] = Field(default_factory=dict)
    partial_variables: dict[str, Any] = Field(default_factory=dict)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        return changed_fields(self)

    # -- to implement ----------------------------------------------------------------
    def format_prompt(self, **kwargs: Any) -> PromptValue:
        """Format the prompt with these variables.

        Raises:
            MissingVariableError: (a `KeyError`) if a variable is missing.
        """
        raise NotImplementedError(f"{type(self).__name__} implements no format_prompt")

    def format(self, **kwargs: Any) -> Any:
        """Format the prompt with these variables into text."""
        raise NotImplementedError(f"{type(self).__name__} implements no format")

    # -- derived ---------------------------------------------------------------------
    async def aformat_prompt(self, **kwargs: Any) -> PromptValue:
        """Async twin of `format_prompt` (formatting runs inline)."""
        return self.format_prompt(**kwargs)

    async def aformat(self, **kwargs: Any) -> Any:
        """Async twin of `format` (formatting runs inline)."""
        return self.format(**kwargs)

    def partial(self, **kwargs: Any) -> Self:
        """A copy with some variables filled in (values, or functions called at format time)."""
        return self.model_copy(
            update={
                "input_variables": [v for v in self.input_variables if v not in kwargs],
                "optional_variables": [v for v in self.optional_variables if v not in kwargs],
                "partial_variables": {**self.partial_variables, **kwargs},
            }
        )

    def _invoke(self, input: Any, config: RunnableConfig, **kwargs: Any) -> PromptValue:
        return self.format_prompt(**self._input_dict(input))

    def _input_dict(self, input: Any) -> dict[str, Any]:
        """The variables from an invoke input, a bare value standing for the only variable.

        Raises:
            TypeError: if `input` is not a mapping and the prompt has not exactly one variable.
        """
        if isinstance(input, Mapping):
            return dict(input)
        if len(self.input_variables) != 1:
            raise TypeError(
                f"{self.get_name()} takes a dict of its variables {self.input_variables}, "
                f"got a {type(input).__name__}."
            )
        return {self.input_variables[0]: input}

    def _merge_partial(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """The partial variables (functions called) overridden by `kwargs`."""
        values = {
            name: value() if callable(value) else value
            for name, value in self.partial_variables.items()
            if name not in kwargs
        }
        values.update(kwargs)
        return values

    def _check_missing(self, values: Mapping[str, Any]) -> None:
        missing = [name for name in self.input_variables if name not in values]
        if missing:
            raise MissingVariableError(
                f"The input to {self.get_name()}",
                missing,
                self.input_variables,
                values,
                f_string=getattr(self, "template_format", "f-string") == "f-string",
            )

    # -- schemas ---------------------------------------------------------------------
    @property
    def OutputType(self) -> Any:
        """A string or a chat prompt value."""
        return StringPromptValue | ChatPromptValueConcrete

    def get_input_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        """A model with one required field per input variable (and the optional ones)."""
        fields: dict[str, Any] = {
            name: (self.input_types.get(name, str), ...) for name in self.input_variables
        }
        for name in self.optional_variables:
            fields[name] = (self.input_types.get(name, Any) | None, None)
        return create_model("PromptInput", **fields)
