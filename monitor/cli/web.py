"""``monitor web``: the read-only web interface, in the foreground."""

from __future__ import annotations

import click

from ..service.core import Monitor
from .base import cli, with_monitor


@cli.command("web")
@click.option("--bind", default=None, help="Address to listen on (default: [web] bind, 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(0, 65535), help="Port (default: [web] port, 8080).")
@with_monitor
def web(app: Monitor, bind: str | None, port: int | None) -> None:
    """Serve the story pages, the JSON API, /healthz, /readyz and /metrics until Ctrl-C."""
    server = app.web_server(bind=bind, port=port)
    click.echo(f"monitor: web interface on {server.url}/", err=True)
    server.serve_until_signalled()
