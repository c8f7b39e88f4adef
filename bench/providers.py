#!/usr/bin/env python3
"""What `ChatOpenAI.astream` adds to the raw openai SDK stream, against the same local server.

    python bench/providers.py [--tokens 2000] [--runs 15]

Both sides stream the same scripted reply (N tokens, no delay) from one in-process
`FakeProviderServer`, with ``stream_options.include_usage`` (which ChatOpenAI always asks
for). The raw side iterates ``AsyncOpenAI().chat.completions.create(stream=True)`` and reads
each delta's content; the runnel side iterates ``ChatOpenAI(...).astream(...)`` (no callbacks
attached). Runs alternate between the two sides; medians are reported:

* time to first token: from the call to the first chunk with text, on a 3-token reply
  (the fake server renders a whole reply before its first byte);
* per-token time: (whole stream - time to first token) / N;
* added: runnel minus raw. Targets: < 1 ms to the first token, < 10 µs per token.

runnel reads the response's SSE lines itself (the SDK's typed stream cannot tell ``[DONE]``
from a cut connection) and so skips the SDK's per-chunk model construction: it is faster
than the raw SDK stream. A third side, "lines", iterates the same raw lines and
``json.loads`` them: "over lines" is what runnel's decoder, message chunks and Runnable
plumbing cost on top of the transport.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
from collections.abc import Awaitable, Callable

import openai

from runnel.providers.openai import ChatOpenAI
from runnel.testing import FakeProviderServer, Reply

MODEL = "gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "Count to a big number."}]

Timing = tuple[float, float]  # (seconds to the first token, seconds for the whole stream)


async def raw(client: openai.AsyncOpenAI) -> Timing:
    started = time.perf_counter()
    first = 0.0
    stream = await client.chat.completions.create(
        model=MODEL,
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content and not first:
            first = time.perf_counter()
    return first - started, time.perf_counter() - started


async def lines(client: openai.AsyncOpenAI) -> Timing:
    """The floor under runnel's path: the SDK's request, the raw SSE lines, ``json.loads``."""
    started = time.perf_counter()
    first = 0.0
    async with client.chat.completions.with_streaming_response.create(
        model=MODEL,
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    ) as response:
        async for line in response.iter_lines():
            if line.startswith("data: {"):
                chunk = json.loads(line[6:])
                choices = chunk["choices"]
                if choices and choices[0]["delta"].get("content") and not first:
                    first = time.perf_counter()
    return first - started, time.perf_counter() - started


async def ours(model: ChatOpenAI) -> Timing:
    started = time.perf_counter()
    first = 0.0
    async for chunk in model.astream(MESSAGES):
        if chunk.content and not first:
            first = time.perf_counter()
    return first - started, time.perf_counter() - started


async def measure(tokens: int, runs: int) -> dict[str, float]:
    long = Reply([f" t{i}" for i in range(tokens)])
    short = Reply([" a", " b", " c"])  # for the first token: the server renders less first
    async with FakeProviderServer() as server:
        client = openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="sk-bench", max_retries=0)
        model = ChatOpenAI(model=MODEL, api_key="sk-bench", base_url=server.url + "/v1")
        sides: dict[str, Callable[[], Awaitable[Timing]]] = {
            "raw": lambda: raw(client),
            "lines": lambda: lines(client),
            "runnel": lambda: ours(model),
        }
        for side in sides.values():  # warm up: connections, imports, caches
            server.push(short)
            await side()
        firsts: dict[str, list[float]] = {name: [] for name in sides}
        wholes: dict[str, list[Timing]] = {name: [] for name in sides}
        for _ in range(runs):
            for name, side in sides.items():
                gc.collect()
                server.push(short)
                firsts[name].append((await side())[0])
                gc.collect()
                server.push(long)
                wholes[name].append(await side())
        await client.close()
    figures: dict[str, float] = {}
    for name in sides:
        figures[f"{name} first token ms"] = statistics.median(firsts[name]) * 1e3
        figures[f"{name} per token us"] = (
            statistics.median((t[1] - t[0]) / (tokens - 1) for t in wholes[name]) * 1e6
        )
        figures[f"{name} whole stream ms"] = statistics.median(t[1] for t in wholes[name]) * 1e3
    figures["added first token ms"] = (
        figures["runnel first token ms"] - figures["raw first token ms"]
    )
    figures["added per token us"] = figures["runnel per token us"] - figures["raw per token us"]
    figures["over lines first token ms"] = (
        figures["runnel first token ms"] - figures["lines first token ms"]
    )
    figures["over lines per token us"] = (
        figures["runnel per token us"] - figures["lines per token us"]
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    figures = asyncio.run(measure(args.tokens, args.runs))
    width = max(map(len, figures))
    print(f"{args.tokens} tokens, median of {args.runs} runs per side")
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:10.3f}")
    first, per_token = figures["added first token ms"], figures["added per token us"]
    print(
        f"targets: first token +{first:.3f} ms (< 1 ms: {'met' if first < 1 else 'MISSED'}), "
        f"per token +{per_token:.2f} us (< 10 us: {'met' if per_token < 10 else 'MISSED'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
