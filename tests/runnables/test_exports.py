"""`runnel.runnables` exports exactly its public names."""

from __future__ import annotations

import importlib
import pkgutil
import types

import runnel.runnables


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(runnel.runnables).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert sorted(runnel.runnables.__all__) == sorted(public)
    assert len(set(runnel.runnables.__all__)) == len(runnel.runnables.__all__)


def test_every_module_defines_what_its_all_lists() -> None:
    for info in pkgutil.iter_modules(runnel.runnables.__path__):
        module = importlib.import_module(f"runnel.runnables.{info.name}")
        assert hasattr(module, "__all__"), info.name
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert missing == [], info.name
