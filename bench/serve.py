#!/usr/bin/env python3
"""Load test of `runnel serve` on loopback, and the cost of events over HTTP.

    python bench/serve.py [--requests 1000] [--tokens 50] [--rounds 2] [--quick]

1. Starts `runnel serve` (one uvicorn worker) in a subprocess, serving a fake chat model
   that streams `--tokens` tokens per answer.
2. Sends `--requests` concurrent `POST /stream` requests (one connection each, a small
   asyncio HTTP/1.1 client so the client costs little), `--rounds` times; every stream must
   carry all its tokens and end with `event: end`. Reports requests/s, time to first byte
   (p50/p99) and the server's RSS (before, peak while sampling every 20 ms, after each round).
3. Per-token cost of `/stream_events` over HTTP (sequential requests; wall time and server
   CPU time) against in-process `astream_events` on the same chain.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
TOKENS = int(os.environ.get("BENCH_SERVE_TOKENS", "50"))


def make_chain(tokens: int = TOKENS) -> Any:
    """A prompt and a fake chat model answering `tokens` tokens (words and spaces)."""
    from runnel.language_models import GenericFakeChatModel
    from runnel.messages import AIMessage
    from runnel.prompts import ChatPromptTemplate

    text = "".join(f"tok{i} " for i in range(tokens // 2))
    model = GenericFakeChatModel(messages=itertools.cycle([AIMessage(content=text)]))
    return ChatPromptTemplate.from_messages([("human", "{q}")]) | model


chain = make_chain()  # the served target: bench/serve.py:chain


# -- the server process -------------------------------------------------------------------


class Server:
    def __init__(self, tokens: int) -> None:
        code = "import sys; from runnel.server._command import main; sys.exit(main(sys.argv[1:]))"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, f"{HERE}:chain", "--port", "0", "--log-level", "warning"],
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "BENCH_SERVE_TOKENS": str(tokens), "PYTHONWARNINGS": "ignore"},
        )
        self.port = self._port()

    def _port(self) -> int:
        assert self.process.stderr is not None
        # uvicorn logs at warning level only on trouble; ask the kernel instead
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("server died: " + self.process.stderr.read())
            for port in _listening_ports(self.process.pid):
                return port
            time.sleep(0.05)
        raise RuntimeError("server did not start")

    def rss_mb(self) -> float:
        return _status_kb(self.process.pid, "VmRSS") / 1024

    def hwm_mb(self) -> float:
        return _status_kb(self.process.pid, "VmHWM") / 1024

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def runqueue_seconds(self) -> float:
        """Time the server's threads were ready to run but waited for a CPU (schedstat)."""
        total = 0
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue
        return total / 1e9

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        assert self.process.stderr is not None
        self.process.stderr.close()


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _listening_ports(pid: int) -> list[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        match = re.fullmatch(r"socket:\[(\d+)\]", target)
        if match:
            inodes.add(match.group(1))
    ports = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[3] == "0A" and parts[9] in inodes:  # LISTEN
            ports.append(int(parts[1].split(":")[1], 16))
    return ports


# -- a small HTTP/1.1 SSE client ----------------------------------------------------------------


async def stream_once(port: int, path: str, body: bytes) -> tuple[float, float, bytes]:
    """POST and read a chunked SSE response to its end; (ttfb, total, body)."""
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.decode(errors="replace").splitlines()[0])
    first = await reader.read(65536)
    ttfb = time.perf_counter() - start
    rest = await reader.read()  # Connection: close: the server closes after the last chunk
    writer.close()
    return ttfb, time.perf_counter() - start, first + rest


def data_events(raw: bytes) -> int:
    return raw.count(b"event: data\r\n")


async def load(port: int, requests: int, tokens: int, server: Server) -> dict[str, Any]:
    body = json.dumps({"input": {"q": "hello"}}).encode()
    peak = [server.rss_mb()]
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            peak.append(server.rss_mb())
            await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample())
    cpu0, client0, wait0 = server.cpu_seconds(), time.process_time(), server.runqueue_seconds()
    begin = time.perf_counter()
    results = await asyncio.gather(
        *(stream_once(port, "/stream", body) for _ in range(requests)), return_exceptions=True
    )
    elapsed = time.perf_counter() - begin
    cpu, client_cpu = server.cpu_seconds() - cpu0, time.process_time() - client0
    waited = server.runqueue_seconds() - wait0
    done.set()
    await sampler
    errors = [r for r in results if isinstance(r, BaseException)]
    good = [r for r in results if not isinstance(r, BaseException)]
    incomplete = [
        r
        for r in good
        if data_events(r[2]) != tokens + 1 or not r[2].rstrip(b"\r\n0").endswith(b"event: end")
    ]
    ttfb = sorted(r[0] for r in good)
    return {
        "requests": requests,
        "errors": len(errors) + len(incomplete),
        "first_error": repr(errors[0]) if errors else None,
        "seconds": elapsed,
        "requests_per_s": requests / elapsed,
        "tokens_per_s": requests * tokens / elapsed,
        "ttfb_p50_ms": 1000 * statistics.median(ttfb) if ttfb else None,
        "ttfb_p99_ms": 1000 * ttfb[min(len(ttfb) - 1, int(0.99 * len(ttfb)))] if ttfb else None,
        "rss_peak_mb": max(peak),
        "server_cpu_ms_per_request": 1000 * cpu / requests,
        "server_cpu_share": cpu / elapsed,
        "client_cpu_share": client_cpu / elapsed,
        "server_runqueue_share": waited / elapsed,
    }


