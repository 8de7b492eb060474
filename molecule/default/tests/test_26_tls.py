"""tls_mode selfsigned: HTTPS with the host's certificate, HTTP redirected, HSTS, login and Socket.IO
over wss; then tls_mode none again, so the teardown tests find the default stack."""

import json
import re

import pytest

from conftest import http, run_playbook

CERTIFICATE = "/etc/trading-bot/tls/fullchain.pem"
HSTS = "strict-transport-security: max-age=63072000"


def _output(result):
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def name(host):
    """The host's inventory name: the self-signed certificate's default subject."""
    return host.check_output("hostname")


@pytest.fixture(scope="module")
def https(host, name):
    """The stack redeployed with tls_mode selfsigned; curl options trusting only its certificate."""
    result = run_playbook("playbooks/deploy.yml", "-e", "tls_mode=selfsigned")
    assert result.returncode == 0, _output(result)
    return ["--cacert", CERTIFICATE, "--resolve", f"{name}:443:127.0.0.1"]


@pytest.fixture(scope="module")
def tls_token(host, vault, name, https):
    status, text = http(
        host,
        "POST",
        f"https://{name}/api/auth/login",
        {"username": "admin", "password": vault["molecule_admin_password"]},
        curl_options=https,
    )
    assert status == 200, text
    return json.loads(text)["access_token"]


def test_https_serves_the_spa_with_the_self_signed_certificate(host, name, https):
    status, text = http(host, "GET", f"https://{name}/", curl_options=https)
    assert status == 200, text
    assert '<div id="root">' in text


def test_certificate_is_refused_for_another_name(host, https):
    status, text = http(host, "GET", "https://127.0.0.1/", curl_options=["--cacert", CERTIFICATE])
    assert status == 0
    assert "certificate" in text.lower() or "subject" in text.lower(), text


def test_private_key_is_readable_by_nginx_group_only(host, https):
    key = host.file("/etc/trading-bot/tls/privkey.pem")
    assert (key.user, key.gid, key.mode) == ("root", 101, 0o640)


def test_http_redirects_to_https_keeping_the_path(host, name, https):
    shown = host.check_output(
        f"curl -sS -o /dev/null -w '%{{http_code}} %{{redirect_url}}' -H 'Host: {name}' "
        "'http://127.0.0.1:3000/orders?page=2'"
    )
    assert shown == f"301 https://{name}/orders?page=2"


def test_api_over_http_is_redirected_not_served(host, https):
    status, _ = http(host, "GET", "http://127.0.0.1:3000/api/health")
    assert status == 301


@pytest.mark.parametrize("path", ["/", "/api/health"])
def test_https_responses_carry_hsts(host, name, https, path):
    headers = host.check_output(f"curl -sS -o /dev/null -D - {' '.join(https)} https://{name}{path}")
    assert HSTS in headers.lower(), headers


def test_tls_1_2_and_1_3_are_served(host, name, https):
    for version in ["1.2", "1.3"]:
        shown = host.check_output(
            f"curl -sS -o /dev/null -w '%{{http_code}}' --tlsv{version} --tls-max {version} "
            f"{' '.join(https)} https://{name}/"
        )
        assert shown == "200", version


def test_login_and_api_over_https(host, name, https, tls_token):
    status, text = http(host, "GET", f"https://{name}/api/health", curl_options=https)
    assert status == 200, text
    assert json.loads(text)["status"] == "ok"


def test_socketio_over_wss_after_login(host, name, tls_token):
    result = host.run(f"/opt/verify/bin/python /opt/verify/socketio_check.py https://{name} {tls_token} {CERTIFICATE}")
    assert result.rc == 0, result.stdout + result.stderr
    assert "connected transport=websocket" in result.stdout


def test_status_reports_the_certificate_expiry(host, https):
    end = host.check_output(f"openssl x509 -enddate -noout -in {CERTIFICATE}").removeprefix("notAfter=")
    result = run_playbook("playbooks/status.yml", "-e", "tls_mode=selfsigned")
    assert result.returncode == 0, _output(result)
    assert f"certificate: expires {end}" in _output(result)


def test_redeploy_with_the_same_certificate_changes_nothing(host, https):
    before = host.check_output(f"sha256sum {CERTIFICATE}")
    result = run_playbook("playbooks/deploy.yml", "-e", "tls_mode=selfsigned")
    assert result.returncode == 0, _output(result)
    assert re.search(r"changed=0\b", _output(result)), _output(result)
    assert host.check_output(f"sha256sum {CERTIFICATE}") == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-e", "tls_mode=plaintext"], "tls_mode must be one of: none, selfsigned, letsencrypt"),
        (["-e", "tls_mode=letsencrypt"], "tls_mode letsencrypt needs tls_domains"),
        (["-e", "tls_mode=letsencrypt", "-e", '{"tls_domains": ["*.example.org"]}'], "no wildcard"),
        (
            ["-e", "tls_mode=letsencrypt", "-e", '{"tls_domains": ["bot.example.org"]}'],
            "tls_mode letsencrypt needs tls_letsencrypt_email",
        ),
    ],
)
def test_bad_tls_settings_are_refused_before_any_change(extra, message):
    result = run_playbook("playbooks/deploy.yml", *extra)
    output = _output(result)
    assert result.returncode != 0, output
    assert message in output
    assert not re.search(r"changed=[1-9]", output), output


def test_tls_off_again_serves_plain_http_only(host):
    """Last: the later tests expect the default stack (tls_mode none)."""
    result = run_playbook("playbooks/deploy.yml")
    assert result.returncode == 0, _output(result)
    status, text = http(host, "GET", "http://127.0.0.1:3000/")
    assert status == 200
    assert '<div id="root">' in text
    assert not host.socket("tcp://0.0.0.0:443").is_listening
    result = run_playbook("playbooks/status.yml")
    assert "certificate: TLS off" in _output(result)
