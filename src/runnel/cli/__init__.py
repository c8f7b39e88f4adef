"""The `runnel` command line: `demo`, `run`, `batch` and `serve`.

Exit codes: 0 success; 1 the run itself failed (or, for `batch`, some inputs did);
2 a problem the user can fix (unknown target, import failure, not a runnable, invalid
JSON, missing provider extra or API key), told in one line, with the traceback only
under `--debug`; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks")
    parser = argparse.ArgumentParser(prog="runnel", description="Streaming LLM pipelines.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", parents=[common], help="stream the seed documents' examples (offline)"
    )
    demo.add_argument("--only", metavar="PART", help="run one part (see --list)")
    demo.add_argument("--list", action="store_true", help="name the parts and exit")
    demo.add_argument(
        "--delay", type=float, default=0.03, help="seconds between fake tokens (default 0.03)"
    )
    demo.add_argument(
        "--model",
        metavar="PROVIDER:MODEL",
        help="run on a real chat model, e.g. openai:gpt-4o-mini (key from the environment)",
    )

    target_help = "module:attribute or path/to/file.py:attribute naming a runnable"
    run = commands.add_parser("run", parents=[common], help="run a runnable on one input")
    run.add_argument("target", help=target_help)
    source = run.add_mutually_exclusive_group()
    source.add_argument("--input", metavar="JSON", help="the input, as JSON ('\"hi\"', '{...}')")
    source.add_argument("--input-file", metavar="FILE", help="a file holding the input JSON")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument(
        "--stream", dest="mode", action="store_const", const="stream", help="print chunks"
    )
    mode.add_argument(
        "--events",
        dest="mode",
        action="store_const",
        const="events",
        help="print astream_events (one line each on a terminal, else JSON lines)",
    )
    mode.add_argument(
        "--log", dest="mode", action="store_const", const="log", help="print astream_log patches"
    )
    run.set_defaults(mode="invoke")
    for name in ("names", "types", "tags"):
        for way in ("include", "exclude"):
            run.add_argument(
                f"--{way}-{name}",
                nargs="+",
                action="extend",
                metavar=name.upper()[:-1],
                help=f"{way} events by run {name[:-1]} (with --events, --log)",
            )
    run.add_argument("--json", action="store_true", help="JSON lines, even on a terminal")

    batch = commands.add_parser(
        "batch", parents=[common], help="run a runnable on every line of a JSON-lines file"
    )
    batch.add_argument("target", help=target_help)
    batch.add_argument(
        "--input-file", required=True, metavar="FILE", help="one JSON input per line"
    )
    batch.add_argument("--max-concurrency", type=int, metavar="N", help="inputs run at once")
    batch.add_argument("--output", metavar="FILE", help="where to write results (stdout)")

    commands.add_parser(
        "serve", help="serve a runnable over HTTP (runnel serve --help)", add_help=False
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `runnel` command; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = args_list[0] if args_list else ""
    debug = "--debug" in args_list
    try:
        if command == "serve":
            from runnel.cli._serve import serve

            return serve(args_list[1:])
        args = _parser().parse_args(args_list)
        return _dispatch(args)
    except KeyboardInterrupt:
        print(f"runnel {command}: interrupted", file=sys.stderr, flush=True)
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:
        from runnel.cli._errors import CommandError, report
        from runnel.cli._target import TargetError
        from runnel.exceptions import MissingAPIKeyError

        actionable = isinstance(error, (CommandError, TargetError, MissingAPIKeyError))
        report(command, error, debug=debug, unexpected=not actionable)
        return 2 if actionable else 1


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from runnel.cli._demo import run_demo

        return run_demo(only=args.only, list_parts=args.list, delay=args.delay, model=args.model)
    if args.command == "run":
        from runnel.cli._run import FILTERS, RunOptions, run_target

        options = RunOptions(
            target=args.target,
            input=args.input,
            input_file=args.input_file,
            mode=args.mode,
            filters={name: getattr(args, name) or [] for name in FILTERS},
            json=args.json,
        )
        return run_target(options)
    if args.command == "batch":
        from runnel.cli._batch import batch_target

        return batch_target(
            args.target,
            args.input_file,
            output=args.output,
            max_concurrency=args.max_concurrency,
        )
    raise AssertionError(f"unhandled command {args.command!r}")  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
