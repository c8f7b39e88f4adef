"""`runnel.tracers` exports exactly its public names."""

from __future__ import annotations

import importlib
import pkgutil
import types

import runnel.tracers


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(runnel.tracers).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert sorted(runnel.tracers.__all__) == sorted(public)
    assert len(set(runnel.tracers.__all__)) == len(runnel.tracers.__all__)


def test_every_module_defines_what_its_all_lists() -> None:
    for info in pkgutil.iter_modules(runnel.tracers.__path__):
        module = importlib.import_module(f"runnel.tracers.{info.name}")
        assert hasattr(module, "__all__"), info.name
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert missing == [], info.name
