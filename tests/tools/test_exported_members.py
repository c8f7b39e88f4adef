"""Each public module of tools, documents, embeddings, retrievers and vector stores lists
exactly its public names in `__all__`."""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = [
    "runnel.documents",
    "runnel.embeddings",
    "runnel.retrievers",
    "runnel.tools",
    "runnel.utils",
    "runnel.utils.function_calling",
    "runnel.vectorstores",
    "runnel.vectorstores.utils",
]


def defined_public_names(module: object) -> set[str]:
    """Public names bound in the module to runnel's own classes and functions."""
    names = set()
    for name, value in vars(module).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        owner = getattr(value, "__module__", None)
        if isinstance(owner, str) and owner.startswith("runnel"):
            names.add(name)
    return names


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_exactly_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported)), "duplicates in __all__"
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == [], f"__all__ names that do not exist: {missing}"
    unlisted = defined_public_names(module) - set(exported)
    assert unlisted == set(), f"public names missing from __all__: {unlisted}"


def test_vector_store_retriever_is_re_exported_by_retrievers() -> None:
    from runnel.retrievers import VectorStoreRetriever as FromRetrievers
    from runnel.vectorstores import VectorStoreRetriever

    assert FromRetrievers is VectorStoreRetriever
