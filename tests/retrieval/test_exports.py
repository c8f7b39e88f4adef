"""Each public retrieval module's `__all__` lists exactly its public names, and all resolve."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

# Module -> names loaded lazily on first access (module `__getattr__`).
MODULES: dict[str, set[str]] = {
    "runnel.documents": set(),
    "runnel.embeddings": set(),
    "runnel.vectorstores": {"FAISS"},
    "runnel.vectorstores.utils": set(),
    "runnel.retrievers": {"VectorStoreRetriever"},
    "runnel.text_splitters": set(),
    "runnel.providers.huggingface": set(),
}
# Typing helpers a module imports for its own annotations.
NOT_EXPORTED = {"annotations", "TYPE_CHECKING", "Any", "Sequence", "StrEnum"}


@pytest.mark.parametrize("name", list(MODULES))
def test_all_lists_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and attr not in NOT_EXPORTED
        and not isinstance(value, type(importlib))
    }
    assert sorted(module.__all__) == sorted(public | MODULES[name])
    resolved: dict[str, Any] = {attr: getattr(module, attr) for attr in module.__all__}
    assert all(value is not None for value in resolved.values())


def test_unknown_lazy_names_raise_attribute_error() -> None:
    import runnel.retrievers
    import runnel.vectorstores

    with pytest.raises(AttributeError, match="has no attribute 'Chroma'"):
        runnel.vectorstores.Chroma  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        runnel.retrievers.Nope  # noqa: B018
