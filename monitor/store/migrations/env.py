"""Alembic environment: runs on the connection the service hands it."""

from alembic import context
from sqlalchemy import create_engine

from monitor.store.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    # The alembic command line (for writing new revisions): use the URL given.
    connection = create_engine(config.get_main_option("sqlalchemy.url") or "").connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
