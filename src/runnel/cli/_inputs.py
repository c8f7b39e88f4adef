"""Reading a run's input: one JSON value (`--input`, `--input-file`) or JSON lines (batch)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from runnel.cli._errors import CommandError

__all__ = ["read_input", "read_json_lines"]


def read_input(text: str | None, file: str | None) -> Any:
    """The JSON value given by `--input TEXT` or `--input-file FILE` (`-` is stdin).

    Raises:
        CommandError: neither or both are given, the file is unreadable, or it is not JSON.
    """
    if text is not None and file is not None:
        raise CommandError("give --input or --input-file, not both")
    if text is not None:
        return _parse(text, "--input", quote_hint=True)
    if file is not None:
        return _parse(_read(file), f"input file {file!r}")
    raise CommandError(
        "no input: pass --input JSON (a string needs quotes: '\"hi\"') or --input-file FILE"
    )


def read_json_lines(file: str) -> list[tuple[int, Any]]:
    """The `(line number, value)` of each non-blank line of a JSON-lines file (`-` is stdin).

    Raises:
        CommandError: the file is unreadable or a line is not JSON (its number is named).
    """
    values = []
    for number, line in enumerate(_read(file).splitlines(), start=1):
        if line.strip():
            values.append((number, _parse(line, f"{file}:{number}")))
    return values


def _read(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot read {file!r}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise CommandError(f"cannot read {file!r}: not UTF-8 text") from error


def _parse(text: str, where: str, *, quote_hint: bool = False) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        hint = " (a string needs JSON quotes: '\"hi\"')" if quote_hint else ""
        raise CommandError(
            f"{where} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
            f"{hint}"
        ) from error
