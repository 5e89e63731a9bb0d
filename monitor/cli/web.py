"""``monitor web``: the read-only web interface, in the foreground."""

from __future__ import annotations

import click

from ..runtime import Runtime
from .base import cli, with_runtime


@cli.command("web")
@click.option("--bind", default=None, help="Address to listen on (default: [web] bind, 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(0, 65535), help="Port (default: [web] port, 8080).")
@with_runtime
def web(rt: Runtime, bind: str | None, port: int | None) -> None:
    """Serve the story pages, the JSON API, /healthz, /readyz and /metrics until Ctrl-C."""
    from ..web import WebServer

    server = WebServer(rt, host=bind or rt.config.web.bind, port=rt.config.web.port if port is None else port)
    click.echo(f"monitor: web interface on {server.url}/", err=True)
    server.serve_until_signalled()
