"""Response caches for models (as `langchain_core.caches`, plus `SQLiteCache`).

`set_llm_cache` / `get_llm_cache` (LangChain: `langchain_core.globals`) set and read the
cache every model with ``cache=None`` uses.
"""

from runnel.language_models._cache import (
    RETURN_VAL_TYPE,
    BaseCache,
    InMemoryCache,
    SQLiteCache,
    get_llm_cache,
    set_llm_cache,
)

__all__ = [
    "RETURN_VAL_TYPE",
    "BaseCache",
    "InMemoryCache",
    "SQLiteCache",
    "get_llm_cache",
    "set_llm_cache",
]
