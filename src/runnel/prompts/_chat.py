"""Chat prompt templates: a list of messages, message templates and placeholders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

from pydantic import SerializeAsAny

from runnel.messages import AnyMessage, BaseMessage
from runnel.prompt_values import ChatPromptValue
from runnel.prompts._base import BasePromptTemplate
from runnel.prompts._formatting import TemplateFormat
from runnel.prompts._message import (
    AIMessagePromptTemplate,
    BaseMessagePromptTemplate,
    BaseStringMessagePromptTemplate,
    HumanMessagePromptTemplate,
    MessagesPlaceholder,
    SystemMessagePromptTemplate,
)
from runnel.prompts._string import PromptTemplate

__all__ = ["BaseChatPromptTemplate", "ChatPromptTemplate", "MessageLikeRepresentation"]

_ROLES: dict[str, type[BaseStringMessagePromptTemplate]] = {
    "human": HumanMessagePromptTemplate,
    "user": HumanMessagePromptTemplate,
    "ai": AIMessagePromptTemplate,
    "assistant": AIMessagePromptTemplate,
    "system": SystemMessagePromptTemplate,
}


class BaseChatPromptTemplate(BasePromptTemplate):
    """A prompt formatted into messages: implement `format_messages`."""

    def format_messages(self, **kwargs: Any) -> list[BaseMessage]:
        """Format into a list of messages.

        Raises:
            MissingVariableError: (a `KeyError`) if a variable is missing.
        """
        raise NotImplementedError(f"{type(self).__name__} implements no format_messages")

    async def aformat_messages(self, **kwargs: Any) -> list[BaseMessage]:
        """Async twin of `format_messages` (runs inline)."""
        return self.format_messages(**kwargs)

    def format_prompt(self, **kwargs: Any) -> ChatPromptValue:
        """Format into a `ChatPromptValue`."""
        return ChatPromptValue(messages=self.format_messages(**kwargs))

    def format(self, **kwargs: Any) -> str:
        """Format into text: one ``"<role>: <text>"`` line per message."""
        return self.format_prompt(**kwargs).to_string()


MessageLike: TypeAlias = BaseMessagePromptTemplate | BaseMessage | BaseChatPromptTemplate
MessageLikeRepresentation: TypeAlias = (
    MessageLike | tuple[str | type, str | list[Any]] | str | dict[str, Any]
)
"""What `ChatPromptTemplate.from_messages` accepts for one message: a message (kept as it is),
a message template or chat prompt, a ``(role, template)`` tuple, a template string (a human
message) or a ``{"role": ..., "content": ...}`` dict."""


class ChatPromptTemplate(BaseChatPromptTemplate):
    """A chat prompt: messages, message templates and placeholders, formatted in order.

    ```python
    prompt = ChatPromptTemplate.from_messages([
        ("system", "You are {name}."),
        ("placeholder", "{history}"),
        ("human", "{question}"),
    ])
    prompt.invoke({"name": "Bob", "question": "Hi?"})  # a ChatPromptValue
    ```

    Roles: ``system``, ``human``/``user``, ``ai``/``assistant``, and ``placeholder`` (an optional
    `MessagesPlaceholder`). Messages given as message objects are kept as they are (their
    braces are not variables).

    Attributes:
        messages: The message templates, messages and nested chat prompts.
    """

    messages: list[SerializeAsAny[MessageLike]]

    def __init__(
        self,
        messages: Sequence[MessageLikeRepresentation] = (),
        *,
        template_format: TemplateFormat = "f-string",
        **kwargs: Any,
    ) -> None:
        """Build a chat prompt; the variables are read from the messages.

        Raises:
            ValueError: for an unknown role, a bad placeholder or an invalid template.
            TypeError: for something that is not a message representation.
        """
        converted = [_to_message_like(message, template_format) for message in messages]
        partial = kwargs.get("partial_variables") or {}
        required: dict[str, None] = {}
        optional: dict[str, None] = {}
        types: dict[str, Any] = {}
        for message in converted:
            if isinstance(message, BaseMessage):
                continue
            required.update(dict.fromkeys(message.input_variables))
            optional.update(dict.fromkeys(message.optional_variables))
            if isinstance(message, MessagesPlaceholder):
                types[message.variable_name] = list[AnyMessage]
            elif isinstance(message, BaseChatPromptTemplate):
                types.update(message.input_types)
        kwargs.setdefault(
            "input_variables", sorted(name for name in required if name not in partial)
        )
        kwargs.setdefault(
            "optional_variables",
            sorted(name for name in optional if name not in partial and name not in required),
        )
        kwargs.setdefault("input_types", types)
        super().__init__(messages=converted, **kwargs)

    @classmethod
    def from_template(cls, template: str, **kwargs: Any) -> ChatPromptTemplate:
        """A chat prompt of one human message template.

        Raises:
            ValueError: if the template is invalid or unsafe.
        """
        template_format = kwargs.pop("template_format", "f-string")
        message = HumanMessagePromptTemplate(
            prompt=PromptTemplate.from_template(template, template_format=template_format, **kwargs)
        )
        return cls([message])

    @classmethod
    def from_messages(
        cls,
        messages: Sequence[MessageLikeRepresentation],
        template_format: TemplateFormat = "f-string",
    ) -> ChatPromptTemplate:
        """A chat prompt from message representations (see the class docstring).

        Raises:
            ValueError: for an unknown role, a bad placeholder or an invalid template.
        """
        return cls(messages, template_format=template_format)

    def format_messages(self, **kwargs: Any) -> list[BaseMessage]:
        """Format every message template and placeholder, in order.

        Raises:
            MissingVariableError: (a `KeyError`) naming any missing variable.
            ValueError: if a placeholder's variable is not a list.
        """
        values = self._merge_partial(kwargs)
        self._check_missing(values)
        out: list[BaseMessage] = []
        for message in self.messages:
            if isinstance(message, BaseMessage):
                out.append(message)
            else:
                out.extend(message.format_messages(**values))
        return out

    def __add__(self, other: Any) -> ChatPromptTemplate:
        """This prompt followed by another chat prompt, a message-like, or a list of them."""
        if isinstance(other, ChatPromptTemplate):
            added: list[Any] = list(other.messages)
            partial = {**self.partial_variables, **other.partial_variables}
        elif isinstance(other, list):
            added, partial = other, self.partial_variables
        else:
            added, partial = [other], self.partial_variables
        combined = ChatPromptTemplate([*self.messages, *added])
        return combined.partial(**partial) if partial else combined

    def __len__(self) -> int:
        return len(self.messages)

    def __getitem__(self, index: int) -> MessageLike:
        return self.messages[index]


def _to_message_like(message: Any, template_format: TemplateFormat) -> MessageLike:
    if isinstance(message, BaseMessagePromptTemplate | BaseMessage | BaseChatPromptTemplate):
        return message
    if isinstance(message, str):
        return HumanMessagePromptTemplate.from_template(message, template_format=template_format)
    if isinstance(message, dict):
        role = message.get("role", message.get("type"))
        if not isinstance(role, str) or "content" not in message:
            raise ValueError(
                f"A message dict needs a 'role' and a 'content', got keys {sorted(message)}."
            )
        return _from_role(role, message["content"], template_format)
    if isinstance(message, tuple | list):
        if len(message) != 2:
            raise ValueError(f"A message tuple is (role, template), got {message!r}.")
        return _from_role(message[0], message[1], template_format)
    raise TypeError(
        f"Cannot make a message template of a {type(message).__name__}: use a message, a "
        "message template, a (role, template) tuple, a string or a dict."
    )


def _from_role(role: Any, template: Any, template_format: TemplateFormat) -> MessageLike:
    if isinstance(role, type) and issubclass(role, BaseStringMessagePromptTemplate):
        return role.from_template(template, template_format=template_format)
    if role == "placeholder":
        return _placeholder(template)
    cls = _ROLES.get(role) if isinstance(role, str) else None
    if cls is None:
        raise ValueError(
            f"Unknown message role {role!r}: use 'system', 'human', 'user', 'ai', 'assistant' "
            "or 'placeholder'."
        )
    return cls.from_template(template, template_format=template_format)


def _placeholder(template: Any) -> MessagesPlaceholder:
    """``"{name}"`` (optional), or ``("{name}", optional)``."""
    optional = True
    if isinstance(template, list | tuple) and len(template) == 2:
        template, optional = template
    name = template.strip() if isinstance(template, str) else ""
    if not (name.startswith("{") and name.endswith("}") and name[1:-1].strip()):
        raise ValueError(
            f"Invalid placeholder {template!r}: write the variable in braces, as in "
            '("placeholder", "{history}").'
        )
    return MessagesPlaceholder(name[1:-1].strip(), optional=bool(optional))
