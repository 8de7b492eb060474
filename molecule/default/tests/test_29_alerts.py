"""The engine posts alerts to alert_webhook_url: the kill switch reaches a real receiver."""

import json

from conftest import http, wait_until

SINK = "/tmp/alerts.jsonl"


def received(host):
    if not host.file(SINK).exists:
        return []
    return [json.loads(line) for line in host.file(SINK).content_string.splitlines() if line.strip()]


def test_the_backend_env_names_the_webhook(host):
    env = host.file("/etc/trading-bot/backend.env").content_string
    assert "ALERT_WEBHOOK_URL=http://172.30.0.1:9099/alerts" in env
    assert "HEALTH_TIMEOUT_SECONDS=3" in env


def test_the_kill_switch_posts_an_alert_to_the_webhook(host, token):
    host.run(f"rm -f {SINK}")
    host.run_expect([0], f"nohup /opt/verify/bin/python /opt/verify/alert_sink.py 9099 {SINK} >/dev/null 2>&1 &")
    wait_until(lambda: host.run("ss -ltn '( sport = :9099 )' | grep -q LISTEN").rc == 0, 10, "the receiver listening")
    try:
        kill = {"confirm": "kill", "flatten": False}
        status, text = http(host, "POST", "http://127.0.0.1:3000/api/engine/kill", kill, token)
        assert status == 200, text
        alerts = wait_until(
            lambda: [a for a in received(host) if a["event"] == "kill_switch"],
            30,
            "the kill switch alert at the webhook",
        )
        assert "kill switch pulled by admin" in alerts[0]["message"]
        assert alerts[0]["at"]
    finally:
        host.run("pkill -f alert_sink.py")
        http(host, "POST", "http://127.0.0.1:3000/api/engine/start", None, token)
