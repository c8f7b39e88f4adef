"""Chat model base classes and `init_chat_model` (as `langchain.chat_models`)."""

from runnel.chat_models._init import init_chat_model
from runnel.language_models._chat import BaseChatModel, SimpleChatModel

__all__ = ["BaseChatModel", "SimpleChatModel", "init_chat_model"]
