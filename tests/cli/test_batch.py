"""`runnel batch`: a JSON-lines file in, results in order out, failures recorded."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .conftest import TARGETS, Runner, one_line


def write_inputs(tmp_path: Path, text: str) -> str:
    (tmp_path / "inputs.jsonl").write_text(text)
    return "inputs.jsonl"


def test_results_in_order_with_failures_recorded(runnel: Runner, tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path, "1\n2\n\n4\n5\n6\n")
    done = runnel("batch", f"{TARGETS}:evens", "--input-file", inputs)
    assert done.returncode == 1
    assert [json.loads(line) for line in done.stdout.splitlines()] == [
        {"line": 1, "error": {"type": "ValueError", "message": "odd input 1"}},
        {"line": 2, "output": 20},
        {"line": 4, "output": 40},
        {"line": 5, "error": {"type": "ValueError", "message": "odd input 5"}},
        {"line": 6, "output": 60},
    ]
    assert "5/5" in done.stderr  # the progress bar's last state
    assert done.stderr.rstrip().endswith(
        'runnel batch: 2 of 5 inputs failed (see their "error" in the output)'
    )


def test_output_file_and_success(runnel: Runner, tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path, "".join(f"{2 * i}\n" for i in range(20)))
    done = runnel("batch", f"{TARGETS}:evens", "--input-file", inputs, "--output", "out.jsonl")
    assert (done.returncode, done.stdout) == (0, "")
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert [json.loads(line)["output"] for line in lines] == [20 * i for i in range(20)]


def test_max_concurrency_bounds_the_calls_running_at_once(runnel: Runner, tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path, "0\n" * 8)
    done = runnel("batch", f"{TARGETS}:probe", "--input-file", inputs, "--max-concurrency", "2")
    assert max(json.loads(line)["output"] for line in done.stdout.splitlines()) == 2
    done = runnel("batch", f"{TARGETS}:probe", "--input-file", inputs)
    assert max(json.loads(line)["output"] for line in done.stdout.splitlines()) > 2


def test_plain_counter_without_rich(
    runnel: Runner, tmp_path: Path, blocked: Callable[..., dict[str, str]]
) -> None:
    inputs = write_inputs(tmp_path, "1\n2\n")
    done = runnel("batch", f"{TARGETS}:evens", "--input-file", inputs, env=blocked("rich"))
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == "batch 2/2 (1 failed)"
    assert len(done.stdout.splitlines()) == 2


def test_problems_before_the_batch_starts(runnel: Runner, tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path, '1\n{"a": \n')
    done = runnel("batch", f"{TARGETS}:evens", "--input-file", inputs, "--output", "out.jsonl")
    assert done.returncode == 2
    assert "inputs.jsonl:2 is not valid JSON" in one_line(done.stderr)
    assert not (tmp_path / "out.jsonl").exists()
    done = runnel("batch", f"{TARGETS}:nothing", "--input-file", write_inputs(tmp_path, "1\n"))
    assert done.returncode == 2
    assert "has no attribute 'nothing'" in one_line(done.stderr)
