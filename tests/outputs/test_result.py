"""Chat results, LLM results and run info."""

from __future__ import annotations

from uuid import UUID

from runnel.messages import AIMessage, AIMessageChunk
from runnel.outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    ChatResult,
    Generation,
    GenerationChunk,
    LLMResult,
    RunInfo,
)


def test_chat_result():
    result = ChatResult(generations=[ChatGeneration(message=AIMessage("x"))], llm_output={"a": 1})
    assert result.generations[0].text == "x"
    assert ChatResult.model_validate(result.model_dump()) == result


def test_llm_result_round_trips_every_generation_class():
    result = LLMResult(
        generations=[
            [Generation(text="a")],
            [GenerationChunk(text="b")],
            [
                ChatGeneration(
                    message=AIMessage("c", tool_calls=[{"name": "f", "args": {}, "id": "1"}])
                )
            ],
            [ChatGenerationChunk(message=AIMessageChunk("d"))],
        ],
        llm_output={"token_usage": {"total_tokens": 3}},
    )
    again = LLMResult.model_validate(result.model_dump())
    assert again == result
    assert [type(g[0]) for g in again.generations] == [
        Generation,
        GenerationChunk,
        ChatGeneration,
        ChatGenerationChunk,
    ]
    assert again.generations[2][0].message.tool_calls == result.generations[2][0].message.tool_calls


def test_flatten_keeps_token_usage_on_the_first_result_only():
    result = LLMResult(
        generations=[[Generation(text="a")], [Generation(text="b")]],
        llm_output={"token_usage": {"total_tokens": 3}, "model_name": "m"},
    )
    first, second = result.flatten()
    assert first.generations == [[Generation(text="a")]]
    assert first.llm_output == {"token_usage": {"total_tokens": 3}, "model_name": "m"}
    assert second.llm_output == {"token_usage": {}, "model_name": "m"}
    assert result.llm_output == {"token_usage": {"total_tokens": 3}, "model_name": "m"}


def test_equality_ignores_run():
    generations = [[Generation(text="a")]]
    with_run = LLMResult(generations=generations, run=[RunInfo(run_id=UUID(int=1))])
    assert with_run == LLMResult(generations=generations)
    assert with_run != LLMResult(generations=[[Generation(text="b")]])
    assert with_run.type == "LLMResult"
