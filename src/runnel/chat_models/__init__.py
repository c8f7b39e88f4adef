"""Chat model base classes (as `langchain.chat_models` / `langchain_core` chat models)."""

from runnel.language_models._chat import BaseChatModel, SimpleChatModel

__all__ = ["BaseChatModel", "SimpleChatModel"]
