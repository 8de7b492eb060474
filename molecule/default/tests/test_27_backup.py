"""Backups: the timer is armed; a dump restores the orders after the database is wrecked; retention prunes."""

import datetime as dt
import json
import re

import pytest

from conftest import http, place_limit_order, psql, run_playbook

BACKUP_DIR = "/var/backups/trading-bot"
API = "http://127.0.0.1:3000/api"


def output(result):
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)


def dumps(host):
    """Names of the visible files in the backup directory (the lock and unfinished dumps are hidden)."""
    listed = host.run_expect([0], f"find {BACKUP_DIR} -maxdepth 1 -type f -not -name '.*' -printf '%f\\n'").stdout
    return set(listed.split())


@pytest.fixture(scope="module")
def backed_up_orders(host, token):
    """Orders written through nginx, then one backup taken by the playbook: (orders, dump path)."""
    orders = [place_limit_order(host, token, "backup") for _ in range(3)]
    result = run_playbook("playbooks/backup.yml")
    assert result.returncode == 0, output(result)[-3000:]
    wrote = re.search(rf"trading-backup: wrote ({BACKUP_DIR}/\S+)", output(result))
    assert wrote is not None, output(result)[-3000:]
    return orders, wrote.group(1)


def test_timer_is_installed_enabled_and_active(host):
    timer = host.service("trading-backup.timer")
    assert timer.is_enabled
    assert timer.is_running
    unit = host.check_output("systemctl cat trading-backup.timer")
    assert "OnCalendar=2099-01-01 00:00:00 UTC" in unit  # the scenario's: only the tests start backups
    assert "Persistent=true" in unit
    next_run = host.check_output("systemctl show -p NextElapseUSecRealtime --value trading-backup.timer")
    assert next_run.strip() not in ("", "n/a", "0")


def test_backup_playbook_writes_a_complete_root_only_dump(host, backed_up_orders):
    _, path = backed_up_orders
    assert re.fullmatch(rf"{BACKUP_DIR}/trading_bot-\d{{8}}T\d{{6}}Z\.dump", path)
    dump = host.file(path)
    assert dump.user == "root"
    assert dump.mode == 0o600
    assert host.file(BACKUP_DIR).mode == 0o700
    listing = host.run_expect([0], f"docker exec -i trading-db pg_restore --list < {path}").stdout
    assert "TABLE DATA public orders" in listing
    assert not any(name.endswith(".partial") for name in host.check_output(f"ls -A {BACKUP_DIR}").split())
    journal = host.check_output("journalctl -u trading-backup --no-pager -o cat")
    assert f"trading-backup: wrote {path}" in journal


def test_status_reports_the_fresh_backup(host, backed_up_orders):
    result = run_playbook("playbooks/status.yml")
    assert result.returncode == 0, output(result)[-3000:]
    assert "last backup: 0.0 h ago" in output(result)


def test_failed_backup_exits_non_zero_and_says_why_in_the_journal(host, backed_up_orders):
    """A backup pointed at a missing container fails loudly and keeps no new file."""
    before = dumps(host)
    dropin = "/run/systemd/system/trading-backup.service.d"
    host.run_expect(
        [0],
        f"mkdir -p {dropin} && sed 's/^BACKUP_DB_CONTAINER=.*/BACKUP_DB_CONTAINER=no-such-db/' "
        f"/etc/trading-bot/backup.env > /run/backup-broken.env && chmod 600 /run/backup-broken.env && "
        f"printf '[Service]\\nEnvironment=TRADING_BACKUP_CONFIG=/run/backup-broken.env\\n' "
        f"> {dropin}/broken.conf && systemctl daemon-reload",
    )
    try:
        result = run_playbook("playbooks/backup.yml")
    finally:
        host.run_expect([0], f"rm -rf {dropin} /run/backup-broken.env && systemctl daemon-reload")
    assert result.returncode != 0
    reason = "trading-backup: FAILED: the database container no-such-db is not running"
    assert reason in output(result)
    assert reason in host.check_output("journalctl -u trading-backup --no-pager -o cat")
    assert host.run("systemctl is-failed trading-backup.service").stdout.strip() == "failed"
    assert dumps(host) == before
    host.run_expect([0], "systemctl reset-failed trading-backup.service")


