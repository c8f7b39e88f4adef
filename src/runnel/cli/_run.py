"""`runnel run`: one input through a runnable, as a result, a stream, events or a run log.

Everything runs on the async path under `asyncio.run`, so Ctrl-C cancels the run where it
waits (a provider request included) and every stream is closed on the way out.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypedDict, TypeVar, cast

from runnel.cli._errors import CommandError
from runnel.cli._inputs import read_input
from runnel.cli._render import ChunkWriter, dumps, event_line, use_colour
from runnel.cli._target import load_target
from runnel.runnables import Runnable

__all__ = ["FILTERS", "RunOptions", "run_target"]

T = TypeVar("T")

Mode = Literal["invoke", "stream", "events", "log"]

#: The `astream_events` / `astream_log` filters, as `--include-names` ... options.
FILTERS = (
    "include_names",
    "include_types",
    "include_tags",
    "exclude_names",
    "exclude_types",
    "exclude_tags",
)


class _Filters(TypedDict, total=False):
    include_names: list[str]
    include_types: list[str]
    include_tags: list[str]
    exclude_names: list[str]
    exclude_types: list[str]
    exclude_tags: list[str]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What `runnel run` was asked to do.

    Attributes:
        target: `module:attribute` or `path/to/file.py:attribute`.
        input: `--input`, a JSON text.
        input_file: `--input-file`, a file holding one JSON value (`-` is stdin).
        mode: invoke (print the result), stream, events or log.
        filters: event filters by name (`include_names` ...), for events and log.
        json: JSON lines even on a terminal.
    """

    target: str
    input: str | None = None
    input_file: str | None = None
    mode: Mode = "invoke"
    filters: Mapping[str, Sequence[str]] | None = None
    json: bool = False


def run_target(options: RunOptions) -> int:
    """Run the target on the input and print what the mode asks for; returns the exit code.

    Raises:
        CommandError: bad input, or filters without `--events` / `--log`.
        TargetError: the target cannot be loaded.
        KeyboardInterrupt: Ctrl-C (the run is cancelled and its streams closed first).
    """
    given = options.filters or {}
    filters = cast(_Filters, {name: list(given[name]) for name in FILTERS if given.get(name)})
    if filters and options.mode not in ("events", "log"):
        raise CommandError("--include-* and --exclude-* filter --events and --log output")
    value = read_input(options.input, options.input_file)
    runnable = load_target(options.target)
    out = ChunkWriter(sys.stdout, json_lines=options.json)
    try:
        asyncio.run(_run(runnable, value, options.mode, filters, out))
    finally:
        out.end_line()
    return 0


async def _run(
    runnable: Runnable[Any, Any],
    value: Any,
    mode: Mode,
    filters: _Filters,
    out: ChunkWriter,
) -> None:
    if mode == "invoke":
        out.write(await runnable.ainvoke(value))
    elif mode == "stream":
        async with _closing(runnable.astream(value)) as chunks:
            async for chunk in chunks:
                out.write(chunk)
    elif mode == "log":
        async with _closing(runnable.astream_log(value, **filters)) as patches:
            async for patch in patches:
                _line(out, dumps(patch))
    else:
        stream = runnable.astream_events(value, version="v2", **filters)
        terminal = not out.json_lines and out.out.isatty()
        colour = terminal and use_colour(out.out)
        async with _closing(stream) as events:
            async for event in events:
                if terminal:
                    width = shutil.get_terminal_size().columns
                    _line(out, event_line(event, width=width, colour=colour))
                else:
                    _line(out, dumps(event))


def _line(out: ChunkWriter, text: str) -> None:
    out.out.write(text + "\n")
    out.out.flush()


@asynccontextmanager
async def _closing(stream: AsyncIterator[T]) -> AsyncIterator[AsyncIterator[T]]:
    """Close `stream` on the way out, however the loop over it ends."""
    try:
        yield stream
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
