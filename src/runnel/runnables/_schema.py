"""Pydantic models describing runnables' inputs, outputs and config."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, RootModel, create_model

__all__ = ["config_model", "object_model", "root_model"]


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)


@lru_cache(maxsize=512)
def _root(name: str, annotation: Any) -> type[BaseModel]:
    return type(_safe(name), (RootModel[annotation],), {})


def root_model(name: str, annotation: Any) -> type[BaseModel]:
    """A model whose whole value has type `annotation`."""
    try:
        return _root(name, annotation)
    except TypeError:  # unhashable annotation
        return type(_safe(name), (RootModel[annotation],), {})


def object_model(name: str, fields: Mapping[str, Any], required: bool = False) -> type[BaseModel]:
    """A model of an object with the given field types (optional unless `required`)."""
    spec: dict[str, Any] = {
        key: (annotation, ... if required else None) for key, annotation in fields.items()
    }
    return create_model(_safe(name), __config__=ConfigDict(arbitrary_types_allowed=True), **spec)


def config_model(name: str, include: Sequence[str]) -> type[BaseModel]:
    """A model of the config keys a runnable accepts from callers."""
    fields: dict[str, Any] = {
        "tags": (list[str] | None, None),
        "metadata": (dict[str, Any] | None, None),
        "run_name": (str | None, None),
        "max_concurrency": (int | None, None),
        "recursion_limit": (int | None, None),
        "configurable": (dict[str, Any] | None, None),
    }
    if include:
        fields = {k: v for k, v in fields.items() if k in include}
    return create_model(_safe(name), **fields)
