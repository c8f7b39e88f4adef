"""Process-wide settings (`langchain_core.globals` names)."""

from __future__ import annotations

from runnel.language_models._cache import get_llm_cache, set_llm_cache

__all__ = ["get_debug", "get_llm_cache", "get_verbose", "set_debug", "set_llm_cache", "set_verbose"]

_flags = {"debug": False, "verbose": False}


def set_debug(value: bool) -> None:
    """Set the debug flag (kept for compatibility; runnel logs through `logging`)."""
    _flags["debug"] = bool(value)


def get_debug() -> bool:
    """The debug flag."""
    return _flags["debug"]


def set_verbose(value: bool) -> None:
    """Set the verbose flag (kept for compatibility; runnel logs through `logging`)."""
    _flags["verbose"] = bool(value)


def get_verbose() -> bool:
    """The verbose flag."""
    return _flags["verbose"]
