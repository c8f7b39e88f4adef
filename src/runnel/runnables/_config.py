"""RunnableConfig: the per-call options every runnable accepts, and how they propagate."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypedDict, cast

from runnel._core.run import CallbackManager

if TYPE_CHECKING:
    from runnel.callbacks.manager import Callbacks

__all__ = [
    "DEFAULT_RECURSION_LIMIT",
    "RunnableConfig",
    "ensure_config",
    "get_config_list",
    "merge_configs",
    "patch_config",
]

DEFAULT_RECURSION_LIMIT = 25


class RunnableConfig(TypedDict, total=False):
    """Options for one call of a runnable; children inherit all but `run_name`/`run_id`."""

    tags: list[str]
    metadata: dict[str, Any]
    callbacks: Callbacks
    run_name: str
    max_concurrency: int | None
    recursion_limit: int
    configurable: dict[str, Any]
    run_id: uuid.UUID | None


_KNOWN_KEYS = frozenset(RunnableConfig.__annotations__)
# configurable values copied into metadata, as langchain-core does.
_COPIED_CONFIGURABLE = ("model", "checkpoint_ns")

# The config a runnable invoked right now, inside a parent's user function, inherits.
child_config_var: ContextVar[RunnableConfig | None] = ContextVar(
    "runnel_child_config", default=None
)


def ensure_config(config: RunnableConfig | None = None) -> RunnableConfig:
    """Return a complete config: the inherited one (context) overlaid with `config`.

    Unknown top-level keys are moved into `configurable`; the inheritable tags and
    metadata of a `CallbackManager` given as `callbacks` are merged in.
    """
    parent = child_config_var.get()
    out: RunnableConfig
    if parent is not None:
        out = parent.copy()
    else:
        out = {
            "tags": [],
            "metadata": {},
            "callbacks": None,
            "recursion_limit": DEFAULT_RECURSION_LIMIT,
            "configurable": {},
        }
    if config:
        for key, value in config.items():
            if value is None and key not in ("run_id", "max_concurrency", "callbacks"):
                continue
            if key in _KNOWN_KEYS:
                out[key] = value  # type: ignore[literal-required]
            else:
                out["configurable"] = {**out.get("configurable", {}), key: value}
        callbacks = out.get("callbacks")
        if isinstance(callbacks, CallbackManager):
            # From `run_manager.get_child()`: the parent run's tags and metadata.
            if callbacks.inheritable_tags:
                tags = out.get("tags", [])
                out["tags"] = [*tags, *(t for t in callbacks.inheritable_tags if t not in tags)]
            if callbacks.inheritable_metadata:
                out["metadata"] = {**callbacks.inheritable_metadata, **out.get("metadata", {})}
        configurable = out.get("configurable")
        if configurable:
            extra = {
                k: configurable[k]
                for k in _COPIED_CONFIGURABLE
                if isinstance(configurable.get(k), str) and k not in out.get("metadata", {})
            }
            if extra:
                out["metadata"] = {**out.get("metadata", {}), **extra}
    return out


def merge_configs(*configs: RunnableConfig | None) -> RunnableConfig:
    """Merge configs left to right: tags unioned (sorted), dicts merged, callbacks joined."""
    from runnel.callbacks.manager import merge_callbacks

    out: RunnableConfig = {}
    for config in configs:
        if not config:
            continue
        for key, value in cast(dict[str, Any], config).items():
            if key == "tags":
                out["tags"] = sorted(set(out.get("tags", [])) | set(value or []))
            elif key in ("metadata", "configurable"):
                merged = {**cast(dict[str, Any], out.get(key, {})), **(value or {})}
                out[key] = merged  # type: ignore[literal-required]
            elif key == "callbacks":
                out["callbacks"] = merge_callbacks(out.get("callbacks"), value)
            elif key == "recursion_limit":
                if value != DEFAULT_RECURSION_LIMIT:
                    out["recursion_limit"] = value
            elif value is not None or key not in out:
                out[key] = value  # type: ignore[literal-required]
    return out


def patch_config(
    config: RunnableConfig | None,
    *,
    callbacks: Callbacks = None,
    recursion_limit: int | None = None,
    max_concurrency: int | None = None,
    run_name: str | None = None,
    configurable: dict[str, Any] | None = None,
) -> RunnableConfig:
    """Return a copy of `config` with the given keys replaced.

    Replacing `callbacks` drops `run_name` and `run_id`, which belong to one run only.
    """
    out = ensure_config(config).copy()
    if callbacks is not None:
        out["callbacks"] = callbacks
        out.pop("run_name", None)
        out.pop("run_id", None)
    if recursion_limit is not None:
        out["recursion_limit"] = recursion_limit
    if max_concurrency is not None:
        out["max_concurrency"] = max_concurrency
    if run_name is not None:
        out["run_name"] = run_name
    if configurable is not None:
        out["configurable"] = {**out.get("configurable", {}), **configurable}
    return out


def get_config_list(
    config: RunnableConfig | Sequence[RunnableConfig] | None, length: int
) -> list[RunnableConfig]:
    """One config per input: a list is used as is, a single config is shared.

    A shared config with a `run_id` keeps it only for the first input.

    Raises:
        ValueError: a list of configs whose length differs from the inputs'.
    """
    if length < 0:
        raise ValueError(f"length must be >= 0, got {length}")
    if isinstance(config, Sequence) and not isinstance(config, dict):
        if len(config) != length:
            raise ValueError(
                f"got {len(config)} configs for {length} inputs; pass one config or one per input"
            )
        return [ensure_config(c) for c in config]
    base = ensure_config(cast("RunnableConfig | None", config))
    if base.get("run_id") is not None and length > 1:
        rest = base.copy()
        rest.pop("run_id")
        return [base] + [rest] * (length - 1)
    return [base] * length
