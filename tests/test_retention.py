"""[retention] and ``monitor prune``: old sent/dead alerts and old article bodies go; what is needed stays."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli
from monitor.store import Store, schema
from monitor.store.types import utcnow
from tests.helpers import write_config

DAY = timedelta(days=1)


def _fill(store: Store) -> None:
    now = utcnow()

    def article(name: str, age: timedelta, status: str = "done") -> schema.Article:
        when = now - age
        return schema.Article(
            id=name,
            title=f"title {name}",
            text=f"body of {name}",
            published=when,
            fetched=when,
            status=status,
        )

    def change(number: int, article_id: str) -> schema.Change:
        return schema.Change(
            id=number, key=f"t.s.a{number}", change="new", new=number, evidence="e", extractor="x",
            confidence=1.0, article_id=article_id, detected_at=now - 200 * DAY,
        )  # fmt: skip

    with store.transaction() as session:
        session.add_all(
            [
                article("pending-old", 200 * DAY),
                article("sent-old", 200 * DAY),
                article("retry-old", 200 * DAY, status="failed"),
                article("recent", DAY),
            ]
        )
        session.add(schema.ArticleKey(key="guid:sent-old", article_id="sent-old"))
        session.flush()
        session.add_all([change(1, "pending-old"), change(2, "sent-old")])
        session.flush()
        session.add_all(
            [
                schema.Alert(id="a-pending", channel="c", change_ids=[1], status="pending", created_at=now - 100 * DAY),
                schema.Alert(
                    id="a-sent", channel="c", change_ids=[2], status="sent",
                    created_at=now - 100 * DAY, sent_at=now - 100 * DAY,
                ),
                schema.Alert(id="a-dead", channel="d", change_ids=[2], status="dead", created_at=now - 100 * DAY),
                schema.Alert(id="a-sent-new", channel="c", change_ids=[2], status="sent", created_at=now, sent_at=now),
            ]
        )  # fmt: skip


def _state(store: Store) -> tuple[dict[str, str], set[str], int]:
    with store.read() as session:
        texts = {a.id: a.text for a in session.query(schema.Article)}
        alerts = {a.id for a in session.query(schema.Alert)}
        changes = session.query(schema.Change).count()
    return texts, alerts, changes


def test_prune_keeps_what_unsent_alerts_facts_and_retries_need(database_url: str) -> None:
    store = Store(database_url).migrate()
    try:
        _fill(store)
        facts_before = store.facts_overview()
        now = utcnow()

        dry = store.prune(alerts_before=now - 30 * DAY, articles_before=now - 90 * DAY, dry_run=True)
        assert dry.alerts == 2 and dry.dry_run
        assert _state(store)[1] == {"a-pending", "a-sent", "a-dead", "a-sent-new"}  # nothing changed

        report = store.prune(alerts_before=now - 30 * DAY, articles_before=now - 90 * DAY)
        assert (report.alerts, report.article_texts) == (2, 1)
        texts, alerts, changes = _state(store)
        assert alerts == {"a-pending", "a-sent-new"}  # a pending alert is never pruned, whatever its age
        assert texts == {
            "pending-old": "body of pending-old",  # an unsent alert's change comes from it
            "sent-old": "",  # its alerts were sent: only the body goes
            "retry-old": "body of retry-old",  # still to be extracted again
            "recent": "body of recent",
        }
        assert changes == 2 and store.facts_overview() == facts_before  # what is known is untouched
        assert store.seen_keys(["guid:sent-old"]) == {"guid:sent-old"}  # never read again as new
    finally:
        store.dispose()


def test_monitor_prune_reads_retention_from_the_config(tmp_path: Path) -> None:
    config = write_config(tmp_path, {}, extra='[retention]\nalerts = "30d"\narticles = "90d"\n')
    store = Store(f"sqlite:///{tmp_path / 'state' / 'monitor.db'}").migrate()
    try:
        _fill(store)
    finally:
        store.dispose()
    result = CliRunner().invoke(cli, ["prune", "--dry-run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "would remove 2 old alerts and" in result.stdout
    result = CliRunner().invoke(cli, ["--config", str(config), "prune"])
    assert result.stdout.strip() == "removed 2 old alerts and 1 article text", result.output
    result = CliRunner().invoke(cli, ["--config", str(config), "prune"])
    assert result.stdout.strip() == "removed 0 old alerts and 0 article texts"