def test_restore_brings_back_the_backed_up_orders_after_the_database_is_wrecked(host, token, backed_up_orders):
    orders, path = backed_up_orders
    later = place_limit_order(host, token, "backup")  # after the backup: the restore must take it away
    dropped = psql(host, "DROP TABLE orders CASCADE")
    assert dropped.rc == 0, dropped.stderr
    assert psql(host, "SELECT to_regclass('public.orders')").stdout.strip() == ""

    refused = run_playbook("playbooks/restore.yml")
    assert refused.returncode != 0
    assert "Rerun with -e restore_confirm=yes" in output(refused), output(refused)[-3000:]
    assert host.service("trading-backend").is_running, "a refused restore must not stop the app"

    missing = run_playbook("playbooks/restore.yml", "-e", "restore_file=../../etc/passwd", "-e", "restore_confirm=yes")
    assert missing.returncode != 0
    assert "no dump named ../../etc/passwd" in output(missing), output(missing)[-3000:]

    name = path.rsplit("/", 1)[1]
    restored = run_playbook("playbooks/restore.yml", "-e", f"restore_file={name}", "-e", "restore_confirm=yes")
    assert restored.returncode == 0, output(restored)[-3000:]
    assert f"trading-restore: restored {path}" in output(restored)

    status, text = http(host, "GET", f"{API}/health")
    assert status == 200, text
    for order in orders:
        status, text = http(host, "GET", f"{API}/orders/{order['id']}", token=token)
        assert status == 200, text
        assert json.loads(text)["client_order_id"] == order["client_order_id"]
    status, _ = http(host, "GET", f"{API}/orders/{later['id']}", token=token)
    assert status == 404


def test_backup_copies_each_new_dump_to_the_rsync_target(host):
    mirror = "/var/tmp/backup-mirror"
    host.run_expect([0], f"rm -rf {mirror} && mkdir -p {mirror}")
    result = run_playbook("playbooks/backup.yml", "-e", f"backup_rsync_target={mirror}")
    assert result.returncode == 0, output(result)[-3000:]
    path = re.search(rf"trading-backup: wrote ({BACKUP_DIR}/\S+)", output(result)).group(1)
    copy = f"{mirror}/{path.rsplit('/', 1)[1]}"
    assert host.file(copy).sha256sum == host.file(path).sha256sum
    reset = run_playbook("playbooks/backup.yml")  # the inventory again: no remote copy
    assert reset.returncode == 0, output(reset)[-3000:]
    assert "BACKUP_RSYNC_TARGET=''" in host.check_output("cat /etc/trading-bot/backup.env")


def test_s3_copy_without_the_aws_cli_fails_naming_the_package_and_keeps_the_dump(host):
    before = dumps(host)
    host.run_expect(
        [0],
        "sed 's/^BACKUP_S3_BUCKET=.*/BACKUP_S3_BUCKET=trading-bot-test/' /etc/trading-bot/backup.env "
        "> /run/backup-s3.env",
    )
    result = host.run("TRADING_BACKUP_CONFIG=/run/backup-s3.env /usr/local/sbin/trading-backup")
    host.run_expect([0], "rm -f /run/backup-s3.env")
    assert result.rc == 1
    assert "the aws command (Debian package awscli) is missing" in result.stderr
    kept = re.search(r"the local dump (\S+) is kept", result.stderr).group(1)
    assert kept.rsplit("/", 1)[1] in dumps(host) - before


def test_retention_keeps_the_newest_dump_of_7_days_and_4_iso_weeks(host):
    """Dummy dumps for each of the last 40 days (by mtime); one run prunes all but the policy's picks."""
    today = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    dummies = {}
    for days_ago in range(1, 41):
        moment = today - dt.timedelta(days=days_ago)
        name = f"trading_bot-{moment:%Y%m%dT%H%M%SZ}.dump"
        dummies[name] = moment
        path = f"{BACKUP_DIR}/{name}"
        host.run_expect([0], f"echo dummy > {path} && touch -d @{int(moment.timestamp())} {path}")
    unrelated = ["notes.txt", "other-20200101T000000Z.dump"]
    host.run_expect([0], " && ".join(f"touch -d '2020-01-01' {BACKUP_DIR}/{name}" for name in unrelated))
    before = dumps(host)

    host.run_expect([0], "systemctl start trading-backup.service")

    after = dumps(host)
    new = after - before
    assert len(new) == 1, new
    # Daily: today (the new dump) and the 6 days before. Weekly: this ISO week (the new dump) and the
    # Sundays (newest day) of the 3 weeks before.
    monday = today.date() - dt.timedelta(days=today.weekday())
    sundays = {monday - dt.timedelta(days=1 + 7 * weeks) for weeks in range(3)}
    expected = {name for name, moment in dummies.items() if (today - moment).days <= 6 or moment.date() in sundays}
    assert after == new | expected | set(unrelated)
    host.run_expect(
        [0],
        f"rm -f {BACKUP_DIR}/notes.txt {BACKUP_DIR}/other-* " + " ".join(f"{BACKUP_DIR}/{name}" for name in expected),
    )
