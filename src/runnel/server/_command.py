"""`runnel serve TARGET`: run a runnable behind uvicorn with the LangServe routes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

__all__ = ["add_arguments", "main"]

_DEFAULT_KEY_VAR = "RUNNEL_API_KEY"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `serve`'s arguments to a parser."""
    parser.add_argument("target", metavar="TARGET", help="module:attribute or file.py:attribute")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000, 0 = any free)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--path", default="", help="mount path, e.g. /chain (default: the root)")
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help=f"require this key (repeatable; default: ${_DEFAULT_KEY_VAR} if set)",
    )
    parser.add_argument(
        "--heartbeat", type=float, default=15.0, help="idle seconds between pings (0 = off)"
    )
    parser.add_argument(
        "--max-body-bytes", type=int, default=1024 * 1024, help="largest request body"
    )
    parser.add_argument(
        "--show-errors",
        action="store_true",
        help="send error messages to clients (redacted) instead of masking them",
    )
    parser.add_argument(
        "--openai-model",
        metavar="NAME",
        help="model id the OpenAI endpoints answer as (default: the path, or the chain's name)",
    )
    parser.add_argument(
        "--vercel-sdk-version",
        type=int,
        choices=(5, 6, 7),
        default=5,
        help="oldest AI SDK major the useChat front end runs (default 5: the v5-safe subset)",
    )
    parser.add_argument(
        "--graceful-timeout",
        type=float,
        default=30.0,
        help="seconds to let requests finish on shutdown before cancelling them",
    )
    parser.add_argument("--log-level", default="info", help="uvicorn log level")


def main(argv: Sequence[str]) -> int:
    """Run `runnel serve` with `argv` (the arguments after `serve`); returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="runnel serve", description="Serve a runnable over HTTP (LangServe-compatible)."
    )
    add_arguments(parser)
    args = parser.parse_args(list(argv))
    return serve(args)


def _fail(message: str) -> int:
    print(f"runnel serve: {message}", file=sys.stderr)
    return 2


def serve(args: argparse.Namespace) -> int:
    """Run uvicorn for parsed `serve` arguments; returns the exit code."""
    try:
        import uvicorn

        from runnel.cli._target import TargetError
        from runnel.server._app import ENV_VAR, ServeOptions, build_app
    except ModuleNotFoundError as exc:
        return _fail(
            f"missing {exc.name!r}: install the server extra (pip install 'runnel[server]')"
        )
    if args.workers < 1:
        return _fail("--workers must be at least 1")
    path = args.path.rstrip("/")
    if path and not path.startswith("/"):
        path = "/" + path
    keys = args.api_keys or [k for k in [os.environ.get(_DEFAULT_KEY_VAR, "")] if k]
    options = ServeOptions(
        target=args.target,
        path=path,
        api_keys=tuple(keys),
        heartbeat=args.heartbeat,
        max_body_bytes=args.max_body_bytes,
        mask_errors=not args.show_errors,
        openai_model=args.openai_model,
        vercel_sdk_version=args.vercel_sdk_version,
    )
    try:
        app = build_app(options)  # fail here, once, before any worker starts
    except TargetError as exc:
        return _fail(str(exc))
    except ValueError as exc:
        return _fail(str(exc))
    common = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "timeout_graceful_shutdown": args.graceful_timeout,
    }
    if args.workers == 1:
        uvicorn.run(app, **common)
        return 0
    os.environ[ENV_VAR] = options.to_env()
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    uvicorn.run("runnel.server._app:create_app", factory=True, workers=args.workers, **common)
    return 0
