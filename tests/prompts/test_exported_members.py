"""`runnel.prompts` and `runnel.prompt_values` list exactly their public names in `__all__`."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import runnel.prompt_values
import runnel.prompts

PRIVATE_MODULES = [
    importlib.import_module(f"{package.__name__}.{info.name}")
    for package in (runnel.prompts, runnel.prompt_values)
    for info in pkgutil.iter_modules(package.__path__)
]


def public_names(module: ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }


@pytest.mark.parametrize("package", [runnel.prompts, runnel.prompt_values])
def test_all_lists_exactly_the_public_names(package: ModuleType) -> None:
    assert sorted(package.__all__) == sorted(public_names(package))
    assert len(set(package.__all__)) == len(package.__all__)


def test_langchain_names_are_there() -> None:
    for name in [
        "AIMessagePromptTemplate",
        "BaseChatPromptTemplate",
        "BaseMessagePromptTemplate",
        "BasePromptTemplate",
        "ChatMessagePromptTemplate",
        "ChatPromptTemplate",
        "HumanMessagePromptTemplate",
        "MessagesPlaceholder",
        "PromptTemplate",
        "StringPromptTemplate",
        "SystemMessagePromptTemplate",
    ]:
        assert name in runnel.prompts.__all__, name
    assert sorted(runnel.prompt_values.__all__) == [
        "ChatPromptValue",
        "ChatPromptValueConcrete",
        "PromptValue",
        "StringPromptValue",
    ]


@pytest.mark.parametrize("module", PRIVATE_MODULES, ids=lambda module: module.__name__)
def test_every_module_lists_what_it_defines(module: ModuleType) -> None:
    defined = {
        name
        for name in public_names(module)
        if name.isidentifier()
        and getattr(getattr(module, name), "__module__", None) == module.__name__
    }
    assert set(module.__all__) >= defined
    for name in module.__all__:
        assert hasattr(module, name), name
