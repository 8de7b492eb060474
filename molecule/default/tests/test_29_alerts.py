"""Notifications reach receivers on the VPS: a fill through the vault's backend_notify_urls, the
kill switch through the older alert_webhook_url (both Apprise json:// targets)."""

import json
import uuid

import pytest

from conftest import http, wait_until

SINK = "/tmp/alerts.jsonl"


def received(host):
    if not host.file(SINK).exists:
        return []
    return [json.loads(line) for line in host.file(SINK).content_string.splitlines() if line.strip()]


@pytest.fixture
def sink(host):
    host.run(f"rm -f {SINK}")
    host.run_expect([0], f"nohup /opt/verify/bin/python /opt/verify/alert_sink.py 9099 {SINK} >/dev/null 2>&1 &")
    wait_until(lambda: host.run("ss -ltn '( sport = :9099 )' | grep -q LISTEN").rc == 0, 10, "the receiver listening")
    yield
    host.run("pkill -f alert_sink.py")


def test_the_backend_env_names_the_targets(host):
    env = host.file("/etc/trading-bot/backend.env").content_string
    assert "ALERT_WEBHOOK_URL=http://172.30.0.1:9099/alerts" in env
    # The targets may hold passwords and tokens: a root-only secret file, named by NOTIFY_URLS_FILE.
    assert "NOTIFY_URLS_FILE=/run/secrets/notify_urls" in env
    assert "NOTIFY_URLS=" not in env.replace("NOTIFY_URLS_FILE=", "")
    targets = host.file("/etc/trading-bot/secrets/backend/notify_urls").content_string
    assert json.loads(targets) == [{"url": "json://172.30.0.1:9099/notify", "events": ["fill", "backup_failed"]}]
    assert "HEALTH_TIMEOUT_SECONDS=3" in env


def test_the_dashboard_lists_targets_by_service_name_only(host, token):
    status, text = http(host, "GET", "http://127.0.0.1:3000/api/notifications", None, token)
    assert status == 200, text
    targets = [(t["service"], t["events"][:1]) for t in json.loads(text)]
    assert targets == [("JSON", ["fill"]), ("JSON", ["kill_switch"])]
    assert "172.30.0.1" not in text


@pytest.mark.usefixtures("sink")
def test_a_fill_reaches_the_notification_target(host, token):
    order_id = f"notify-{uuid.uuid4().hex[:12]}"
    body = {"symbol": "SIMA", "side": "buy", "qty": 1, "type": "market", "client_order_id": order_id}
    status, text = http(host, "POST", "http://127.0.0.1:3000/api/orders", body, token)
    assert status == 201, text
    fills = wait_until(
        lambda: [m for m in received(host) if m.get("title", "").startswith("Bought 1 SIMA")],
        60,
        "the fill message at the receiver",
        seen=lambda: received(host),
    )
    assert fills[0]["message"].startswith("Bought 1 SIMA at $")
    assert "/orders" in fills[0]["message"]


@pytest.mark.usefixtures("sink")
def test_a_failed_backup_is_reported(host):
    unit = host.file("/etc/systemd/system/trading-backup.service").content_string
    assert "OnFailure=trading-backup-failed.service" in unit
    host.run_expect([0], "systemctl start trading-backup-failed.service")  # what OnFailure= starts
    notices = wait_until(
        lambda: [m for m in received(host) if m.get("title") == "Backup failed"], 30, "the backup_failed notice"
    )
    assert notices[0]["message"].startswith("The backup on ")
    assert notices[0]["type"] == "failure"


@pytest.mark.usefixtures("sink")
def test_the_kill_switch_posts_an_alert_to_the_webhook(host, token):
    try:
        kill = {"confirm": "kill", "flatten": False}
        status, text = http(host, "POST", "http://127.0.0.1:3000/api/engine/kill", kill, token)
        assert status == 200, text
        alerts = wait_until(
            lambda: [a for a in received(host) if a.get("title") == "Kill switch pulled"],
            30,
            "the kill switch alert at the webhook",
        )
        assert alerts[0]["message"].startswith("kill switch pulled by admin")
        assert alerts[0]["type"] == "warning"
    finally:
        http(host, "POST", "http://127.0.0.1:3000/api/engine/start", None, token)
