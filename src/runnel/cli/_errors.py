"""The errors a person can act on, and how the command line reports them.

`CommandError` (exit code 2) carries a one-line message naming the problem. The command
line prints `runnel <command>: <message>` on stderr; the traceback only with `--debug`.
"""

from __future__ import annotations

import sys
import traceback

__all__ = ["CommandError", "report"]


class CommandError(Exception):
    """A problem the user can fix (bad target, bad input, missing extra or key): exit 2."""


def report(command: str, error: BaseException, *, debug: bool, unexpected: bool = False) -> None:
    """Print `error` on stderr as one line (after its traceback with `debug`).

    An `unexpected` error (one the run itself raised) is prefixed with its class name and
    followed by a hint about `--debug`.
    """
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    text = " ".join(str(error).split())
    if unexpected:
        text = f"{type(error).__name__}: {text}" if text else type(error).__name__
        if not debug:
            text += " (--debug shows the traceback)"
    print(f"runnel {command}: {text}", file=sys.stderr, flush=True)
