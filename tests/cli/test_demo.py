"""`runnel demo`: every part of the seeds, offline on fakes or on a provider via `--model`."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from .conftest import Runner, has_module, one_line

PARTS = ["sparkling", "goldfish", "parrot", "countries", "extract", "retrieval", "events"]
COUNTRIES = {
    "countries": [
        {"name": "France", "population": 67413000},
        {"name": "Spain", "population": 47351567},
        {"name": "Japan", "population": 125584000},
    ]
}


def test_list_names_every_part(runnel: Runner) -> None:
    done = runnel("demo", "--list")
    assert done.returncode == 0
    assert [line.split()[0] for line in done.stdout.splitlines()] == PARTS


def test_the_whole_demo_offline(runnel: Runner) -> None:
    done = runnel("demo", "--delay", "0")
    assert (done.returncode, done.stderr) == (0, "")
    out = done.stdout
    assert [line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("===")] == (
        PARTS
    )
    # seed 000, token for token
    assert "|Spark|ling| water|,| oh| so clear|\n|Bubbles dancing|,| without| fear|" in out
    # seed 002: the chunks add up
    assert "chunks[0] + ... + chunks[" in out
    assert "AIMessageChunk(content='Here is a 1 verse song about goldfish on the moon:" in out
    # seed 004: prompt | model | parser streams
    assert "Why| did| the| parrot|" in out
    # JSON grows as partial objects, ending with the whole
    partials = [line for line in out.split("=== countries")[1].splitlines() if line.startswith("{")]
    assert partials[0] == "{}" and partials[-1] == str(COUNTRIES)
    assert len(partials) > 10
    # the plain function waits for the whole JSON; the generator streams each name
    assert "['France', 'Spain', 'Japan']|\n" in out
    assert "France|Spain|Japan|\n" in out
    # the retriever yields one chunk: both documents; the chain after it streams
    retrieval = out.split("=== retrieval")[1].split("=== events")[0]
    assert "page_content='harrison worked at kensho'" in retrieval
    assert "Harris" in retrieval and "| Kensho|" in retrieval
    # the filtered event view: model chunks and parser chunks, interleaved
    events = out.split("=== events")[1].splitlines()
    assert sum(line.startswith("Chat model chunk: ") for line in events) > 5
    assert "Parser chunk: {'countries': []}" in events


def test_retrieval_without_extras(runnel: Runner, blocked: Callable[..., dict[str, str]]) -> None:
    env = blocked("faiss", "sentence_transformers", "rich")  # as `pip install -e .` leaves it
    done = runnel("demo", "--only", "retrieval", "--delay", "0", env=env)
    assert (done.returncode, done.stderr) == (0, "")
    assert "retriever (InMemoryVectorStore over DeterministicFakeEmbedding)" in done.stdout
    assert "Document(page_content='harrison worked at kensho')" in done.stdout


def test_only_runs_one_part(runnel: Runner) -> None:
    done = runnel("demo", "--only", "extract", "--delay", "0")
    assert done.returncode == 0
    assert [line for line in done.stdout.splitlines() if line.startswith("===")] == [
        "=== extract: Seed 004: a plain function breaks streaming; a generator function fixes it."
    ]


def test_unknown_part(runnel: Runner) -> None:
    done = runnel("demo", "--only", "nope")
    assert done.returncode == 2
    assert one_line(done.stderr) == (
        "runnel demo: unknown part 'nope'; the parts are " + ", ".join(PARTS)
    )


def test_model_unknown_provider(runnel: Runner) -> None:
    done = runnel("demo", "--model", "nosuch:thing")
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert line.startswith("runnel demo: --model nosuch:thing: ") and "'provider:model'" in line
    assert done.stdout == ""


def test_model_missing_extra(runnel: Runner, blocked: Callable[..., dict[str, str]]) -> None:
    done = runnel("demo", "--model", "openai:gpt-4o-mini", env=blocked("openai"))
    assert done.returncode == 2
    assert 'pip install "runnel[openai]"' in one_line(done.stderr)


@pytest.mark.skipif(not has_module("runnel.providers.openai"), reason="no OpenAI provider yet")
def test_model_missing_key(runnel: Runner) -> None:
    done = runnel("demo", "--model", "openai:gpt-4o-mini", env={"OPENAI_API_KEY": ""})
    assert done.returncode == 2
    assert "OPENAI_API_KEY" in one_line(done.stderr)


@pytest.mark.skipif(
    not (has_module("runnel.providers.openai") and has_module("runnel.testing")),
    reason="needs the OpenAI provider and runnel.testing",
)
def test_model_runs_the_demo_on_a_provider(
    runnel: Runner, blocked: Callable[..., dict[str, str]]
) -> None:
    from runnel.testing import FakeProviderServer, Reply

    with FakeProviderServer(default=Reply(json.dumps(COUNTRIES))) as server:
        env = {
            **blocked("sentence_transformers"),  # local embeddings load slowly: the fakes do
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": f"{server.url}/v1",
        }
        done = runnel("demo", "--model", "openai:gpt-4o-mini", env=env)
        requests = list(server.requests)
    assert (done.returncode, done.stderr) == (0, "")
    out = done.stdout
    assert [line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("===")] == (
        PARTS
    )
    assert "['France', 'Spain', 'Japan']|\n" in out and "France|Spain|Japan|\n" in out
    assert f"{COUNTRIES}\n" in out
    assert len(requests) == 8  # one per model call: 1+1+1+1+2+1+1
    assert all(r.json["model"] == "gpt-4o-mini" for r in requests)
