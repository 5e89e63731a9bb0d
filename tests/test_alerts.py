"""The outbox and delivery: once per channel, retried with backoff, never lost."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor import Claim, Extractor, FactSpec, hookimpl
from monitor.cli import cli
from monitor.config import load_config
from monitor.deliver.delivery import Deliverer, retry_delay
from monitor.plugins import PluginHost
from monitor.service.poll import store_articles
from monitor.service.runtime import Runtime
from monitor.store import outbox
from monitor.store.types import utcnow
from monitor.testing import RecordingNotifier, fail_with, make_article
from tests.helpers import write_config


class CountExtractor(Extractor):
    """Claims ``t.x.count`` from sentences like "the count is 7"."""

    name = "counter"
    facts = (FactSpec("t", "count", "state", "int", label="Test: the count"),)

    def extract_claims(self, article):  # type: ignore[no-untyped-def]
        match = re.search(r"the count is (\d+)", article.text)
        return [Claim("t", "x", "count", int(match.group(1)), match.group(0), 0.9)] if match else []


class Plugin:
    @hookimpl
    def register_extractors(self, register):  # type: ignore[no-untyped-def]
        register(CountExtractor())

    @hookimpl
    def register_notifiers(self, register):  # type: ignore[no-untyped-def]
        register(RecordingNotifier)


CHANNELS = """
[[channels]]
name = "desk"
type = "recording"

