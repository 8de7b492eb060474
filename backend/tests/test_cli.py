import subprocess
import sys

from app.core.security import verify_password
from tests.conftest import BACKEND_DIR


def _hash_password(stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "hash-password", "--stdin"],
        cwd=BACKEND_DIR,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_hash_password_prints_a_verifiable_hash() -> None:
    result = _hash_password("a long enough password\n")
    assert result.returncode == 0
    assert verify_password("a long enough password", result.stdout.strip())


def test_short_password_is_refused() -> None:
    result = _hash_password("short\n")
    assert result.returncode == 2
    assert "at least 12 characters" in result.stderr
