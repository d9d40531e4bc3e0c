"""deploy/ cannot drift from the code: every setting in .env.example with its default, a unit file systemd accepts,
a container recipe that installs through the Makefile, and a README that documents every setting."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agents._core.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def _default_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return "{}" if not value else str(value)
    return str(value)


def settings_and_defaults() -> dict[str, str]:
    return {str(field.validation_alias): _default_text(field.get_default(call_default_factory=True))
            for field in Settings.model_fields.values()}


def test_env_example_lists_every_setting_with_its_default() -> None:
    listed = dict(re.findall(r"^#?([A-Z][A-Z0-9_]+)=(.*)$", (DEPLOY / ".env.example").read_text(), re.MULTILINE))
    assert listed == settings_and_defaults()


def test_the_example_environment_is_accepted_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """Uncommented as shipped (empty values are 'unset'), it gives the defaults."""
    for name, value in re.findall(r"^#?([A-Z][A-Z0-9_]+)=(.*)$", (DEPLOY / ".env.example").read_text(), re.MULTILINE):
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    assert settings.odoo_url is None and settings.connections() == {} and settings.retention_days == 90


def test_systemd_accepts_the_unit() -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    unit = (DEPLOY / "sentinel.service").read_text()
    installed = Path(sys.executable).parent / "sentinel"  # the console script `make` installs
    assert installed.exists()
    with_binary = unit.replace("/opt/sentinel/.venv/bin/sentinel", str(installed))
    assert with_binary != unit
    copy = DEPLOY.parent / ".pytest-sentinel.service"
    try:
        copy.write_text(with_binary)
        done = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    finally:
        copy.unlink(missing_ok=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "RestartPreventExitStatus=78" in unit  # a configuration mistake (exit 78) is not restarted in a loop
    assert "ExecStart=/opt/sentinel/.venv/bin/sentinel run --host 127.0.0.1" in unit


def test_the_container_installs_what_make_installs() -> None:
    recipe = (DEPLOY / "Containerfile").read_text()
    makefile = (REPO / "Makefile").read_text()
    stamp = re.search(r"^STAMP := (.+)$", makefile, re.MULTILINE).group(1).replace("$(VENV)", ".venv")
    assert f"RUN make {stamp} PYTHON=python3.11" in recipe
    assert "pip install" not in recipe  # no second list of packages to drift
    assert 'CMD ["sentinel", "run", "--host", "0.0.0.0", "--port", "3000"]' in recipe


def test_the_readme_documents_every_setting_and_the_console_script() -> None:
    readme = (REPO / "README.md").read_text()
    missing = [name for name in settings_and_defaults() if f"`{name}`" not in readme]
    assert missing == []
    assert "## Running in production" in readme and "`sentinel`" in readme
