"""The `runnel` command line: `runnel demo` (more commands come with the CLI issue)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `runnel` command; returns the exit code."""
    parser = argparse.ArgumentParser(prog="runnel", description="Streaming LLM pipelines.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="stream the seed documents' examples, offline")
    demo.add_argument("--only", help="run one part (see --list)")
    demo.add_argument("--list", action="store_true", help="name the parts and exit")
    demo.add_argument(
        "--delay",
        type=float,
        default=0.03,
        help="seconds between fake tokens, so streaming is visible",
    )
    args = parser.parse_args(argv)
    if args.command == "demo":
        from runnel.cli._demo import run_demo

        return run_demo(only=args.only, list_parts=args.list, delay=args.delay)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
