"""The read-only web interface: story pages, the JSON API, /healthz, /readyz and /metrics.

``create_app(rt)`` builds the Starlette application; ``WebServer`` serves it
with uvicorn, in the foreground (``monitor web``) or on a thread inside
``monitor run``. Data comes from the ``Store``'s read methods only (``monitor.store.views``).
"""

from __future__ import annotations

from .app import create_app
from .server import WebServer, check_bind

__all__ = ["WebServer", "check_bind", "create_app"]
