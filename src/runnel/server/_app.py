"""The application `runnel serve` runs: built in each worker from an environment variable.

uvicorn's `--workers N` spawns fresh processes that import the app by name, so the
target and the options travel as JSON in `RUNNEL_SERVE` and every worker builds the same
stateless app with `create_app()`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.applications import Starlette

from runnel.server._ui_stream import SdkVersion

__all__ = ["ENV_VAR", "ServeOptions", "build_app", "create_app"]

ENV_VAR = "RUNNEL_SERVE"


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What `runnel serve` was asked to serve, and how."""

    target: str
    path: str = ""
    api_keys: tuple[str, ...] = ()
    heartbeat: float = 15.0
    max_body_bytes: int = 1024 * 1024
    mask_errors: bool = True
    config_keys: tuple[str, ...] = ("configurable",)
    disabled_endpoints: tuple[str, ...] = field(default=())
    openai_model: str | None = None
    vercel_sdk_version: SdkVersion = 5

    def to_env(self) -> str:
        """These options as the JSON `create_app` reads."""
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, text: str) -> ServeOptions:
        """Options from `to_env`'s JSON."""
        raw: dict[str, Any] = json.loads(text)
        for key in ("api_keys", "config_keys", "disabled_endpoints"):
            if key in raw:
                raw[key] = tuple(raw[key])
        return cls(**raw)


def build_app(options: ServeOptions) -> Starlette:
    """A Starlette app serving the options' target.

    Raises:
        runnel.cli._target.TargetError: the target cannot be loaded.
    """
    from runnel.cli._target import load_target
    from runnel.server._routes import add_routes

    runnable = load_target(options.target)
    app = Starlette()
    add_routes(
        app,
        runnable,
        options.path,
        config_keys=options.config_keys,
        disabled_endpoints=options.disabled_endpoints,
        api_keys=options.api_keys,
        heartbeat=options.heartbeat,
        max_body_bytes=options.max_body_bytes,
        mask_errors=options.mask_errors,
        openai_model=options.openai_model,
        vercel_sdk_version=options.vercel_sdk_version,
    )
    return app


def create_app() -> Starlette:
    """uvicorn's app factory (`runnel.server._app:create_app`): options from `RUNNEL_SERVE`.

    Raises:
        RuntimeError: the variable is not set (the factory is meant for `runnel serve`).
    """
    text = os.environ.get(ENV_VAR)
    if not text:
        raise RuntimeError(f"{ENV_VAR} is not set: start the server with `runnel serve TARGET`")
    return build_app(ServeOptions.from_env(text))
