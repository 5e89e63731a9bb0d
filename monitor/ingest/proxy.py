"""Proxies and CA bundles: from ``[service]``, else from the environment, for every fetch.

``[service] https_proxy``, ``http_proxy``, ``no_proxy`` and ``ca_bundle`` win;
without them the usual variables are read (``HTTPS_PROXY``, ``HTTP_PROXY``,
``ALL_PROXY``, ``NO_PROXY``, in either case; ``REQUESTS_CA_BUNDLE``,
``SSL_CERT_FILE``, ``CURL_CA_BUNDLE``). Nothing else of the environment is
trusted (no ``.netrc`` credentials). The address guards of ``fetch.py``
check the feed's own URL and every redirect target, never the proxy: a
proxy does not let a feed reach what the guards refuse.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.utils import should_bypass_proxies

from ..config import ServiceConfig
from ..redact import redact_url

__all__ = ["ProxySession", "ProxySettings"]

_CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")


def _env(environ: Mapping[str, str], name: str) -> str:
    return (environ.get(name) or environ.get(name.lower()) or "").strip()


@dataclass(frozen=True)
class ProxySettings:
    http: str = ""
    https: str = ""
    no_proxy: str = ""
    ca_bundle: str = ""

    @classmethod
    def resolve(cls, service: ServiceConfig, environ: Mapping[str, str] | None = None) -> ProxySettings:
        env = os.environ if environ is None else environ
        every = _env(env, "ALL_PROXY")
        return cls(
            http=service.http_proxy or _env(env, "HTTP_PROXY") or every,
            https=service.https_proxy or _env(env, "HTTPS_PROXY") or every,
            no_proxy=service.no_proxy or _env(env, "NO_PROXY"),
            ca_bundle=service.ca_bundle or next((env[v] for v in _CA_VARIABLES if env.get(v)), ""),
        )

    def for_url(self, url: str) -> dict[str, str]:
        proxies = {k: v for k, v in (("http", self.http), ("https", self.https)) if v}
        if not proxies or (self.no_proxy and should_bypass_proxies(url, no_proxy=self.no_proxy)):
            return {}
        return proxies

    def describe(self) -> str:
        parts = [f"{k} proxy {redact_url(v)}" for k, v in (("https", self.https), ("http", self.http)) if v]
        if self.no_proxy:
            parts.append(f"no proxy for {self.no_proxy}")
        if self.ca_bundle:
            parts.append(f"CA bundle {self.ca_bundle}")
        return ", ".join(parts) or "direct, system CA bundle"


class ProxySession(requests.Session):
    """A session that picks the proxy for each URL itself (``trust_env`` stays off)."""

    def __init__(self, settings: ProxySettings):
        super().__init__()
        self.trust_env = False
        self.proxy_settings = settings
        if settings.ca_bundle:
            self.verify = settings.ca_bundle

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("proxies") is None:
            kwargs["proxies"] = self.proxy_settings.for_url(str(url))
        return super().request(method, url, *args, **kwargs)
