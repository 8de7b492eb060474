"""tls_mode letsencrypt against Pebble (Let's Encrypt's ACME test server, a Debian package) inside
the VPS: certbot's webroot challenge through the dashboard on port 80, the deploy hook on renewal,
the renewal timer; then tls_mode none again, so the teardown tests find the default stack."""

import json
import re

import pytest

from conftest import http, run_playbook, wait_until

DOMAIN = "bot.trading.test"
PEBBLE = "/etc/pebble-test"
ROOT = f"{PEBBLE}/issuer-root.pem"
LIVE = f"/etc/letsencrypt/live/{DOMAIN}"
WEBROOT = "/var/lib/trading-bot/acme"
HOSTS_LINE = f"127.0.0.1 {DOMAIN}"
LETSENCRYPT = {
    "tls_mode": "letsencrypt",
    "tls_domains": [DOMAIN],
    "tls_letsencrypt_email": "ops@trading.test",
    "tls_letsencrypt_server": "https://localhost:14000/dir",
    "tls_certbot_environment": {"REQUESTS_CA_BUNDLE": f"{PEBBLE}/cert.pem"},
    "frontend_port": 80,
}
PEBBLE_CONFIG = {
    "pebble": {
        "listenAddress": "127.0.0.1:14000",
        "managementListenAddress": "127.0.0.1:15000",
        "certificate": f"{PEBBLE}/cert.pem",
        "privateKey": f"{PEBBLE}/key.pem",
        "httpPort": 80,
        "tlsPort": 5001,
        "ocspResponderURL": "",
        "externalAccountBindingRequired": False,
    }
}


def _output(result):
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)[-3000:] + result.stderr[-3000:]


def _deploy(*extra):
    result = run_playbook("playbooks/deploy.yml", *extra)
    assert result.returncode == 0, _output(result)
    return _output(result)


def _served_serial(host):
    return host.check_output(
        f"openssl s_client -connect 127.0.0.1:443 -servername {DOMAIN} </dev/null 2>/dev/null"
        " | openssl x509 -noout -serial"
    )


@pytest.fixture(scope="module")
def pebble(host):
    """Pebble on the VPS's loopback, validating challenges on port 80, with DOMAIN resolving to 127.0.0.1."""
    host.run_expect([0], "DEBIAN_FRONTEND=noninteractive apt-get install -y -q pebble")
    host.run_expect([0], f"mkdir -p {PEBBLE}")
    host.run_expect(
        [0],
        f"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost"
        f" -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout {PEBBLE}/key.pem -out {PEBBLE}/cert.pem",
    )
    host.run_expect([0], f"echo '{json.dumps(PEBBLE_CONFIG)}' > {PEBBLE}/config.json")
    host.run_expect([0], f"grep -qxF '{HOSTS_LINE}' /etc/hosts || echo '{HOSTS_LINE}' >> /etc/hosts")
    host.run_expect(
        [0],
        "systemd-run --unit pebble-test --setenv=PEBBLE_VA_NOSLEEP=1 --setenv=PEBBLE_WFE_NONCEREJECT=0"
        f" /usr/bin/pebble -config {PEBBLE}/config.json",
    )
    wait_until(
        lambda: host.run(f"curl -fsS --cacert {PEBBLE}/cert.pem https://localhost:14000/dir").rc == 0,
        30,
        "Pebble answering on https://localhost:14000/dir",
    )
    yield
    host.run("systemctl stop pebble-test")
    host.run(f"sed -i '/{re.escape(HOSTS_LINE)}/d' /etc/hosts")


@pytest.fixture(scope="module")
def issued(host, pebble):
    """The stack redeployed with tls_mode letsencrypt; Pebble's root saved for curl to trust."""
    _deploy("-e", json.dumps(LETSENCRYPT))
    host.run_expect([0], f"curl -fsS --cacert {PEBBLE}/cert.pem -o {ROOT} https://localhost:15000/roots/0")
    return ["--cacert", ROOT, "--resolve", f"{DOMAIN}:443:127.0.0.1"]


def test_https_serves_the_certificate_certbot_obtained(host, issued):
    status, text = http(host, "GET", f"https://{DOMAIN}/", curl_options=issued)
    assert status == 200, text
    assert '<div id="root">' in text
    served = host.check_output("cat /etc/trading-bot/tls/fullchain.pem")
    assert served == host.check_output(f"cat {LIVE}/fullchain.pem")


def test_challenge_path_is_served_over_http_and_the_rest_redirected(host, issued):
    host.run_expect([0], f"mkdir -p {WEBROOT}/.well-known/acme-challenge")
    host.run_expect([0], f"echo probe-token > {WEBROOT}/.well-known/acme-challenge/probe")
    try:
        status, text = http(host, "GET", f"http://{DOMAIN}/.well-known/acme-challenge/probe")
        assert (status, text.strip()) == (200, "probe-token")
        status, _ = http(host, "GET", f"http://{DOMAIN}/orders")
        assert status == 301
    finally:
        host.run(f"rm -f {WEBROOT}/.well-known/acme-challenge/probe")


def test_renewal_timer_is_enabled_with_the_deploy_environment(host, issued):
    timer = host.service("certbot.timer")
    assert timer.is_enabled
    assert timer.is_running
    shown = host.check_output("systemctl show certbot.service -p Environment")
    assert f"REQUESTS_CA_BUNDLE={PEBBLE}/cert.pem" in shown


def test_renewal_runs_the_deploy_hook_and_nginx_serves_the_new_certificate(host, issued):
    before = _served_serial(host)
    # What certbot.timer runs, forced: a real renewal happens only within 30 days of expiry.
    host.run_expect(
        [0], f"REQUESTS_CA_BUNDLE={PEBBLE}/cert.pem certbot -q renew --force-renewal --no-random-sleep-on-renew"
    )
    wait_until(lambda: _served_serial(host) != before, 10, "nginx serving the renewed certificate")
    assert host.check_output("cat /etc/trading-bot/tls/fullchain.pem") == host.check_output(f"cat {LIVE}/fullchain.pem")


def test_redeploy_with_a_current_certificate_changes_nothing(issued):
    output = _deploy("-e", json.dumps(LETSENCRYPT))
    assert re.search(r"changed=0\b", output), output


def test_tls_off_again_serves_plain_http_on_the_default_port(host, issued):
    """Last: the later tests expect the default stack (tls_mode none, port 3000)."""
    _deploy()
    status, text = http(host, "GET", "http://127.0.0.1:3000/")
    assert status == 200
    assert '<div id="root">' in text
    assert not host.socket("tcp://0.0.0.0:80").is_listening
