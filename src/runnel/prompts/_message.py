"""Message templates: one message per role from a template, and placeholders for lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field

from runnel.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    convert_to_messages,
)
from runnel.prompts._base import changed_fields
from runnel.prompts._formatting import MissingVariableError, TemplateFormat, compile_template
from runnel.prompts._string import PromptTemplate

if TYPE_CHECKING:
    from runnel.prompts._chat import ChatPromptTemplate

__all__ = [
    "AIMessagePromptTemplate",
    "BaseMessagePromptTemplate",
    "BaseStringMessagePromptTemplate",
    "ChatMessagePromptTemplate",
    "ContentTemplate",
    "HumanMessagePromptTemplate",
    "MessagesPlaceholder",
    "SystemMessagePromptTemplate",
    "content_template",
]


class _BlockTemplate(BaseModel):
    """A content block whose text or image URL is a template (other keys are kept)."""

    block: dict[str, Any]
    template_format: TemplateFormat = "f-string"

    def model_post_init(self, context: Any) -> None:
        self.input_variables  # noqa: B018 - compile now: a bad template fails at construction

    @property
    def input_variables(self) -> list[str]:
        names: list[str] = []
        for _, template in self._templated():
            names.extend(compile_template(template, self.template_format).variables)
        return names

    def format(self, values: dict[str, Any], owner: str) -> dict[str, Any]:
        out = dict(self.block)
        for path, template in self._templated():
            compiled = compile_template(template, self.template_format)
            missing = [name for name in compiled.variables if name not in values]
            if missing:
                raise MissingVariableError(
                    owner,
                    missing,
                    compiled.variables,
                    values,
                    f_string=self.template_format == "f-string",
                )
            text = compiled.render(values)
            if len(path) == 1:
                out[path[0]] = text
            else:
                out[path[0]] = {**out[path[0]], path[1]: text}
        return out

    def _templated(self) -> list[tuple[tuple[str, ...], str]]:
        """The (path, template) pairs of the block: its text, or its image URL."""
        block = self.block
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            return [(("text",), block["text"])]
        if kind == "image_url":
            image = block.get("image_url")
            if isinstance(image, str):
                return [(("image_url",), image)]
            if isinstance(image, dict) and isinstance(image.get("url"), str):
                return [(("image_url", "url"), image["url"])]
        return []


ContentTemplate = PromptTemplate | list[PromptTemplate | _BlockTemplate]
"""A message's content template: one text template, or a list of content blocks whose text
(``{"type": "text", "text": ...}``) and image URLs (``{"type": "image_url", ...}``) are
templates; other blocks are kept as they are."""


class BaseMessagePromptTemplate(BaseModel):
    """A template for messages within a `ChatPromptTemplate`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        return changed_fields(self)

    @property
    def input_variables(self) -> list[str]:
        """The variables the caller must give."""
        raise NotImplementedError

    @property
    def optional_variables(self) -> list[str]:
        """The variables the caller may give."""
        return []

    def format_messages(self, **kwargs: Any) -> list[BaseMessage]:
        """Format into messages (unknown variables are ignored).

        Raises:
            MissingVariableError: (a `KeyError`) if a variable is missing.
        """
        raise NotImplementedError

    async def aformat_messages(self, **kwargs: Any) -> list[BaseMessage]:
        """Async twin of `format_messages` (runs inline)."""
        return self.format_messages(**kwargs)

    def __add__(self, other: Any) -> ChatPromptTemplate:
        """A chat prompt of this template followed by `other` (a template or message-like)."""
        from runnel.prompts._chat import ChatPromptTemplate

        return ChatPromptTemplate([self]).__add__(other)


