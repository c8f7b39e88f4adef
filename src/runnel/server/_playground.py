"""The browser playground: `GET /playground/` and its static files.

A page to try the served runnable: an input form generated from `GET input_schema`, a run
streamed from `POST stream_events` (the output as it arrives), and a timeline of the run's
steps (which ran, when, how long, how many tokens). Plain HTML, CSS and JavaScript shipped
in the package (`runnel/server/static/playground/`): no build step, nothing fetched from
the network. The page finds the mount's other routes relative to its own URL; when the
server requires an API key, the page asks for it and sends it as a bearer token (the
static files themselves are public: they hold no data).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from runnel.runnables import Runnable
from runnel.server._settings import ServerSettings

__all__ = ["STATIC_DIR", "routes"]

STATIC_DIR = Path(__file__).parent / "static" / "playground"
"""Where the playground's files are."""

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    # the page talks only to its own server and loads nothing from elsewhere
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "style-src 'self'; script-src 'self'; frame-ancestors 'self'"
    ),
}


def _files() -> dict[str, Path]:
    return {
        path.name: path for path in STATIC_DIR.iterdir() if path.is_file() and path.suffix in _TYPES
    }


def routes(runnable: Runnable[Any, Any], settings: ServerSettings) -> list[BaseRoute]:
    """The playground routes of one mount (paths relative to it).

    Raises:
        FileNotFoundError: the package was installed without its static files.
    """
    files = _files()
    if "index.html" not in files:
        raise FileNotFoundError(f"the playground's index.html is missing from {STATIC_DIR}")

    async def page(request: Request) -> Response:
        name = request.path_params.get("file") or "index.html"
        path = files.get(name)
        if path is None:
            return Response("Not Found", status_code=404, media_type="text/plain")
        return FileResponse(path, media_type=_TYPES[path.suffix], headers=_HEADERS)

    async def slash(request: Request) -> Response:
        return RedirectResponse(request.url.path + "/", status_code=307)

    return [
        Route("/playground", slash, methods=["GET", "HEAD"]),
        Route("/playground/", page, methods=["GET", "HEAD"]),
        Route("/playground/{file}", page, methods=["GET", "HEAD"]),
    ]
