"""Ctrl-C during a streamed run: the run is cancelled, its streams closed, exit code 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from .conftest import RUNNEL, TARGETS, command_env, has_module

PROVIDER_TARGET = str(Path(TARGETS).with_name("provider_target.py"))


def streaming(output: bytes, mode: list[str]) -> bool:
    """Whether the first word has come out of the end of the chain (through every step)."""
    if mode == ["--stream"]:
        return b"w0" in output
    whole_lines = output.decode().splitlines()[: output.count(b"\n")]
    return any(
        event["event"] == "on_chain_stream" and not event["parent_ids"]
        for event in map(json.loads, whole_lines)
    )


@pytest.mark.parametrize("mode", [["--stream"], ["--events", "--json"]])
def test_sigint_stops_the_stream_cleanly(mode: list[str]) -> None:
    process = subprocess.Popen(
        [RUNNEL, "run", f"{TARGETS}:slow", "--input", '"go"', *mode],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=command_env(),
    )
    assert process.stdout is not None
    first = b""
    while not streaming(first, mode):
        data = os.read(process.stdout.fileno(), 4096)
        assert data, "the run ended before streaming"
        first += data
    process.send_signal(signal.SIGINT)
    rest, err = process.communicate(timeout=30)
    assert process.returncode == 130
    output = (first + rest).decode()
    assert "w39" not in output  # the 40-word stream did not run to its end
    assert output.endswith("\n")  # whole lines only
    if mode == ["--stream"]:
        assert output.startswith("w0") and output.count("\n") == 1
    assert err.decode().splitlines() == ["[slow stream closed]", "runnel run: interrupted"]


@pytest.mark.skipif(
    not (has_module("runnel.providers.openai") and has_module("runnel.testing")),
    reason="needs the OpenAI provider and runnel.testing",
)
def test_sigint_cancels_the_provider_request() -> None:
    from runnel.testing import FakeProviderServer, Reply

    words = " ".join(f"w{i}" for i in range(40))
    with FakeProviderServer(default=Reply(words, delay=0.2)) as server:
        env = command_env(OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=f"{server.url}/v1")
        process = subprocess.Popen(
            [RUNNEL, "run", f"{PROVIDER_TARGET}:chain", "--input", '"go"', "--stream"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert process.stdout is not None
        first = b""
        while not streaming(first, ["--stream"]):
            data = os.read(process.stdout.fileno(), 4096)
            assert data, "the run ended before streaming"
            first += data
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=30)
        gone = server.wait_for_disconnect(timeout=10)
    assert process.returncode == 130
    assert err.decode().splitlines() == ["runnel run: interrupted"]
    assert "w39" not in (first + rest).decode()
    assert gone.path.endswith("/chat/completions") and gone.tokens_sent < 40
