"""Response caches: a hit answers without calling the provider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path as FilePath
from typing import Any

import pytest

from runnel.caches import InMemoryCache, SQLiteCache, get_llm_cache, set_llm_cache
from runnel.callbacks import RunManager
from runnel.language_models import BaseChatModel
from runnel.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from runnel.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, Generation

from .conftest import ModelRecorder, Path, texts, token_model

pytestmark = pytest.mark.anyio


class Counting(BaseChatModel):
    """Answers "a b" and counts its provider calls."""

    calls: list[str] = []

    @property
    def _llm_type(self) -> str:
        return "counting"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.calls.append("generate")
        message = AIMessage(
            "a b", usage_metadata={"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: RunManager | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        self.calls.append("stream")
        yield ChatGenerationChunk(message=AIMessageChunk("a"))
        yield ChatGenerationChunk(message=AIMessageChunk(" b", chunk_position="last"))


@pytest.fixture
def no_global_cache() -> Iterator[None]:
    before = get_llm_cache()
    set_llm_cache(None)
    yield
    set_llm_cache(before)


async def test_a_cache_hit_skips_the_provider(path: Path, recorder: ModelRecorder) -> None:
    model = Counting(cache=InMemoryCache(), calls=[])
    first = await path.invoke(model, "q")
    second = await path.invoke(model, "q", {"callbacks": [recorder]})
    assert model.calls == ["generate"]
    assert second == first
    assert recorder.hooks() == ["on_chat_model_start", "on_llm_end"]
    await path.invoke(model, "another question")
    await path.invoke(model, "q", stop=["!"])  # other params: another key
    assert model.calls == ["generate"] * 3


async def test_message_ids_do_not_change_the_key(path: Path) -> None:
    model = Counting(cache=InMemoryCache(), calls=[])
    await path.invoke(model, [HumanMessage("q")])
    await path.invoke(model, [HumanMessage("q", id="some-id")])
    assert model.calls == ["generate"]


async def test_a_stream_fills_the_cache_and_a_hit_streams_one_chunk(
    path: Path, recorder: ModelRecorder
) -> None:
    model = Counting(cache=InMemoryCache(), calls=[])
    assert texts(await path.stream(model, "q")) == ["a", " b"]
    chunks = await path.stream(model, "q", {"callbacks": [recorder]})
    assert model.calls == ["stream"]
    assert len(chunks) == 1
    assert isinstance(chunks[0], AIMessageChunk)
    assert chunks[0].content == "a b"
    assert chunks[0].chunk_position == "last"
    assert recorder.tokens() == ["a b"]
    assert (await path.invoke(model, "q")).content == "a b"
    assert model.calls == ["stream"]


async def test_the_global_cache_serves_models_without_their_own(
    path: Path, no_global_cache: None
) -> None:
    cache = InMemoryCache()
    set_llm_cache(cache)
    model = Counting(calls=[])
    await path.invoke(model, "q")
    await path.invoke(model, "q")
    assert model.calls == ["generate"]
    off = Counting(cache=False, calls=[])
    await path.invoke(off, "q")
    assert off.calls == ["generate"]


async def test_cache_true_needs_a_global_cache(path: Path, no_global_cache: None) -> None:
    with pytest.raises(ValueError, match="no global cache is set"):
        await path.invoke(Counting(cache=True, calls=[]), "q")


async def test_text_llms_use_the_cache(path: Path) -> None:
    model = token_model(["x", "y"], chat=False)
    model.cache = InMemoryCache()
    assert await path.invoke(model, "p") == "xy"
    model.tokens = ["changed"]
    assert await path.invoke(model, "p") == "xy"
    assert await path.stream(model, "p") == ["xy"]


def test_in_memory_cache_drops_the_oldest_entry() -> None:
    cache = InMemoryCache(maxsize=2)
    for key in ["a", "b", "c"]:
        cache.update(key, "m", [Generation(text=key)])
    assert cache.lookup("a", "m") is None
    assert cache.lookup("c", "m") == [Generation(text="c")]
    cache.clear()
    assert cache.lookup("c", "m") is None
    with pytest.raises(ValueError, match="maxsize"):
        InMemoryCache(maxsize=0)


async def test_sqlite_cache_keeps_answers_across_instances(tmp_path: FilePath) -> None:
    db = str(tmp_path / "cache.db")
    model = Counting(cache=SQLiteCache(db), calls=[])
    first = model.invoke("q")
    again = Counting(cache=SQLiteCache(db), calls=[])
    second = await again.ainvoke("q")
    assert again.calls == []
    assert second.content == first.content
    assert second.usage_metadata == first.usage_metadata
    cache = SQLiteCache(db)
    cache.update("p", "m", [Generation(text="t", generation_info={"k": 1})])
    assert cache.lookup("p", "m") == [Generation(text="t", generation_info={"k": 1})]
    await cache.aclear()
    assert cache.lookup("p", "m") is None
