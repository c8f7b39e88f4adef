"""`runnel.callbacks` exports exactly its public names."""

from __future__ import annotations

import types

import runnel.callbacks
from runnel.callbacks import base, manager


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(runnel.callbacks).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert sorted(runnel.callbacks.__all__) == sorted(public)
    assert len(set(runnel.callbacks.__all__)) == len(runnel.callbacks.__all__)


def test_modules_define_what_their_all_lists() -> None:
    for module in (base, manager):
        assert [name for name in module.__all__ if not hasattr(module, name)] == []
    assert sorted(base.__all__) == ["AsyncCallbackHandler", "BaseCallbackHandler"]
