"""Renders the dashboard's nginx site outside Ansible (the e2e stage, the images tests).

Usage: render_nginx_site.py NAME=VALUE... > default.conf

The template and its defaults are the frontend role's own (one template, one set of defaults);
each NAME=VALUE overrides one `frontend_*` variable, e.g. frontend_backend_server=127.0.0.1:8000.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import jinja2
import yaml

ROLE = Path(__file__).resolve().parents[1] / "roles" / "frontend"
TEMPLATE = ROLE / "templates" / "etc" / "trading-bot" / "frontend" / "default.conf.j2"


def settings(overrides: dict[str, str]) -> dict[str, Any]:
    """The role's defaults without TLS (its expressions name other roles), then overrides."""
    defaults: dict[str, Any] = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    values = {k: v for k, v in defaults.items() if not (isinstance(v, str) and "{{" in v)}
    values.update(frontend_tls_certificate_path="", frontend_acme_webroot="")
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise SystemExit(f"render_nginx_site: no such frontend role variable: {', '.join(unknown)}")
    values.update(overrides)
    return values


def render(**overrides: str) -> str:
    # An nginx configuration, not HTML: nothing to escape.
    environment = jinja2.Environment(  # noqa: S701
        loader=jinja2.FileSystemLoader(TEMPLATE.parent),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
    )
    return environment.get_template(TEMPLATE.name).render(settings(overrides))


def main(arguments: list[str]) -> None:
    pairs = [argument.partition("=") for argument in arguments]
    bad = [name for name, equals, _ in pairs if not equals]
    if bad:
        raise SystemExit(f"render_nginx_site: expected NAME=VALUE, got {', '.join(bad)}")
    sys.stdout.write(render(**{name: value for name, _, value in pairs}))


if __name__ == "__main__":
    main(sys.argv[1:])
