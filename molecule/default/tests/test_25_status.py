"""The status playbook reports the running stack as it is, before the teardown tests remove it."""

import re

from conftest import UNITS, run_playbook


def test_status_summary_names_units_containers_release_and_disk(host):
    result = run_playbook("playbooks/status.yml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    for unit in UNITS:
        assert f"{unit}: active/enabled, container healthy" in summary, summary[-3000:]
    running = host.run_expect([0], "docker inspect -f '{{.Config.Image}}' trading-backend").stdout.strip()
    release = re.search(r"release: backend (\S+),", summary)
    assert release is not None, summary[-3000:]
    assert release.group(1) == running
    assert re.search(r"disk free: / \d+(\.\d+)?[KMGTP]? \(\d+% used\)", summary), summary[-3000:]
    # The timer may already have run when a test run spans midnight UTC.
    assert re.search(r"last backup: (none yet in /var/backups/trading-bot|[\d.]+ h ago)", summary), summary[-3000:]
    assert "certificate: TLS off" in summary
    assert "changed=0" in summary
