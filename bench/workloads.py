"""Benchmark workloads, written once against the contract's names.

Run by `bench/run.py` under two interpreters: this checkout's (``--impl runnel``)
and a scratch virtualenv with langchain-core (``--impl lc``). Prints one JSON
object of figures (µs per token, µs per call, ...) on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import statistics
import time
from typing import Any

N_TOKENS = 2000
REPEAT = 5
REPEAT_CONCURRENT = 7  # the noisiest figure: more runs for its median


def load(impl: str) -> dict[str, Any]:
    root = "runnel" if impl == "runnel" else "langchain_core"
    names: dict[str, Any] = {}
    for module, wanted in {
        "prompts": ["ChatPromptTemplate"],
        "output_parsers": ["StrOutputParser", "JsonOutputParser"],
        "language_models": ["BaseChatModel"],
        "messages": ["AIMessage", "AIMessageChunk"],
        "outputs": ["ChatGeneration", "ChatGenerationChunk", "ChatResult"],
    }.items():
        mod = importlib.import_module(f"{root}.{module}")
        for name in wanted:
            names[name] = getattr(mod, name)
    return names


def token_model_class(ns: dict[str, Any]) -> Any:
    """A chat model streaming a fixed token list natively (sync and async)."""
    AIMessage, AIMessageChunk = ns["AIMessage"], ns["AIMessageChunk"]
    ChatGeneration, ChatGenerationChunk = ns["ChatGeneration"], ns["ChatGenerationChunk"]
    ChatResult = ns["ChatResult"]

    class TokenChatModel(ns["BaseChatModel"]):  # type: ignore[misc, valid-type]
        tokens: list[str]

        @property
        def _llm_type(self) -> str:
            return "token-chat-model"

        def _generate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
        ) -> Any:
            return ChatResult(
                generations=[ChatGeneration(message=AIMessage(content="".join(self.tokens)))]
            )

        async def _agenerate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
        ) -> Any:
            return self._generate(messages)

        def _stream(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
        ) -> Any:
            last = len(self.tokens) - 1
            for i, t in enumerate(self.tokens):
                msg = (
                    AIMessageChunk(content=t, chunk_position="last")
                    if i == last
                    else AIMessageChunk(content=t)
                )
                chunk = ChatGenerationChunk(message=msg)
                if run_manager:
                    run_manager.on_llm_new_token(t, chunk=chunk)
                yield chunk

        async def _astream(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
        ) -> Any:
            last = len(self.tokens) - 1
            for i, t in enumerate(self.tokens):
                msg = (
                    AIMessageChunk(content=t, chunk_position="last")
                    if i == last
                    else AIMessageChunk(content=t)
                )
                chunk = ChatGenerationChunk(message=msg)
                if run_manager:
                    await run_manager.on_llm_new_token(t, chunk=chunk)
                yield chunk

    return TokenChatModel


def best(samples: list[float]) -> float:
    return statistics.median(samples)


def timed(fn: Any, repeat: int = REPEAT) -> float:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return best(out)


def atimed(factory: Any, repeat: int = REPEAT) -> float:
    async def main() -> float:
        out = []
        for _ in range(repeat):
            t = time.perf_counter()
            await factory()
            out.append(time.perf_counter() - t)
        return best(out)

    return asyncio.run(main())


def plain_generators(n: int) -> float:
    """The same string work with bare generators: format, stream tokens, pass through."""
    tokens = ["tok"] * n

    def prompt(x: dict[str, str]) -> str:
        return f"tell me a joke about {x['topic']}"

    def model(text: str):  # type: ignore[no-untyped-def]
        yield from tokens

    def parser(chunks):  # type: ignore[no-untyped-def]
        for c in chunks:  # noqa: UP028 - the per-chunk step a parser takes
            yield c

    def run() -> None:
        for _ in parser(model(prompt({"topic": "x"}))):
            pass

    return timed(run) / n * 1e6


def workloads(ns: dict[str, Any], quick: bool) -> dict[str, Any]:
    """Each figure's name and the function that measures it."""
    n = 500 if quick else N_TOKENS
    Model = token_model_class(ns)
    prompt = ns["ChatPromptTemplate"].from_template("tell me a joke about {topic}")
    chain = prompt | Model(tokens=["tok"] * n) | ns["StrOutputParser"]()
    small = prompt | Model(tokens=["a", "b", "c"]) | ns["StrOutputParser"]()
    inp = {"topic": "x"}
    calls = 200 if quick else 1000
    concurrent = 50 if quick else 200
    many = prompt | Model(tokens=["tok"] * 200) | ns["StrOutputParser"]()

    async def astream() -> None:
        async for _ in chain.astream(inp):
            pass

    async def ainvoke() -> None:
        for _ in range(calls):
            await small.ainvoke(inp)

    async def abatch() -> None:
        await small.abatch([inp] * 1000)

    async def events(**kw: Any) -> None:
        async for _ in chain.astream_events(inp, version="v2", **kw):
            pass

    async def log() -> None:
        async for _ in chain.astream_log(inp):
            pass

    async def fan() -> None:
        async def one() -> None:
            async for _ in many.astream_events(inp, version="v2"):
                pass

        await asyncio.gather(*(one() for _ in range(concurrent)))

    # Structured output: an N-byte JSON document in 4-character chunks.
    def json_doc(size: int) -> str:
        items, text = [], ""
        i = 0
        while len(text) < size:
            items.append({"name": f"item {i}", "value": i * 7, "tags": ["a", "b"]})
            i += 1
            if i % 50 == 0:
                text = json.dumps({"items": items})
        return json.dumps({"items": items})

    def json_ms(size: int) -> float:
        doc = json_doc(size)
        pieces = [doc[i : i + 4] for i in range(0, len(doc), 4)]
        jchain = Model(tokens=pieces) | ns["JsonOutputParser"]()
        return timed(lambda: [None for _ in jchain.stream("q")], 1 if size > 50_000 else 3) * 1e3

    return {
        "plain generators, µs/token": lambda: plain_generators(n),
        "stream, µs/token": lambda: timed(lambda: [None for _ in chain.stream(inp)]) / n * 1e6,
        "astream, µs/token": lambda: atimed(astream) / n * 1e6,
        "invoke (3 tokens), µs/call": lambda: (
            timed(lambda: [small.invoke(inp) for _ in range(calls)]) / calls * 1e6
        ),
        "ainvoke (3 tokens), µs/call": lambda: atimed(ainvoke) / calls * 1e6,
        "abatch of 1000, µs/item": lambda: atimed(abatch, 3) / 1000 * 1e6,
        "astream_events v2, µs/token": lambda: atimed(events) / n * 1e6,
        "astream_events v2 all filtered out, µs/token": lambda: (
            atimed(lambda: events(include_names=["nothing"])) / n * 1e6
        ),
        "astream_log, µs/token": lambda: atimed(log, 3) / n * 1e6,
        f"{concurrent} concurrent event streams, tokens/s": lambda: (
            concurrent * 200 / atimed(fan, REPEAT_CONCURRENT)
        ),
        "JSON 20KB in 4-char chunks, ms": lambda: json_ms(20_000),
        "JSON 80KB in 4-char chunks, ms": lambda: json_ms(80_000),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", choices=("runnel", "lc"), required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated parts of workload names")
    args = ap.parse_args()
    wanted = [part.strip() for part in args.only.split(",") if part.strip()]
    res: dict[str, float] = {}
    for name, measure in workloads(load(args.impl), args.quick).items():
        if not wanted or any(part in name for part in wanted):
            res[name] = measure()
    if "JSON 20KB in 4-char chunks, ms" in res and "JSON 80KB in 4-char chunks, ms" in res:
        res["JSON 80KB/20KB time ratio"] = (
            res["JSON 80KB in 4-char chunks, ms"] / res["JSON 20KB in 4-char chunks, ms"]
        )
    print(json.dumps(res))


if __name__ == "__main__":
    main()
