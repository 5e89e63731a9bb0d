"""Engines for SQLite and PostgreSQL, and the schema migrations run at start."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from ..errors import DatabaseError, MonitorError

__all__ = ["SchemaError", "database_faults", "make_engine", "migrate", "quick_check"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant will do; it names the advisory lock that serialises migrations
# when several instances start at once on one PostgreSQL.
MIGRATION_LOCK_ID = 0x6D6F6E69746F72
SQLITE_BUSY_TIMEOUT_MS = 30_000
APPLICATION_NAME = "news-monitor"  # how our connections show in pg_stat_activity
# Execution option marking a transaction that only reads: on SQLite it then
# does not queue for the write lock.
READ_ONLY = "monitor_read_only"


class SchemaError(MonitorError):
    """The database's schema is not the one this version of the code writes."""


@contextmanager
def database_faults(where: str) -> Iterator[None]:
    """Turn a database fault at start into one line naming the database: no traceback."""
    try:
        yield
    except (SchemaError, DatabaseError):
        raise
    except DBAPIError as exc:
        reason = " ".join(str(exc.orig).split()) or type(exc.orig).__name__
        raise DatabaseError(f"database {where}: {reason[:300]}") from None
    except (NoSuchModuleError, ArgumentError) as exc:
        raise DatabaseError(f"database {where}: {' '.join(str(exc).split())[:300]}") from None
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            f"database {where}: its driver is not installed (no module {exc.name!r})"
        ) from None
    except OSError as exc:
        raise DatabaseError(f"database {where}: {exc.strerror or exc} ({exc.filename or ''})") from None


def quick_check(engine: Engine, where: str) -> None:
    """Refuse an SQLite file with a corrupt page (``PRAGMA quick_check``) before using it."""
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    if not database or database == ":memory:" or not Path(database).exists():
        return
    with engine.connect() as connection:
        rows = [str(row[0]) for row in connection.execute(text("PRAGMA quick_check"))]
    if rows != ["ok"]:
        raise DatabaseError(
            f"database {where} is corrupt ({' '.join(rows[0].split())[:200]}); "
            "restore it from a backup or move it away"
        )


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _sqlite_pragmas(engine)
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    # pre-ping: a connection PostgreSQL dropped (a restart, a failover) is
    # replaced before use instead of failing the next transaction.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args={"application_name": APPLICATION_NAME},
    )


def _sqlite_pragmas(engine: Engine) -> None:
    # pysqlite's own transaction handling begins lazily and DEFERRED, so a
    # read that later writes can fail with "database is locked" at once,
    # whatever the busy timeout. We take the write lock up front (BEGIN
    # IMMEDIATE): writers then queue on busy_timeout instead of failing.
    @event.listens_for(engine, "connect")
    def connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection):  # type: ignore[no-untyped-def]
        read_only = connection.get_execution_options().get(READ_ONLY)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def migrate(engine: Engine) -> None:
    """Bring the schema to this version's head; refuse a schema newer than the code.

    On PostgreSQL an advisory lock makes concurrent starts safe: one instance
    migrates, the others wait and then find nothing to do.
    """
    config = _alembic_config(engine)
    script = ScriptDirectory.from_config(config)
    is_postgres = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        if is_postgres:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            connection.commit()
        try:
            current = MigrationContext.configure(connection).get_current_revision()
            if current is not None and current not in {r.revision for r in script.walk_revisions()}:
                raise SchemaError(
                    f"the database schema is at revision {current}, newer than this version of monitor "
                    f"knows (head {script.get_current_head()}); upgrade monitor before running it"
                )
            if current != script.get_current_head():
                log.info("migrating database schema from %s to %s", current, script.get_current_head())
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                connection.commit()
        finally:
            if is_postgres:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
                connection.commit()


def schema_is_current(engine: Engine) -> bool:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head_revision()


def schema_state(engine: Engine) -> tuple[str | None, str | None, bool]:
    """The database's revision, this code's head, and whether the database's is one this code knows."""
    script = ScriptDirectory(str(MIGRATIONS))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    known = current is None or current in {r.revision for r in script.walk_revisions()}
    return current, script.get_current_head(), known


def redact_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
