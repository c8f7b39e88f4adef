"""RunnableSerializable: a runnable that is also a pydantic model (models, prompts...)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from runnel.runnables._protocol import Input, Output, Runnable

__all__ = ["RunnableSerializable"]


class RunnableSerializable(BaseModel, Runnable[Input, Output]):
    """Base for runnables configured by fields: validated, copyable, dumpable."""

    model_config = ConfigDict(arbitrary_types_allowed=True, protected_namespaces=())

    name: str | None = None

    def __repr__(self) -> str:
        return BaseModel.__repr__(self)

    def __or__(self, other: Any) -> Any:  # BaseModel defines no `|`; keep Runnable's
        return Runnable.__or__(self, other)

    def __ror__(self, other: Any) -> Any:
        return Runnable.__ror__(self, other)
