"""`runnel.outputs.__all__` lists exactly its public names."""

from __future__ import annotations

import inspect

import runnel.outputs


def test_all_lists_exactly_the_public_names():
    public = {
        name
        for name, value in vars(runnel.outputs).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert sorted(runnel.outputs.__all__) == sorted(public)
    assert {
        "ChatGeneration",
        "ChatGenerationChunk",
        "ChatResult",
        "Generation",
        "GenerationChunk",
        "LLMResult",
        "RunInfo",
    } <= set(runnel.outputs.__all__)
