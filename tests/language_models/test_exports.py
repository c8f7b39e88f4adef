"""Each public module's `__all__` lists exactly its public names."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "runnel.language_models",
    "runnel.chat_models",
    "runnel.llms",
    "runnel.caches",
    "runnel.rate_limiters",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_") and not isinstance(value, type(importlib))
    }
    assert set(module.__all__) == public
