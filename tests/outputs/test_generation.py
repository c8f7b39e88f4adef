"""Text-model generations and their chunks."""

from __future__ import annotations

from runnel.outputs import Generation, GenerationChunk


def test_fields_and_type():
    generation = Generation(text="hi", generation_info={"finish_reason": "stop"})
    assert (generation.text, generation.type) == ("hi", "Generation")
    assert GenerationChunk(text="x").type == "GenerationChunk"
    assert isinstance(GenerationChunk(text="x"), Generation)


def test_repr_skips_type_and_defaults():
    assert repr(Generation(text="a")) == "Generation(text='a')"


def test_chunks_concatenate_text_and_merge_info_without_doubling():
    total = (
        GenerationChunk(text="a", generation_info={"finish_reason": "stop", "logprobs": [1]})
        + GenerationChunk(text="b", generation_info={"finish_reason": "stop", "logprobs": [2]})
        + GenerationChunk(text="c")
    )
    assert total == GenerationChunk(
        text="abc", generation_info={"finish_reason": "stop", "logprobs": [1, 2]}
    )
    assert (GenerationChunk(text="a") + GenerationChunk(text="b")).generation_info is None


def test_adding_anything_else_is_a_type_error():
    try:
        GenerationChunk(text="a") + Generation(text="b")  # type: ignore[operator]
    except TypeError:
        pass
    else:
        raise AssertionError("expected TypeError")
