"""`runnel serve` as a real process: startup, SIGTERM with a stream open, --workers 2."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from runnel.server._command import main

TARGET = """
import asyncio, os
from runnel.runnables import RunnableGenerator, RunnableLambda

async def _forever(inputs):
    async for _ in inputs:
        pass
    yield "first"
    await asyncio.Event().wait()  # a model that never finishes

forever = RunnableGenerator(_forever)
pid = RunnableLambda(lambda x: os.getpid())
add = RunnableLambda(lambda x: x + 1)
"""
RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


@contextmanager
def serving(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start `runnel serve` in a subprocess; yield it and its base URL once it listens."""
    (tmp_path / "served.py").write_text(TARGET)
    code = "import sys; from runnel.server._command import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args, "--port", "0", "--log-level", "info"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stderr is not None
    workers = int(args[args.index("--workers") + 1]) if "--workers" in args else 1
    found = threading.Event()
    port: list[str] = []
    log: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        started = 0
        for line in process.stderr:
            log.append(line)
            match = RUNNING.search(line)
            if match and not port:
                port.append(match.group(1))
            started += "Application startup complete" in line
            if port and started == workers:  # every worker is accepting connections
                found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not found.wait(30):
            raise AssertionError("runnel serve did not start:\n" + "".join(log))
        yield process, f"http://127.0.0.1:{port[0]}"
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(30)
        reader.join(5)
        process.stderr.close()


def test_bad_target_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no_such_module_here:chain"]) == 2
    err = capsys.readouterr().err
    expected = "target 'no_such_module_here:chain': no module named 'no_such_module_here'"
    assert err == f"runnel serve: {expected}\n"


def test_bad_workers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "served_ok.py").write_text(
        "from runnel.runnables import RunnableLambda\nadd = RunnableLambda(lambda x: x)\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["served_ok:add", "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err


def test_sigterm_ends_an_open_stream_with_a_terminal_event(tmp_path: Path) -> None:
    env = {"RUNNEL_API_KEY": "s3cret"}  # and the key comes from the environment
    key = {"x-api-key": "s3cret"}
    with (
        serving(tmp_path, "served.py:forever", "--path", "/chain", env=env) as (process, url),
        httpx.Client(timeout=10) as client,
    ):
        assert client.post(f"{url}/chain/stream", json={"input": "x"}).status_code == 401
        with client.stream(
            "POST", f"{url}/chain/stream", json={"input": "x"}, headers=key
        ) as response:
            lines = response.iter_lines()
            for line in lines:
                if line == 'data: "first"':
                    break
            process.send_signal(signal.SIGTERM)
            rest = [line for line in lines if line]
        assert rest[0] == "event: error"
        assert '"status_code": 503' in rest[1]
        # exits promptly (the stream did not hold it); uvicorn re-raises the signal at exit
        assert process.wait(15) in (0, -signal.SIGTERM)


def test_two_workers_serve_the_same_routes(tmp_path: Path) -> None:
    with serving(tmp_path, "served:pid", "--workers", "2") as (process, url):
        pids = set()
        for _ in range(200):
            with httpx.Client(timeout=10) as client:  # a fresh connection each time
                pids.add(client.post(f"{url}/invoke", json={"input": 0}).json()["output"])
            if len(pids) == 2:
                break
        assert len(pids) == 2
        assert process.pid not in pids
        with (
            httpx.Client(timeout=10) as client,
            client.stream("POST", f"{url}/stream", json={"input": 0}) as response,
        ):
            body = response.read().decode()
        assert body.startswith("event: metadata") and body.endswith("event: end\r\n\r\n")
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) in (0, -signal.SIGTERM)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_chat_endpoint_options_reach_every_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    import uvicorn
    from starlette.testclient import TestClient

    from runnel.server._app import ENV_VAR, create_app

    (tmp_path / "served_chat.py").write_text(
        "from runnel.runnables import RunnableLambda\nanswer = RunnableLambda(lambda x: 'hi')\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # main adds the cwd for workers
    monkeypatch.setenv(ENV_VAR, "")  # restored after the test; main sets it for workers
    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(app))
    argv = ["served_chat:answer", "--workers", workers, "--openai-model", "m-1"]
    assert main([*argv, "--vercel-sdk-version", "7"]) == 0
    app = create_app() if workers == "2" else started[0]  # workers build it from the env
    client = TestClient(app)
    assert [m["id"] for m in client.get("/v1/models").json()["data"]] == ["m-1"]
    user = {"id": "u", "role": "user", "parts": [{"type": "text", "text": "x"}]}
    text = client.post("/vercel/chat", json={"id": "c", "messages": [user]}).text
    assert '{"type":"finish","finishReason":"stop"}' in text  # sdk_version 7


def test_an_unknown_vercel_sdk_version_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["served:add", "--vercel-sdk-version", "4"])
    assert exited.value.code == 2
    assert "--vercel-sdk-version" in capsys.readouterr().err
