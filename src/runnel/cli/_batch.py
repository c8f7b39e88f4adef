"""`runnel batch`: a JSON-lines file through a runnable's `abatch_as_completed`.

Each input gives one output line, in input order, written as soon as every line before it
is done: ``{"line": 3, "output": ...}``, or ``{"line": 3, "error": {"type": ...,
"message": ...}}`` for an input that failed (the others go on: `return_exceptions`).
"""

from __future__ import annotations

import asyncio
import json
import sys
from contextlib import aclosing
from typing import Any, TextIO

from runnel.cli._errors import CommandError
from runnel.cli._inputs import read_json_lines
from runnel.cli._progress import Progress, progress
from runnel.cli._target import load_target
from runnel.runnables import Runnable, RunnableConfig
from runnel.tracers import to_jsonable

__all__ = ["batch_target", "record"]


def batch_target(
    target: str, input_file: str, *, output: str | None, max_concurrency: int | None
) -> int:
    """Run the target on every line of `input_file`; returns 0, or 1 if any input failed.

    Raises:
        CommandError: the input file is unreadable or has a line that is not JSON, the
            output file cannot be written, or `max_concurrency` is below 1.
        TargetError: the target cannot be loaded.
    """
    if max_concurrency is not None and max_concurrency < 1:
        raise CommandError(f"--max-concurrency must be at least 1, not {max_concurrency}")
    lines = read_json_lines(input_file)
    runnable = load_target(target)
    try:
        out = sys.stdout if output is None else open(output, "w", encoding="utf-8")  # noqa: SIM115
    except OSError as error:
        raise CommandError(f"cannot write {output!r}: {error.strerror or error}") from error
    try:
        with progress(len(lines)) as bar:
            asyncio.run(_batch(runnable, lines, out, bar, max_concurrency))
    finally:
        if out is not sys.stdout:
            out.close()
    if bar.failed:
        where = "the output" if output is None else repr(output)
        print(
            f'runnel batch: {bar.failed} of {len(lines)} inputs failed (see their "error" in'
            f" {where})",
            file=sys.stderr,
        )
        return 1
    return 0


async def _batch(
    runnable: Runnable[Any, Any],
    lines: list[tuple[int, Any]],
    out: TextIO,
    bar: Progress,
    max_concurrency: int | None,
) -> None:
    config: RunnableConfig = {}
    if max_concurrency is not None:
        config["max_concurrency"] = max_concurrency
    inputs = [value for _, value in lines]
    finished: dict[int, Any] = {}
    written = 0
    results = runnable.abatch_as_completed(inputs, config, return_exceptions=True)
    async with aclosing(results) as each:  # type: ignore[type-var]
        async for index, result in each:
            finished[index] = result
            bar.advance(failed=isinstance(result, Exception))
            while written in finished:
                line = record(lines[written][0], finished.pop(written))
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                out.flush()
                written += 1


def record(line: int, result: Any) -> dict[str, Any]:
    """The output line for input `line`: its output, or the error it raised."""
    if isinstance(result, Exception):
        return {"line": line, "error": {"type": type(result).__name__, "message": str(result)}}
    return {"line": line, "output": to_jsonable(result)}
