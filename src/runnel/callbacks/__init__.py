"""Callback handlers and custom events (`langchain_core.callbacks` names)."""

from runnel._core.run import CallbackManager
from runnel.callbacks.base import AsyncCallbackHandler, BaseCallbackHandler
from runnel.callbacks.manager import (
    AsyncCallbackManagerForChainRun,
    AsyncCallbackManagerForLLMRun,
    AsyncCallbackManagerForRetrieverRun,
    AsyncCallbackManagerForToolRun,
    AsyncRunManager,
    CallbackManagerForChainRun,
    CallbackManagerForLLMRun,
    CallbackManagerForRetrieverRun,
    CallbackManagerForToolRun,
    Callbacks,
    RunManager,
    adispatch_custom_event,
    dispatch_custom_event,
)

__all__ = [
    "AsyncCallbackHandler",
    "AsyncCallbackManagerForChainRun",
    "AsyncCallbackManagerForLLMRun",
    "AsyncCallbackManagerForRetrieverRun",
    "AsyncCallbackManagerForToolRun",
    "AsyncRunManager",
    "BaseCallbackHandler",
    "CallbackManager",
    "CallbackManagerForChainRun",
    "CallbackManagerForLLMRun",
    "CallbackManagerForRetrieverRun",
    "CallbackManagerForToolRun",
    "Callbacks",
    "RunManager",
    "adispatch_custom_event",
    "dispatch_custom_event",
]