[[channels]]
name = "hook"
type = "recording"
"""


def runtime(tmp_path: Path, extra: str = CHANNELS) -> Runtime:
    host = PluginHost(entry_points=False)
    host.register(Plugin(), "test")
    return Runtime(load_config(write_config(tmp_path, {}, extra=extra)), host=host)


def publish(rt: Runtime, text: str, outlet: str = "Outlet A") -> int:
    return store_articles(
        rt, [make_article(text, "headline", outlet=outlet, url=f"https://{outlet}.example/x")]
    )[1]


@pytest.fixture
def rt(tmp_path: Path) -> Runtime:
    rt = runtime(tmp_path)
    yield rt
    rt.close()


def channels() -> dict[str, RecordingNotifier]:
    return {"desk": RecordingNotifier("desk"), "hook": RecordingNotifier("hook")}


def test_one_alert_per_channel_sent_once_with_what_it_needs(rt: Runtime) -> None:
    publish(rt, "Officials said the count is 3.")
    assert publish(rt, "Officials now say the count is 4.", outlet="Outlet B") == 1
    chans = channels()
    deliverer = Deliverer(rt, chans)
    report = deliverer.deliver_due()
    assert len(report.sent) == 4  # two changes (new, then changed) x two channels
    assert deliverer.deliver_due().sent == []  # nothing twice
    alert = chans["desk"].sent[-1]
    [change] = alert.changes
    assert (change.change, change.old, change.new, change.label) == ("changed", 3, 4, "Test: the count")
    assert change.evidence == "the count is 4"
    assert alert.articles[change.article].outlet == "Outlet B" and alert.outlets["t.x.count"] == 1


def test_failures_retry_with_backoff_and_the_same_id_until_delivered(rt: Runtime) -> None:
    publish(rt, "the count is 3")
    chans = channels()
    chans["desk"].failures = [fail_with("server down"), fail_with("server down"), fail_with("still down")]
    deliverer = Deliverer(rt, chans)
    now = utcnow()
    waits = []
    for _ in range(3):
        report = deliverer.deliver_due(now=now)
        assert [r for r, _ in report.retrying]
        with rt.store.transaction() as session:
            row = next(r for r in outbox.list_alerts(session) if r.channel == "desk")
        assert row.status == "pending" and row.last_error
        waits.append((row.next_attempt_at - now).total_seconds())
        assert deliverer.deliver_due(now=now).sent == []  # not due yet: no tight loop
        now = row.next_attempt_at
    assert deliverer.deliver_due(now=now).sent
    assert len(chans["desk"].sent) == 1 and len(chans["desk"].attempts) == 4
    assert len({a.id for a in chans["desk"].attempts}) == 1
    assert waits[0] < waits[2]
    assert len(chans["hook"].sent) == 1  # the other channel was never held up


def test_permanent_failure_is_dead_with_reason_and_can_be_retried(tmp_path: Path, rt: Runtime) -> None:
    publish(rt, "the count is 3")
    chans = channels()
    chans["hook"].failures = [fail_with("endpoint gone (410)", retryable=False)]
    report = Deliverer(rt, chans).deliver_due()
    assert report.dead and "410" in report.dead[0][1]
    config = str(rt.config.path)
    listing = CliRunner().invoke(cli, ["--config", config, "alerts", "--status", "dead"])
    assert "endpoint gone (410)" in listing.stdout and "hook" in listing.stdout
    dead_id = report.dead[0][0]
    assert CliRunner().invoke(cli, ["--config", config, "alerts", "retry", dead_id]).exit_code == 0
    assert Deliverer(rt, chans).deliver_due().sent == [dead_id]


def test_gives_up_after_dead_after(tmp_path: Path) -> None:
    rt = runtime(tmp_path, CHANNELS + '\n[alerts]\ndead_after = "1h"\n')
    publish(rt, "the count is 3")
    chans = channels()
    chans["desk"].failures = [fail_with("down")] * 5
    deliverer = Deliverer(rt, chans)
    deliverer.deliver_due()
    report = deliverer.deliver_due(now=utcnow() + timedelta(hours=2))
    assert report.dead and "gave up after 2 attempts" in report.dead[0][1]
    rt.close()


def test_retry_delay_grows_is_jittered_capped_and_honours_retry_after(rt: Runtime) -> None:
    delays = [retry_delay(n, rt.config, None) for n in range(1, 30)]
    assert delays[0] <= 10 and max(delays) <= rt.config.alerts.retry_max
    assert retry_delay(1, rt.config, 3600) >= 3600
    assert retry_delay(1, rt.config, 99_999_999) == rt.config.alerts.retry_max


def test_digest_collects_changes_into_one_message(tmp_path: Path) -> None:
    rt = runtime(tmp_path, '[[channels]]\nname = "desk"\ntype = "recording"\ndigest = "10m"\n')
    publish(rt, "the count is 3")
    publish(rt, "the count is 5", outlet="Outlet B")
    recorder = RecordingNotifier("desk")
    deliverer = Deliverer(rt, {"desk": recorder})
    assert deliverer.deliver_due().sent == []  # still collecting
    report = deliverer.deliver_due(now=utcnow() + timedelta(minutes=11))
    assert len(recorder.sent) == 1 and len(recorder.sent[0].changes) == 2
    assert report.sent and deliverer.deliver_due(now=utcnow() + timedelta(minutes=30)).sent == []
    rt.close()


def test_quorum_waits_for_outlets_and_disputes_are_alerted(tmp_path: Path) -> None:
    policy = '\n[[policy.rules]]\nmatch = "t"\nquorum = 2\ndisputed = true\n'
    rt = runtime(tmp_path, '[[channels]]\nname = "desk"\ntype = "recording"\n' + policy)
    publish(rt, "the count is 3", outlet="A")
    publish(rt, "the count is 3", outlet="B")  # quorum reached: accepted
    publish(rt, "the count is 9", outlet="C")  # one outlet contradicts: disputed
    recorder = RecordingNotifier("desk")
    Deliverer(rt, {"desk": recorder}).deliver_due()
    kinds = [c.change for a in recorder.sent for c in a.changes]
    assert kinds == ["new", "disputed"]
    result = CliRunner().invoke(cli, ["--config", str(rt.config.path), "facts", "--json"])
    assert '"current": 3' in result.stdout
    rt.close()


def test_a_bad_channel_config_is_one_line(tmp_path: Path) -> None:
    rt = runtime(tmp_path, '[[channels]]\nname = "desk"\ntype = "pigeon"\n')
    from monitor.deliver.delivery import make_channels
    from monitor.errors import ConfigError

    with pytest.raises(
        ConfigError, match=r"monitor.toml:\d+: \[channels\[0\]\.type\]: unknown channel type 'pigeon'"
    ):
        make_channels(rt.config, rt.plugins)
    rt.close()


OPERATOR = CHANNELS + '\n[alerts]\noperator_channel = "desk"\ndead_after = "1h"\n'


def test_a_gone_endpoint_disables_its_channel_and_tells_the_operator_once(tmp_path: Path) -> None:
    rt = runtime(tmp_path, OPERATOR)
    publish(rt, "the count is 3")
    publish(rt, "the count is 4", outlet="Outlet B")
    chans = channels()
    chans["hook"].failures = [fail_with("endpoint gone (410)", retryable=False, disable=True)]
    deliverer = Deliverer(rt, chans)
    report = deliverer.deliver_due()
    assert len(report.dead) == 1  # the first hook alert; the second is held, not lost
    notices = [a for a in chans["desk"].sent if a.changes[0].key == "monitor.channel.hook"]
    assert len(notices) == 1 and "410" in notices[0].changes[0].evidence
    publish(rt, "the count is 5", outlet="Outlet C")  # not queued for the disabled channel
    deliverer.deliver_due()
    assert chans["hook"].sent == []
    config = str(rt.config.path)
    listing = CliRunner().invoke(cli, ["--config", config, "alerts"]).stdout
    assert "channel hook is DISABLED" in listing
    with rt.store.transaction() as session:
        pending = [r for r in outbox.list_alerts(session, status="pending") if r.channel == "hook"]
    assert len(pending) == 1  # the held one; none for the change made while disabled
    assert CliRunner().invoke(cli, ["--config", config, "alerts", "enable", "hook"]).exit_code == 0
    assert len(deliverer.deliver_due().sent) == 1 and len(chans["hook"].sent) == 1
    rt.close()


def test_failing_longer_than_dead_after_disables_and_notices_are_rate_limited(tmp_path: Path) -> None:
    rt = runtime(tmp_path, OPERATOR)
    publish(rt, "the count is 3")
    publish(rt, "the count is 4", outlet="Outlet B")
    chans = channels()
    chans["hook"].failures = [fail_with("timed out")] * 10
    deliverer = Deliverer(rt, chans)
    deliverer.deliver_due()
    later = utcnow() + timedelta(hours=2)
    report = deliverer.deliver_due(now=later)
    assert report.dead and all("gave up" in reason for _, reason in report.dead)
    notices = [a for a in chans["desk"].sent if a.changes[0].key == "monitor.channel.hook"]
    assert len(notices) == 1  # two dead alerts, one notice
    with rt.store.transaction() as session:
        from monitor.store.channels import disabled_channels

        assert "hook" in disabled_channels(session)
    rt.close()


def test_a_failing_operator_channel_does_not_stop_delivery(tmp_path: Path) -> None:
    rt = runtime(tmp_path, OPERATOR)
    publish(rt, "the count is 3")
    chans = channels()
    chans["hook"].failures = [fail_with("endpoint gone (410)", retryable=False, disable=True)]
    chans["desk"].failures = [None, RuntimeError("operator channel broken")]  # the alert, then the notice
    report = Deliverer(rt, chans).deliver_due()
    assert len(report.sent) == 1 and len(report.dead) == 1
    assert [a.changes[0].key for a in chans["desk"].attempts] == ["t.x.count", "monitor.channel.hook"]
    rt.close()