# -- per-token cost of events ------------------------------------------------------------------


async def events_over_http(
    port: int, requests: int, server: Server, tokens: int
) -> dict[str, float]:
    body = json.dumps({"input": {"q": "hello"}}).encode()
    await stream_once(port, "/stream_events", body)  # warm up
    cpu0, t0 = server.cpu_seconds(), time.perf_counter()
    events = 0
    for _ in range(requests):
        _, _, raw = await stream_once(port, "/stream_events", body)
        events += data_events(raw)
    wall, cpu = time.perf_counter() - t0, server.cpu_seconds() - cpu0
    return {
        "events_per_request": events / requests,
        "wall_us_per_token": 1e6 * wall / (requests * tokens),
        "server_cpu_us_per_token": 1e6 * cpu / (requests * tokens),
    }


async def events_in_process(requests: int, tokens: int) -> dict[str, float]:
    local = make_chain(tokens)
    async for _ in local.astream_events({"q": "hello"}):
        pass
    t0, c0, events = time.perf_counter(), time.process_time(), 0
    for _ in range(requests):
        async for _ in local.astream_events({"q": "hello"}):
            events += 1
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "events_per_request": events / requests,
        "wall_us_per_token": 1e6 * wall / (requests * tokens),
        "cpu_us_per_token": 1e6 * cpu / (requests * tokens),
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    server = Server(args.tokens)
    try:
        out: dict[str, Any] = {"tokens_per_stream": args.tokens, "rss_idle_mb": server.rss_mb()}
        body = json.dumps({"input": {"q": "hello"}}).encode()
        await stream_once(server.port, "/stream", body)  # warm up
        alone = sorted([(await stream_once(server.port, "/stream", body))[0] for _ in range(50)])
        out["ttfb_alone_p50_ms"] = 1000 * statistics.median(alone)
        rounds = []
        for _ in range(args.rounds):
            result = await load(server.port, args.requests, args.tokens, server)
            result["rss_after_mb"] = server.rss_mb()
            rounds.append(result)
        out["rounds"] = rounds
        out["rss_high_water_mb"] = server.hwm_mb()
        out["stream_events_http"] = await events_over_http(
            server.port, args.event_requests, server, args.tokens
        )
    finally:
        server.stop()
    out["astream_events_in_process"] = await events_in_process(args.event_requests, args.tokens)
    http, local = out["stream_events_http"], out["astream_events_in_process"]
    out["http_over_in_process"] = {
        "wall": http["wall_us_per_token"] / local["wall_us_per_token"],
        "cpu": http["server_cpu_us_per_token"] / local["cpu_us_per_token"],
    }
    return out


def report(out: dict[str, Any]) -> None:
    print(
        f"fake chat model, {out['tokens_per_stream']} tokens per stream; server idle RSS {out['rss_idle_mb']:.1f} MB"
    )
    print(f"one request at a time: TTFB p50 {out['ttfb_alone_p50_ms']:.1f} ms")
    for i, r in enumerate(out["rounds"], 1):
        print(
            f"round {i}: {r['requests']} concurrent /stream, errors {r['errors']}, "
            f"{r['seconds']:.2f} s, {r['requests_per_s']:.0f} req/s ({r['tokens_per_s']:.0f} tokens/s), "
            f"TTFB p50 {r['ttfb_p50_ms']:.0f} ms p99 {r['ttfb_p99_ms']:.0f} ms, "
            f"RSS peak {r['rss_peak_mb']:.1f} MB after {r['rss_after_mb']:.1f} MB, "
            f"server CPU {r['server_cpu_ms_per_request']:.2f} ms/request "
            f"(server on CPU {100 * r['server_cpu_share']:.0f}% of the time, waiting for a CPU "
            f"{100 * r['server_runqueue_share']:.0f}%; load client on CPU {100 * r['client_cpu_share']:.0f}%)"
        )
    print(f"server RSS high-water mark: {out['rss_high_water_mb']:.1f} MB")
    http, local = out["stream_events_http"], out["astream_events_in_process"]
    print(
        f"/stream_events over HTTP: {http['wall_us_per_token']:.1f} us/token wall "
        f"({http['server_cpu_us_per_token']:.1f} us/token server CPU), "
        f"{http['events_per_request']:.0f} events/request"
    )
    print(
        f"astream_events in process: {local['wall_us_per_token']:.1f} us/token wall "
        f"({local['cpu_us_per_token']:.1f} us/token CPU), {local['events_per_request']:.0f} events/request"
    )
    ratio = out["http_over_in_process"]
    print(
        f"HTTP / in-process: {ratio['wall']:.2f}x wall, {ratio['cpu']:.2f}x CPU (server's vs in-process)"
    )
    print(f"(load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--tokens", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--event-requests", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="100 requests, 1 round")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.rounds, args.event_requests = 100, 1, 20
    out = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        report(out)
    failed = sum(r["errors"] for r in out["rounds"])
    return 1 if failed else 0


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    sys.exit(main())
