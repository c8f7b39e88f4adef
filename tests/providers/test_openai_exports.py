"""The OpenAI family's packages export exactly their public names."""

from __future__ import annotations

import importlib
import inspect

import pytest

PACKAGES = {
    "runnel.providers.openai": [
        "AzureChatOpenAI",
        "AzureOpenAI",
        "ChatOpenAI",
        "OpenAI",
        "OpenAIEmbeddings",
    ],
    "runnel.providers.groq": ["ChatGroq"],
    "runnel.providers.fireworks": ["ChatFireworks"],
    "runnel.providers.nvidia": ["ChatNVIDIA"],
    "runnel.providers.together": ["ChatTogether"],
}


@pytest.mark.parametrize(("name", "names"), sorted(PACKAGES.items()))
def test_all_lists_exactly_the_public_names(name: str, names: list[str]) -> None:
    package = importlib.import_module(name)
    public = {
        key
        for key, value in vars(package).items()
        if not key.startswith("_") and not inspect.ismodule(value)
    }
    assert sorted(package.__all__) == sorted(public) == names


def test_the_compatible_models_are_chat_openai_models() -> None:
    from runnel.providers.openai import ChatOpenAI

    for name, names in PACKAGES.items():
        if name != "runnel.providers.openai":
            assert issubclass(getattr(importlib.import_module(name), names[0]), ChatOpenAI)
