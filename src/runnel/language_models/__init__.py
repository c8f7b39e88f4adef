"""Chat models, text LLMs and fake models (as `langchain_core.language_models`).

A provider integration subclasses `BaseChatModel` (or `BaseLLM` / `LLM`) and implements
LangChain's hooks: ``_generate`` and optionally ``_agenerate``, ``_stream``,
``_astream``. The base class derives ``invoke``, ``stream``, ``batch`` and their async
twins, reports runs and tokens, and applies the cache and rate limiter.
"""

from runnel.language_models._base import (
    BaseLanguageModel,
    LanguageModelInput,
    LanguageModelLike,
    LanguageModelOutput,
)
from runnel.language_models._chat import BaseChatModel, SimpleChatModel
from runnel.language_models._fake_chat import (
    FakeListChatModel,
    FakeListChatModelError,
    FakeMessagesListChatModel,
    GenericFakeChatModel,
    ParrotFakeChatModel,
)
from runnel.language_models._fake_llm import FakeListLLM, FakeListLLMError, FakeStreamingListLLM
from runnel.language_models._llms import LLM, BaseLLM

__all__ = [
    "LLM",
    "BaseChatModel",
    "BaseLLM",
    "BaseLanguageModel",
    "FakeListChatModel",
    "FakeListChatModelError",
    "FakeListLLM",
    "FakeListLLMError",
    "FakeMessagesListChatModel",
    "FakeStreamingListLLM",
    "GenericFakeChatModel",
    "LanguageModelInput",
    "LanguageModelLike",
    "LanguageModelOutput",
    "ParrotFakeChatModel",
    "SimpleChatModel",
]
