"""Each module of runnel.output_parsers lists exactly its public names in `__all__`."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import runnel.output_parsers
import runnel.output_parsers.openai_tools

MODULES = [
    importlib.import_module(f"runnel.output_parsers.{info.name}")
    for info in pkgutil.iter_modules(runnel.output_parsers.__path__)
]


def defined_here(module: ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and name.isidentifier()  # pydantic also registers parametrised generics, "A[int]"
        and not inspect.ismodule(value)
        and getattr(value, "__module__", None) == module.__name__
    }


def test_the_package_exports_exactly_its_public_names() -> None:
    public = {
        name
        for name, value in vars(runnel.output_parsers).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert sorted(runnel.output_parsers.__all__) == sorted(public)
    assert len(set(runnel.output_parsers.__all__)) == len(runnel.output_parsers.__all__)


def test_openai_tools_exports_exactly_the_parsers_it_defines() -> None:
    module = runnel.output_parsers.openai_tools
    assert (
        sorted(module.__all__)
        == sorted(defined_here(module))
        == [
            "JsonOutputKeyToolsParser",
            "JsonOutputToolsParser",
            "PydanticToolsParser",
        ]
    )


def test_langchain_names_are_there() -> None:
    for name in [
        "BaseCumulativeTransformOutputParser",
        "BaseGenerationOutputParser",
        "BaseLLMOutputParser",
        "BaseOutputParser",
        "BaseTransformOutputParser",
        "CommaSeparatedListOutputParser",
        "JsonOutputKeyToolsParser",
        "JsonOutputParser",
        "JsonOutputToolsParser",
        "ListOutputParser",
        "MarkdownListOutputParser",
        "NumberedListOutputParser",
        "OutputParserException",
        "PydanticOutputParser",
        "PydanticToolsParser",
        "SimpleJsonOutputParser",
        "StrOutputParser",
        "XMLOutputParser",
    ]:
        assert name in runnel.output_parsers.__all__, name


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_every_module_lists_what_it_defines(module: ModuleType) -> None:
    assert set(module.__all__) >= defined_here(module) - {"T", "M"}
    for name in module.__all__:
        assert hasattr(module, name), name
