"""One ``monitor run`` per SQLite file, and never on a network filesystem.

SQLite's locking is only as good as the filesystem's, and network
filesystems lie about it; two daemons on one file would poll every feed
twice. Several instances need PostgreSQL.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from ..errors import MonitorError

__all__ = ["NETWORK_FILESYSTEMS", "filesystem_type", "hold_instance_lock"]

NETWORK_FILESYSTEMS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "ncpfs",
    "afs",
    "9p",
    "ceph",
    "glusterfs",
    "fuse.sshfs",
    "fuse.glusterfs",
    "lustre",
    "gpfs",
}


def filesystem_type(path: Path, mounts: str = "/proc/mounts") -> str | None:
    """The type of the filesystem ``path`` lives on, from /proc/mounts (None if unknown)."""
    try:
        lines = Path(mounts).read_text().splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best, kind = "", None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, kind = mount_point, parts[2]
    return kind


def hold_instance_lock(database: Path, *, mounts: str = "/proc/mounts") -> IO[str]:
    """Take the instance lock beside the database; keep the returned file open while running."""
    kind = filesystem_type(database.parent, mounts)
    if kind in NETWORK_FILESYSTEMS:
        raise MonitorError(
            f"{database} is on a network filesystem ({kind}); SQLite is not safe there - "
            "put it on a local disk or use PostgreSQL"
        )
    database.parent.mkdir(parents=True, exist_ok=True)
    handle = open(f"{database}.instance-lock", "a+")  # noqa: SIM115 - held for the process's life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise MonitorError(
            f"{database} is in use by another 'monitor run' ({holder}); SQLite serves one instance - "
            "use PostgreSQL to run several"
        ) from None
    handle.truncate(0)
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    return handle
