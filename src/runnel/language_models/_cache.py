"""Response caches for models (`langchain_core.caches`), and the process-wide default.

A model with `cache=` (or, with `cache=None`, the cache set by `set_llm_cache`) looks up
``(prompt, llm_string)`` before calling its provider and returns the cached generations on
a hit. The prompt is the text prompt of a text LLM, or a JSON rendering of a chat model's
messages (without their ids); `llm_string` renders the model's invocation parameters.
"""

from __future__ import annotations

import abc
import contextlib
import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any, TypeAlias

import anyio.to_thread

from runnel.messages import message_to_dict, messages_from_dict
from runnel.outputs import ChatGeneration, Generation

__all__ = [
    "RETURN_VAL_TYPE",
    "BaseCache",
    "InMemoryCache",
    "SQLiteCache",
    "get_llm_cache",
    "set_llm_cache",
]

RETURN_VAL_TYPE: TypeAlias = Sequence[Generation]
"""What a cache stores per key: the generations of one answer."""


class BaseCache(abc.ABC):
    """A store of model answers keyed by prompt and model configuration.

    The async methods run the sync ones in a worker thread unless a subclass overrides them.
    """

    @abc.abstractmethod
    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        """The cached generations for this prompt and model, or None on a miss."""

    @abc.abstractmethod
    def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        """Store the generations of one answer."""

    @abc.abstractmethod
    def clear(self, **kwargs: Any) -> None:
        """Forget every entry."""

    async def alookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        """Async twin of `lookup`."""
        return await anyio.to_thread.run_sync(self.lookup, prompt, llm_string)

    async def aupdate(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        """Async twin of `update`."""
        await anyio.to_thread.run_sync(self.update, prompt, llm_string, return_val)

    async def aclear(self, **kwargs: Any) -> None:
        """Async twin of `clear`."""
        await anyio.to_thread.run_sync(lambda: self.clear(**kwargs))


class InMemoryCache(BaseCache):
    """A cache in a dict, optionally bounded (the oldest entry goes first).

    Args:
        maxsize: The most entries kept; None for no bound.

    Raises:
        ValueError: a `maxsize` below 1.
    """

    def __init__(self, *, maxsize: int | None = None) -> None:
        if maxsize is not None and maxsize < 1:
            raise ValueError(f"maxsize must be at least 1 (or None), got {maxsize}")
        self._cache: OrderedDict[tuple[str, str], RETURN_VAL_TYPE] = OrderedDict()
        self._maxsize = maxsize

    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        """The cached generations for this prompt and model, or None on a miss."""
        return self._cache.get((prompt, llm_string))

    def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        """Store the generations of one answer, dropping the oldest entry when full."""
        key = (prompt, llm_string)
        if self._maxsize is not None and key not in self._cache:
            while len(self._cache) >= self._maxsize:
                self._cache.popitem(last=False)
        self._cache[key] = return_val

    def clear(self, **kwargs: Any) -> None:
        """Forget every entry."""
        self._cache.clear()

    async def alookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        """Async twin of `lookup` (no thread: a dict lookup never blocks)."""
        return self.lookup(prompt, llm_string)

    async def aupdate(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        """Async twin of `update` (no thread)."""
        self.update(prompt, llm_string, return_val)

    async def aclear(self, **kwargs: Any) -> None:
        """Async twin of `clear` (no thread)."""
        self.clear()


class SQLiteCache(BaseCache):
    """A cache in an SQLite file: answers survive restarts and are shared by processes.

    Generations are stored as JSON (chat generations with their message in dict form).

    Args:
        database_path: The SQLite file; created with its table on first use.
    """

    def __init__(self, database_path: str = ".langchain.db") -> None:
        self.database_path = database_path
        self._lock = threading.Lock()
        with self._db() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS full_llm_cache ("
                "prompt TEXT NOT NULL, llm TEXT NOT NULL, idx INTEGER NOT NULL, "
                "response TEXT, PRIMARY KEY (prompt, llm, idx))"
            )

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection for one transaction (committed on success), then closed."""
        with self._lock, contextlib.closing(sqlite3.connect(self.database_path)) as db, db:
            yield db

    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        """The cached generations for this prompt and model, or None on a miss."""
        with self._db() as db:
            rows = db.execute(
                "SELECT response FROM full_llm_cache WHERE prompt = ? AND llm = ? ORDER BY idx",
                (prompt, llm_string),
            ).fetchall()
        if not rows:
            return None
        return [_loads_generation(row[0]) for row in rows]

    def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        """Store the generations of one answer, replacing an earlier one."""
        rows = [
            (prompt, llm_string, idx, _dumps_generation(gen)) for idx, gen in enumerate(return_val)
        ]
        with self._db() as db:
            db.execute(
                "DELETE FROM full_llm_cache WHERE prompt = ? AND llm = ?", (prompt, llm_string)
            )
            db.executemany("INSERT INTO full_llm_cache VALUES (?, ?, ?, ?)", rows)

    def clear(self, **kwargs: Any) -> None:
        """Forget every entry."""
        with self._db() as db:
            db.execute("DELETE FROM full_llm_cache")


def _dumps_generation(generation: Generation) -> str:
    info = generation.generation_info
    data: dict[str, Any]
    if isinstance(generation, ChatGeneration):
        data = {"message": message_to_dict(generation.message), "generation_info": info}
    else:
        data = {"text": generation.text, "generation_info": info}
    return json.dumps(data, default=str)


def _loads_generation(text: str) -> Generation:
    data = json.loads(text)
    info = data.get("generation_info")
    if "message" in data:
        message = messages_from_dict([data["message"]])[0]
        return ChatGeneration(message=message, generation_info=info)
    return Generation(text=data["text"], generation_info=info)


_llm_cache: BaseCache | None = None


def set_llm_cache(value: BaseCache | None) -> None:
    """Set the cache every model with ``cache=None`` (the default) uses; None to turn off."""
    global _llm_cache
    _llm_cache = value


def get_llm_cache() -> BaseCache | None:
    """The cache set by `set_llm_cache`, if any."""
    return _llm_cache
