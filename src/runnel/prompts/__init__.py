"""Prompt templates: format variables into prompt values (as `langchain_core.prompts`).

`PromptTemplate` formats a template string into text; `ChatPromptTemplate` formats messages,
message templates (`SystemMessagePromptTemplate`, `HumanMessagePromptTemplate`...) and
`MessagesPlaceholder` lists into a `ChatPromptValue`. Prompts are runnables:
``prompt.invoke({"topic": "parrots"})``.

Templates are ``"f-string"`` (``{name}``) or ``"mustache"`` (``{{name}}``); neither can run
code or reach into objects: f-string fields are plain names only (``{x.attr}``, ``{x[0]}`` are
refused when the template is built) and the Mustache renderer reads dicts and lists only,
never attributes, and calls nothing. jinja2 is not supported. A missing variable raises
`MissingVariableError`, a `KeyError` naming it.
"""

from runnel.prompts._base import BasePromptTemplate
from runnel.prompts._chat import (
    BaseChatPromptTemplate,
    ChatPromptTemplate,
    MessageLikeRepresentation,
)
from runnel.prompts._formatting import MissingVariableError, get_template_variables
from runnel.prompts._message import (
    AIMessagePromptTemplate,
    BaseMessagePromptTemplate,
    BaseStringMessagePromptTemplate,
    ChatMessagePromptTemplate,
    HumanMessagePromptTemplate,
    MessagesPlaceholder,
    SystemMessagePromptTemplate,
)
from runnel.prompts._string import PromptTemplate, StringPromptTemplate

__all__ = [
    "AIMessagePromptTemplate",
    "BaseChatPromptTemplate",
    "BaseMessagePromptTemplate",
    "BasePromptTemplate",
    "BaseStringMessagePromptTemplate",
    "ChatMessagePromptTemplate",
    "ChatPromptTemplate",
    "HumanMessagePromptTemplate",
    "MessageLikeRepresentation",
    "MessagesPlaceholder",
    "MissingVariableError",
    "PromptTemplate",
    "StringPromptTemplate",
    "SystemMessagePromptTemplate",
    "get_template_variables",
]
