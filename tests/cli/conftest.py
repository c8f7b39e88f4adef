"""Run the installed `runnel` command the way a user does."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

RUNNEL = str(Path(sys.executable).with_name("runnel"))
TARGETS = str(Path(__file__).with_name("targets.py"))

Runner = Callable[..., subprocess.CompletedProcess[str]]


def command_env(**extra: str) -> dict[str, str]:
    """The environment for a `runnel` subprocess: ours, without colour settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(extra)
    return env


@pytest.fixture
def runnel(tmp_path: Path) -> Runner:
    """`runnel(*args, input=None, env=None)`: run the command in a scratch directory."""

    def run(
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [RUNNEL, *args],
            input=input,
            capture_output=True,
            text=True,
            cwd=cwd or tmp_path,
            env=command_env(**(env or {})),
            timeout=60,
            stdin=None if input is not None else subprocess.DEVNULL,
        )

    return run


@pytest.fixture
def blocked(tmp_path: Path) -> Callable[..., dict[str, str]]:
    """`blocked("rich", "openai")`: an environment in which importing those modules fails."""

    def block(*modules: str) -> dict[str, str]:
        shims = tmp_path / "blocked"
        for module in modules:
            package = shims / module
            package.mkdir(parents=True, exist_ok=True)
            message = f"No module named {module!r} (blocked by the test)"
            (package / "__init__.py").write_text(
                f"raise ModuleNotFoundError({message!r}, name={module!r})\n"
            )
        return {"PYTHONPATH": str(shims)}

    return block


def has_module(name: str) -> bool:
    """Whether `name` can be imported (other parts of runnel may not be written yet)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def one_line(text: str) -> str:
    """The single line of `text`, failing if there is not exactly one (or a traceback)."""
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]
