"""`runnel run --events` on a terminal: one coloured line per event (under a pseudo-terminal)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios

import pytest

from . import targets
from .conftest import RUNNEL, TARGETS, command_env

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# phase (6 wide), run type (10 wide), then the name indented two spaces per depth
LINE = re.compile(
    r"^(start |stream|end   ) (chain|prompt|chat_model|parser) *(?<=^.{18})( *)(\S+)( .*)?$"
)
PARROT = {"topic": "parrot"}
COLUMNS = 72


def run_in_terminal(*args: str, **env: str) -> tuple[int, list[str]]:
    """Run `runnel` with stdout and stderr on a pseudo-terminal `COLUMNS` wide."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
    environment = command_env(**env)
    environment.pop("COLUMNS", None)
    environment.pop("LINES", None)
    process = subprocess.Popen(
        [RUNNEL, *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=environment,
    )
    os.close(follower)
    output = bytearray()
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: every writer closed the terminal
            break
        if not data:
            break
        output += data
    os.close(leader)
    code = process.wait(timeout=60)
    return code, output.decode().replace("\r\n", "\n").splitlines()


def expected_events() -> list[dict[str, object]]:
    return list(targets.chain.stream_events(PARROT))


def test_events_on_a_terminal_are_coloured_lines() -> None:
    code, lines = run_in_terminal(
        "run", f"{TARGETS}:chain", "--input", json.dumps(PARROT), "--events"
    )
    assert code == 0
    events = expected_events()
    assert len(lines) == len(events)
    for line, event in zip(lines, events, strict=True):
        assert ANSI.search(line), line
        plain = ANSI.sub("", line)
        assert len(plain) <= COLUMNS
        match = LINE.match(plain)
        assert match, plain
        phase, run_type, indent, name = match.group(1, 2, 3, 4)
        assert str(event["event"]) == f"on_{run_type}_{phase.strip()}"
        assert len(indent) == 2 * len(event["parent_ids"])  # type: ignore[arg-type]
        assert name == event["name"] or plain.endswith("...")
    streamed = [ANSI.sub("", line) for line in lines if ANSI.sub("", line).startswith("stream")]
    assert any(line.endswith("ai: 'parrot'") for line in streamed)
    assert any(line.endswith("'parrot'") and "parser" in line for line in streamed)


@pytest.mark.parametrize(("flag", "env"), [("--json", {}), (None, {"NO_COLOR": "1"})])
def test_json_or_no_colour_on_a_terminal(flag: str | None, env: dict[str, str]) -> None:
    args = ["run", f"{TARGETS}:chain", "--input", json.dumps(PARROT), "--events"]
    code, lines = run_in_terminal(*args, *([flag] if flag else []), **env)
    assert code == 0
    assert not any(ANSI.search(line) for line in lines)
    if flag == "--json":
        assert [json.loads(line)["event"] for line in lines] == [
            e["event"] for e in expected_events()
        ]
    else:
        assert all(LINE.match(line) for line in lines)
