"""Text LLM base classes (as `langchain_core.language_models.llms`)."""

from runnel.language_models._llms import LLM, BaseLLM

__all__ = ["LLM", "BaseLLM"]
