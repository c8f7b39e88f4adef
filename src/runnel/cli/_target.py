"""Find the runnable a command line names: `module:attribute` or `path/to/file.py:attribute`.

`load_target` accepts a `Runnable` instance, or a plain function (`def`, `async def`, a
generator or async generator function, a lambda), which it wraps the way `|` would
(`RunnableLambda` / `RunnableGenerator`). Anything else, classes and other callable objects
included, is refused: a class usually means "instantiate me first", and a callable object is
too often something that is not meant to be run.

Every problem a person can fix raises `TargetError` with a one-line message; the original
exception, if any, is chained as `__cause__` for `--debug`.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from runnel.runnables import Runnable, coerce_to_runnable

__all__ = ["TargetError", "load_target"]

_FORM = "expected module:attribute or path/to/file.py:attribute"


class TargetError(ValueError):
    """The target cannot be loaded; the message is one line naming the problem."""


def load_target(spec: str) -> Runnable[Any, Any]:
    """Import the runnable named by `module:attribute` or `path/to/file.py:attribute`.

    The attribute may be dotted (`module:holder.chain`). A module name is searched from the
    current directory first, as `python -m` would.

    Raises:
        TargetError: the spec is malformed, the module or file is missing or fails to import,
            the attribute is missing, or it is neither a runnable nor a plain function.
    """
    where, sep, attribute = spec.rpartition(":")
    if not sep or not where or not attribute:
        raise TargetError(f"target {spec!r}: {_FORM}")
    if where.endswith(".py") or os.sep in where or "/" in where:
        module = _import_file(Path(where), spec)
    else:
        module = _import_module(where, spec)
    value: Any = module
    for part in attribute.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise TargetError(f"target {spec!r}: {where} has no attribute {attribute!r}") from None
    return _as_runnable(value, spec)


def _import_module(name: str, spec: str) -> ModuleType:
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (name == missing or name.startswith(missing + ".")):
            raise TargetError(f"target {spec!r}: no module named {name!r}") from exc
        raise TargetError(f"target {spec!r}: importing {name} failed: {_one_line(exc)}") from exc
    except Exception as exc:
        raise TargetError(f"target {spec!r}: importing {name} failed: {_one_line(exc)}") from exc


def _import_file(path: Path, spec: str) -> ModuleType:
    if not path.is_file():
        raise TargetError(f"target {spec!r}: no such file {str(path)!r}")
    resolved = path.resolve()
    name = f"_runnel_target_{abs(hash(str(resolved))):x}"
    if name in sys.modules:
        return sys.modules[name]
    module_spec = importlib.util.spec_from_file_location(name, resolved)
    if module_spec is None or module_spec.loader is None:
        raise TargetError(f"target {spec!r}: cannot import {str(path)!r} as Python")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module  # dataclasses and pydantic look their module up while defining
    folder = str(resolved.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # the file's sibling modules import as they would in a script
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise TargetError(f"target {spec!r}: importing {path} failed: {_one_line(exc)}") from exc
    return module


def _as_runnable(value: Any, spec: str) -> Runnable[Any, Any]:
    if isinstance(value, Runnable):
        return value
    if inspect.isfunction(value):
        return coerce_to_runnable(value)
    if inspect.isclass(value):
        raise TargetError(
            f"target {spec!r} is the class {value.__name__}, not a runnable: "
            "point at an instance (chain = MyRunnable(...))"
        )
    raise TargetError(
        f"target {spec!r} is of type {type(value).__name__}, not a runnable or a plain function"
    )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
