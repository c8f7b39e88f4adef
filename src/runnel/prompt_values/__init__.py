"""Prompt values: the output of prompt templates (as `langchain_core.prompt_values`)."""

from runnel.prompt_values._values import (
    ChatPromptValue,
    ChatPromptValueConcrete,
    PromptValue,
    StringPromptValue,
)

__all__ = ["ChatPromptValue", "ChatPromptValueConcrete", "PromptValue", "StringPromptValue"]
