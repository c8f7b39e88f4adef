"""The `runnel` command as a whole: help, `python -m runnel`, `serve` forwarding."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from .conftest import Runner, command_env, one_line


def test_help_names_the_commands(runnel: Runner) -> None:
    done = runnel("--help")
    assert done.returncode == 0
    for command in ("demo", "run", "batch", "serve"):
        assert command in done.stdout


def test_python_dash_m_runs_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "runnel", "demo", "--list"],
        capture_output=True,
        text=True,
        env=command_env(),
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.startswith("sparkling ")


def test_unknown_command_is_a_usage_error(runnel: Runner) -> None:
    done = runnel("fly")
    assert done.returncode == 2 and "invalid choice: 'fly'" in done.stderr


def test_serve_forwards_its_arguments(runnel: Runner) -> None:
    done = runnel("serve", "--help")
    assert done.returncode == 0, done.stderr
    assert "serve" in done.stdout


def test_serve_without_the_server_extra(
    runnel: Runner, blocked: Callable[..., dict[str, str]]
) -> None:
    done = runnel("serve", "--help", env=blocked("starlette", "uvicorn"))
    assert done.returncode == 2
    assert 'pip install "runnel[server]"' in one_line(done.stderr)
