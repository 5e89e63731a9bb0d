"""The Starlette application: pages, the JSON API, health, readiness and metrics.

Read-only: every route answers GET (and HEAD) only. Article text reaches
pages only through autoescaped templates; the Content-Security-Policy
forbids every script; links are kept only when they are http(s).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..redact import redact_text, redact_url
from ..service.runtime import Runtime
from ..store import ChangeView, FactHistory, FactView, FeedState
from . import present
from .health import readiness
from .metrics import metrics_registry
from .stories import Story, find_story, story_list

__all__ = ["SECURITY_HEADERS", "create_app"]

CSP = (
    "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
OPEN_PATHS = ("/healthz", "/static/")  # answered without the secret


@dataclass
class WebState:
    rt: Runtime
    in_daemon: bool
    secret: str | None


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("monitor.web", "templates"), autoescape=select_autoescape(default=True)
    )
    env.filters.update(show=present.show, when=present.when, safe_url=present.safe_url)
    env.globals.update(move=present.move, context=present.context)
    return env


def _authorized(request: Request, secret: str) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return secrets.compare_digest(value.strip().encode(), secret.encode())
    if scheme.lower() == "basic":
        try:
            _, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return secrets.compare_digest(password.encode(), secret.encode())
    return False


class _Guard(BaseHTTPMiddleware):
    """The secret (when set) on every path but /healthz, and the security headers on every answer."""

    def __init__(self, app: Any, secret: str | None):
        super().__init__(app)
        self.secret = secret

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if (
            self.secret
            and not request.url.path.startswith(OPEN_PATHS)
            and not _authorized(request, self.secret)
        ):
            response: Response = JSONResponse(
                {"error": "unauthorized"}, 401, headers={"WWW-Authenticate": 'Basic realm="monitor"'}
            )
        else:
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _change_json(change: ChangeView) -> dict[str, Any]:
    data = asdict(change)
    if change.article is not None:
        data["article"].pop("text")
        data["article"]["url"] = present.safe_url(change.article.url)
    data["context"] = asdict(present.context(change.article.text if change.article else "", change.evidence))
    shown: dict[str, Any] = _jsonable(data)
    return shown


def create_app(rt: Runtime, *, in_daemon: bool = False, secret: str | None = None) -> Starlette:
    state = WebState(rt, in_daemon, secret)
    templates = Jinja2Templates(env=_environment())
    registry = metrics_registry(rt, lambda: _stories(state))

    def page(request: Request, name: str, **context: Any) -> Response:
        return templates.TemplateResponse(request, name, {"stories": _stories(state), **context})

    def story_or_404(slug: str) -> Story:
        story = find_story(_stories(state), slug)
        if story is None:
            raise HTTPException(404, f"no story {slug!r}")
        return story

    def labels(keys: list[str]) -> dict[str, str]:
        return {
            key: spec.label for key, spec in rt.plugins.vocabulary.specs_by_key(keys).items() if spec.label
        }

    def facts_of(story: Story) -> list[FactView]:
        return rt.store.facts_view(story.topics)

    def changes_of(story: Story, request: Request) -> list[ChangeView]:
        try:
            limit = min(max(int(request.query_params.get("limit") or 100), 1), 1000)
        except ValueError:
            raise HTTPException(400, "limit must be a whole number") from None
        return rt.store.changes_timeline(topics=story.topics, limit=limit)

    def history_or_404(key: str) -> FactHistory:
        history = rt.store.fact_history(key)
        if history is None:
            raise HTTPException(404, f"no fact {key!r}")
        return history

    def feeds() -> list[dict[str, Any]]:
        return [_feed_row(f) for f in rt.store.feed_states() if f.enabled]

    # -- pages --

    def index(request: Request) -> Response:
        return page(request, "index.html")

    def story_page(request: Request) -> Response:
        story = story_or_404(request.path_params["slug"])
        facts = facts_of(story)
        return page(request, "story.html", story=story, facts=facts, labels=labels([f.key for f in facts]))

    def timeline_page(request: Request) -> Response:
        story = story_or_404(request.path_params["slug"])
        changes = changes_of(story, request)
        return page(
            request, "timeline.html", story=story, changes=changes, labels=labels([c.key for c in changes])
        )

    def fact_page(request: Request) -> Response:
        history = history_or_404(request.path_params["key"])
        spec = rt.plugins.vocabulary.spec(history.key)
        newest_first = list(reversed(history.changes))
        return page(
            request,
            "fact.html",
            history=history,
            label=spec.label if spec else "",
            chart=present.chart(history, spec, datetime.now(UTC)),
            changes=newest_first,
        )

    def feeds_page(request: Request) -> Response:
        return page(request, "feeds.html", feeds=feeds(), now=datetime.now(UTC))

    # -- the JSON API (documented in docs/web.md) --

    def api_index(request: Request) -> Response:
        return JSONResponse(
            {
                "stories": "/api/stories",
                "facts": "/api/stories/{story}/facts",
                "changes": "/api/stories/{story}/changes?limit=100",
                "fact": "/api/facts/{key}",
                "feeds": "/api/feeds",
                "docs": "docs/web.md in the source tree",
            }
        )

    def api_stories(request: Request) -> Response:
        return JSONResponse([asdict(s) for s in _stories(state)])

    def api_facts(request: Request) -> Response:
        facts = facts_of(story_or_404(request.path_params["slug"]))
        found = labels([f.key for f in facts])
        return JSONResponse(
            [
                _jsonable(
                    asdict(f) | {"label": found.get(f.key, ""), "open": [_change_json(c) for c in f.open]}
                )
                for f in facts
            ]
        )

    def api_changes(request: Request) -> Response:
        story = story_or_404(request.path_params["slug"])
        return JSONResponse([_change_json(c) for c in changes_of(story, request)])

    def api_fact(request: Request) -> Response:
        history = history_or_404(request.path_params["key"])
        data = asdict(history) | {"changes": [_change_json(c) for c in history.changes]}
        return JSONResponse(_jsonable(data))

    def api_feeds(request: Request) -> Response:
        return JSONResponse(_jsonable(feeds()))

    # -- for machines --

    def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def readyz(request: Request) -> Response:
        problems, checks = readiness(rt, in_daemon=state.in_daemon)
        body = {"status": "fail" if problems else "ok", "checks": checks, "problems": problems}
        return JSONResponse(body, 503 if problems else 200)

    def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        detail = getattr(exc, "detail", "error")
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": detail}, status)
        return templates.TemplateResponse(
            request, "error.html", {"stories": [], "status": status, "detail": detail}, status_code=status
        )

    routes: list[Any] = [
        Route("/", index),
        Route("/stories/{slug}", story_page),
        Route("/stories/{slug}/timeline", timeline_page),
        Route("/facts/{key}", fact_page),
        Route("/feeds", feeds_page),
        Route("/api/", api_index),
        Route("/api/stories", api_stories),
        Route("/api/stories/{slug}/facts", api_facts),
        Route("/api/stories/{slug}/changes", api_changes),
        Route("/api/facts/{key}", api_fact),
        Route("/api/feeds", api_feeds),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Mount("/static", StaticFiles(packages=[("monitor.web", "static")]), name="static"),
    ]
    handlers: dict[Any, Callable[..., Any]] = {HTTPException: not_found}
    return Starlette(
        routes=routes, middleware=[Middleware(_Guard, secret=secret)], exception_handlers=handlers
    )


def _stories(state: WebState) -> list[Story]:
    return story_list(state.rt.plugins, state.rt.store.known_topics())


def _feed_row(feed: FeedState) -> dict[str, Any]:
    """A feed as pages and the API show it: no validators, credentials in its URL redacted."""
    data = {k: v for k, v in asdict(feed).items() if k not in ("etag", "last_modified", "body_hash", "id")}
    secret_in_url = "@" in feed.url or "?" in feed.url  # as Runtime.http decides what to redact
    data["url"] = redact_url(feed.url) if secret_in_url else feed.url
    data["link"] = None if secret_in_url else present.safe_url(feed.url)
    data["last_error"] = redact_text(feed.last_error, [feed.url]) if feed.last_error else None
    data["leased"] = feed.lease_until is not None
    return data
