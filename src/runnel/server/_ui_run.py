"""Running the served runnable for a chat endpoint: its events read as `Part` values.

`arun_parts` reads the run; `aencode` writes it as a chat stream (`data: <chunk>` frames
ended by `data: [DONE]`, the framing OpenAI's and the AI SDK's streams share) through an
encoder of that endpoint's chunks.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any, Protocol, cast

from runnel.runnables import Runnable, RunnableConfig
from runnel.runnables._utils import aclosing
from runnel.server._ui_parts import Part, PartReader

__all__ = [
    "DONE",
    "ChunkEncoder",
    "aencode",
    "arun_parts",
    "declared_options",
    "run_id_of",
    "with_configurable",
]

DONE = b"data: [DONE]\n\n"
"""The frame that ends a chat stream (OpenAI's and the AI SDK's)."""


class ChunkEncoder(Protocol):
    """Turns a run's parts into one endpoint's stream chunks."""

    def start(self) -> list[dict[str, Any]]:
        """The chunks that open the answer."""
        ...

    def feed(self, part: Part) -> list[dict[str, Any]]:
        """The chunks for one part."""
        ...


async def arun_parts(
    runnable: Runnable[Any, Any], value: Any, config: RunnableConfig
) -> AsyncGenerator[list[Part], None]:
    """Run `runnable` on `value` and yield the parts of its events, as they come.

    Leaving early (or a cancellation) stops the run and closes its streams.

    Raises:
        Exception: whatever the run raised, after the parts produced before it.
    """
    reader = PartReader()
    events = cast(
        AsyncGenerator[dict[str, Any], None],
        runnable.astream_events(value, config, version="v2"),
    )
    async with aclosing(events):
        async for event in events:
            parts = reader.feed(event)
            if parts:
                yield parts


async def aencode(
    runnable: Runnable[Any, Any],
    value: Any,
    config: RunnableConfig,
    encoder: ChunkEncoder,
    frames: Callable[[list[dict[str, Any]]], bytes],
) -> AsyncIterator[bytes]:
    """Run `runnable` and yield its answer as `frames` of `encoder`'s chunks, then `DONE`.

    The opening chunks wait for the run's first part, so a failure before it is still an
    HTTP status rather than an in-stream error.

    Raises:
        Exception: whatever the run raised, after the frames produced before it.
    """
    first = True
    async with aclosing(arun_parts(runnable, value, config)) as batches:
        async for parts in batches:
            chunks = encoder.start() if first else []
            first = False
            for part in parts:
                chunks.extend(encoder.feed(part))
            if chunks:
                yield frames(chunks)
    yield DONE


def declared_options(runnable: Runnable[Any, Any], names: tuple[str, ...]) -> frozenset[str]:
    """Which of `names` the runnable declares as configurable fields (by spec id)."""
    ids = {getattr(spec, "id", None) for spec in runnable.config_specs}
    return frozenset(name for name in names if name in ids)


def with_configurable(config: RunnableConfig, values: dict[str, Any]) -> RunnableConfig:
    """`config` with `values` set in its `configurable` (client values win)."""
    if not values:
        return config
    out = dict(config)
    out["configurable"] = {**values, **(config.get("configurable") or {})}
    return out  # type: ignore[return-value]


def run_id_of(config: RunnableConfig) -> str:
    """The run id the server chose for this request (as a string)."""
    run_id = config.get("run_id")
    return str(run_id) if isinstance(run_id, uuid.UUID) else str(uuid.uuid4())
