"""`runnel serve ...`: forwarded to `runnel.server._command.main`, imported when used."""

from __future__ import annotations

from collections.abc import Sequence

from runnel.cli._errors import CommandError

__all__ = ["serve"]

_SERVER_MODULES = ("starlette", "uvicorn", "httpx")


def serve(argv: Sequence[str]) -> int:
    """Run `runnel serve` with its arguments; returns its exit code.

    Raises:
        CommandError: the server extra (starlette, uvicorn) is not installed.
    """
    try:
        from runnel.server._command import main

        code: int = main(list(argv))
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] in _SERVER_MODULES:
            raise CommandError(
                f'the server needs its extra: pip install "runnel[server]" (missing {error.name})'
            ) from error
        raise
    return code
