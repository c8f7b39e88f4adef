"""`runnel run`, run as a user runs it: a subprocess of the installed command."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import TARGETS, Runner, one_line

JOKE = "Why did the parrot talk? It had a lot to say."
PARROT = '{"topic": "parrot"}'


def test_invoke_prints_the_result(runnel: Runner) -> None:
    done = runnel("run", f"{TARGETS}:chain", "--input", PARROT)
    assert (done.returncode, done.stdout, done.stderr) == (0, JOKE + "\n", "")


def test_json_prints_the_result_as_json(runnel: Runner) -> None:
    done = runnel("run", f"{TARGETS}:double", "--input", "[1, 2]", "--json")
    assert json.loads(done.stdout) == [1, 2, 1, 2]
    done = runnel("run", f"{TARGETS}:chain", "--input", PARROT, "--json")
    assert json.loads(done.stdout) == JOKE


def test_stream_prints_text_chunks_as_they_come(runnel: Runner) -> None:
    done = runnel("run", f"{TARGETS}:chain", "--input", PARROT, "--stream")
    assert (done.returncode, done.stdout) == (0, JOKE + "\n")


def test_stream_prints_other_chunks_as_json_lines(runnel: Runner) -> None:
    done = runnel("run", f"{TARGETS}:countries", "--input", '"countries"', "--stream")
    values = [json.loads(line) for line in done.stdout.splitlines()]
    assert values[-1] == {"countries": [{"name": "France"}, {"name": "Spain"}]}
    assert len(values) > 2 and values[0] == {}


def test_stream_json_gives_each_chunk_a_line(runnel: Runner) -> None:
    done = runnel("run", f"{TARGETS}:chain", "--input", PARROT, "--stream", "--json")
    chunks = [json.loads(line) for line in done.stdout.splitlines()]
    assert "".join(chunks) == JOKE
    assert len(chunks) > 5


def test_events_piped_are_json_lines(runnel: Runner) -> None:
    done = runnel("run", f"{TARGETS}:chain", "--input", PARROT, "--events")
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert events[0]["event"] == "on_chain_start"
    assert events[-1] == {**events[-1], "event": "on_chain_end", "data": {"output": JOKE}}
    streamed = [
        e["data"]["chunk"]["content"] for e in events if e["event"] == "on_chat_model_stream"
    ]
    assert "".join(streamed) == JOKE
    assert {e["name"] for e in events} >= {"RunnableSequence", "model", "StrOutputParser"}


def test_events_filters(runnel: Runner) -> None:
    done = runnel(
        "run", f"{TARGETS}:chain", "--input", PARROT, "--events",
        "--include-names", "model", "--include-types", "parser", "--exclude-types", "chat_model",
    )  # fmt: skip
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert events and {e["name"] for e in events} == {"StrOutputParser"}
    done = runnel(
        "run", f"{TARGETS}:chain", "--input", PARROT, "--events", "--include-tags", "seq:step:2"
    )
    assert {json.loads(line)["name"] for line in done.stdout.splitlines()} == {"model"}


def test_log_prints_patches_as_json(runnel: Runner) -> None:
    done = runnel("run", f"{TARGETS}:chain", "--input", PARROT, "--log")
    patches = [json.loads(line) for line in done.stdout.splitlines()]
    assert patches[0]["ops"][0]["op"] == "replace"
    streamed = [
        op["value"]
        for patch in patches
        for op in patch["ops"]
        if op["path"] == "/streamed_output/-"
    ]
    assert "".join(streamed) == JOKE
    done = runnel("run", f"{TARGETS}:chain", "--input", PARROT, "--log", "--include-names", "model")
    paths = {op["path"] for line in done.stdout.splitlines() for op in json.loads(line)["ops"]}
    assert any(p.startswith("/logs/model") for p in paths)
    assert not any(p.startswith("/logs/ChatPromptTemplate") for p in paths)


def test_input_file_and_stdin(runnel: Runner, tmp_path: Path) -> None:
    (tmp_path / "input.json").write_text(PARROT)
    done = runnel("run", f"{TARGETS}:chain", "--input-file", "input.json")
    assert done.stdout == JOKE + "\n"
    done = runnel("run", f"{TARGETS}:chain", "--input-file", "-", input=PARROT)
    assert done.stdout == JOKE + "\n"


def test_module_target_from_the_current_directory(runnel: Runner, tmp_path: Path) -> None:
    (tmp_path / "my_chains.py").write_text(
        "from runnel.runnables import RunnableLambda\nupper = RunnableLambda(str.upper)\n"
    )
    done = runnel("run", "my_chains:upper", "--input", '"hi"')
    assert (done.returncode, done.stdout) == (0, "HI\n")


# one of each kind (tests/cli/test_target.py has every target problem, in-process)
ACTIONABLE = [
    (["nosuch_module_xyz:chain", "--input", "1"], "no module named 'nosuch_module_xyz'"),
    ([f"{TARGETS}:number", "--input", "1"], "is of type int, not a runnable"),
    (
        [str(Path(TARGETS).with_name("import_error_target.py")) + ":x", "--input", "1"],
        "failed: RuntimeError: boom while importing",
    ),
    ([f"{TARGETS}:chain", "--input", "hi"], "--input is not valid JSON: Expecting value"),
    ([f"{TARGETS}:chain"], "no input: pass --input JSON"),
    ([f"{TARGETS}:missing_key", "--input", "1"], "set the OPENAI_API_KEY environment variable"),
]


def test_actionable_errors_are_one_line_and_exit_2(runnel: Runner) -> None:
    for args, message in ACTIONABLE:
        done = runnel("run", *args)
        assert done.returncode == 2, (args, done.stderr)
        line = one_line(done.stderr)
        assert line.startswith("runnel run: ") and message in line, (args, line)
        assert done.stdout == ""


def test_debug_adds_the_traceback(runnel: Runner) -> None:
    done = runnel("run", "nosuch_module_xyz:chain", "--input", "1", "--debug")
    assert done.returncode == 2
    assert "Traceback" in done.stderr and "ModuleNotFoundError" in done.stderr
    assert done.stderr.rstrip().endswith("no module named 'nosuch_module_xyz'")


def test_a_failing_run_exits_1_after_its_output(runnel: Runner) -> None:
    done = runnel("run", f"{TARGETS}:broken", "--input", '"abc"', "--stream")
    assert (done.returncode, done.stdout) == (1, "abc\n")
    assert one_line(done.stderr) == (
        "runnel run: RuntimeError: the chain broke (--debug shows the traceback)"
    )
    done = runnel("run", f"{TARGETS}:broken", "--input", '"abc"', "--stream", "--debug")
    assert "Traceback" in done.stderr and "_explode" in done.stderr


def test_usage_errors(runnel: Runner) -> None:
    done = runnel("run", f"{TARGETS}:chain", "--input", "1", "--include-names", "x")
    assert done.returncode == 2
    assert "filter --events and --log" in one_line(done.stderr)
    done = runnel("run", f"{TARGETS}:chain", "--stream", "--events", "--input", "1")
    assert done.returncode == 2 and "not allowed with argument" in done.stderr
