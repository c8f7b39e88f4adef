"""Serve runnables over HTTP: LangServe-compatible routes, `runnel serve`, the playground.

    from starlette.applications import Starlette
    from runnel.server import add_routes

    app = Starlette()
    add_routes(app, chain, path="/chain")

Needs the `server` extra (starlette, uvicorn, httpx).
"""

from runnel.server._errors import ErrorInfo, HTTPProblem
from runnel.server._routes import ENDPOINTS, add_routes
from runnel.server._settings import ServerSettings
from runnel.server._shutdown import Shutdown

__all__ = ["ENDPOINTS", "ErrorInfo", "HTTPProblem", "ServerSettings", "Shutdown", "add_routes"]