class BaseStringMessagePromptTemplate(BaseMessagePromptTemplate):
    """A message whose content is a template.

    Attributes:
        prompt: The content template.
        additional_kwargs: Passed on to each message.
    """

    prompt: ContentTemplate
    additional_kwargs: dict[str, Any] = Field(default_factory=dict)

    _message_class: ClassVar[type[BaseMessage]] = HumanMessage

    @classmethod
    def from_template(
        cls,
        template: str | Sequence[str | dict[str, Any]],
        template_format: TemplateFormat = "f-string",
        partial_variables: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Self:
        """Build a message template from a content template (text, or a list of blocks).

        Raises:
            ValueError: if a template is invalid or unsafe.
        """
        prompt = content_template(template, template_format, partial_variables)
        return cls(prompt=prompt, **kwargs)

    @property
    def input_variables(self) -> list[str]:
        """The variables of the content template(s)."""
        if isinstance(self.prompt, PromptTemplate):
            return list(self.prompt.input_variables)
        names: set[str] = set()
        for block in self.prompt:
            names.update(block.input_variables)
        return sorted(names)

    def format(self, **kwargs: Any) -> BaseMessage:
        """Format into one message.

        Raises:
            MissingVariableError: (a `KeyError`) if a variable is missing.
        """
        return self._message(self._content(kwargs))

    def format_messages(self, **kwargs: Any) -> list[BaseMessage]:
        """Format into a list of one message."""
        return [self.format(**kwargs)]

    def _message(self, content: Any) -> BaseMessage:
        return self._message_class(content, additional_kwargs=dict(self.additional_kwargs))

    def _content(self, values: dict[str, Any]) -> Any:
        if isinstance(self.prompt, PromptTemplate):
            return self.prompt.format(**values)
        return [
            {"type": "text", "text": block.format(**values)}
            if isinstance(block, PromptTemplate)
            else block.format(values, type(self).__name__)
            for block in self.prompt
        ]


class HumanMessagePromptTemplate(BaseStringMessagePromptTemplate):
    """A `HumanMessage` from a template."""

    _message_class: ClassVar[type[BaseMessage]] = HumanMessage


class AIMessagePromptTemplate(BaseStringMessagePromptTemplate):
    """An `AIMessage` from a template."""

    _message_class: ClassVar[type[BaseMessage]] = AIMessage


class SystemMessagePromptTemplate(BaseStringMessagePromptTemplate):
    """A `SystemMessage` from a template."""

    _message_class: ClassVar[type[BaseMessage]] = SystemMessage


class ChatMessagePromptTemplate(BaseStringMessagePromptTemplate):
    """A `ChatMessage` with a given role from a template.

    Attributes:
        role: The message's role.
    """

    role: str

    def _message(self, content: Any) -> BaseMessage:
        return ChatMessage(content, role=self.role, additional_kwargs=dict(self.additional_kwargs))


class MessagesPlaceholder(BaseMessagePromptTemplate):
    """A place for a list of messages given as a variable (a conversation history, say).

    The variable holds messages or anything `convert_to_messages` reads: ``(role, text)``
    tuples, strings, dicts.

    Attributes:
        variable_name: The variable holding the messages.
        optional: If True, a missing variable gives no messages (and it is not required).
        n_messages: Keep only the last `n_messages` messages.
    """

    variable_name: str
    optional: bool = False
    n_messages: int | None = Field(default=None, gt=0)

    def __init__(self, variable_name: str, *, optional: bool = False, **kwargs: Any) -> None:
        """Create a placeholder; `variable_name` may be given positionally."""
        super().__init__(variable_name=variable_name, optional=optional, **kwargs)

    @property
    def input_variables(self) -> list[str]:
        """The variable, unless it is optional."""
        return [] if self.optional else [self.variable_name]

    @property
    def optional_variables(self) -> list[str]:
        """The variable, if it is optional."""
        return [self.variable_name] if self.optional else []

    def format_messages(self, **kwargs: Any) -> list[BaseMessage]:
        """The messages of the variable.

        Raises:
            MissingVariableError: (a `KeyError`) if the variable is required and missing.
            ValueError: if the variable does not hold a list.
        """
        name = self.variable_name
        value = kwargs.get(name)
        if value is None:
            if self.optional:
                return []
            raise MissingVariableError(
                "MessagesPlaceholder", [name], [name], kwargs, f_string=False
            )
        if not isinstance(value, list):
            raise ValueError(
                f"The variable {name!r} of a MessagesPlaceholder must be a list of messages, "
                f"got {value!r} of type {type(value).__name__}."
            )
        messages = convert_to_messages(value)
        if self.n_messages:
            messages = messages[-self.n_messages :]
        return messages


def content_template(
    template: str | Sequence[str | dict[str, Any]],
    template_format: TemplateFormat = "f-string",
    partial_variables: dict[str, Any] | None = None,
) -> ContentTemplate:
    """Compile a message content template: a string, or a list of strings and blocks.

    Raises:
        ValueError: if a template is invalid or unsafe.
        TypeError: if the content is neither a string nor a list.
    """
    partials = partial_variables or {}
    if isinstance(template, str):
        return PromptTemplate.from_template(
            template, template_format=template_format, partial_variables=partials
        )
    if not isinstance(template, list | tuple):
        raise TypeError(
            f"A message template is a string or a list of content blocks, got a "
            f"{type(template).__name__}."
        )
    blocks: list[PromptTemplate | _BlockTemplate] = []
    for block in template:
        if isinstance(block, str):
            blocks.append(PromptTemplate.from_template(block, template_format=template_format))
        elif isinstance(block, dict):
            blocks.append(_BlockTemplate(block=block, template_format=template_format))
        else:
            raise TypeError(f"A content block is a string or a dict, got {type(block).__name__}.")
    return blocks
