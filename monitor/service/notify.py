"""systemd's notify protocol, spoken directly: one datagram per state to ``$NOTIFY_SOCKET``.

``READY=1`` once the service polls, ``RELOADING=1`` then ``READY=1`` around a
SIGHUP reload, ``STOPPING=1`` on the way out, ``WATCHDOG=1`` every half of
``$WATCHDOG_USEC`` while the scheduler runs (so a wedged scheduler is
restarted by systemd), ``STATUS=...`` for ``systemctl status``. Without
``NOTIFY_SOCKET`` (not under systemd, or ``Type=simple``) every call is a
no-op. The protocol: https://www.freedesktop.org/software/systemd/man/sd_notify.html
"""

from __future__ import annotations

import logging
import os
import socket
import time

__all__ = ["SystemdNotifier"]

log = logging.getLogger(__name__)


class SystemdNotifier:
    def __init__(self, environ: dict[str, str] | None = None):
        env = dict(os.environ) if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        self.address = "\0" + address[1:] if address.startswith("@") else address
        watchdog_usec = env.get("WATCHDOG_USEC", "")
        watchdog_pid = env.get("WATCHDOG_PID", "")
        self.watchdog: float | None = None
        if watchdog_usec.isdigit() and int(watchdog_usec) > 0 and watchdog_pid in ("", str(os.getpid())):
            self.watchdog = int(watchdog_usec) / 1e6

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def send(self, *states: str) -> bool:
        if not self.address:
            return False
        message = "\n".join(states).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message, self.address)
        except OSError as exc:
            log.warning("could not notify systemd (%s): %s", self.address.lstrip("\0"), exc)
            return False
        return True

    def ready(self, status: str = "") -> None:
        self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def reloading(self) -> None:
        # MONOTONIC_USEC lets Type=notify-reload (systemd 253+) match the reload to this signal.
        self.send("RELOADING=1", f"MONOTONIC_USEC={time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000}")

    def stopping(self) -> None:
        self.send("STOPPING=1")

    def ping(self) -> None:
        self.send("WATCHDOG=1")

    def status(self, text: str) -> None:
        self.send(f"STATUS={text}")
