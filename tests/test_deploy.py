"""The systemd unit in deploy/: hardened, token from a credential, and a command line that
`aftercare serve` accepts as written."""

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.cli import make_parser

UNIT = Path(__file__).resolve().parent.parent / "deploy" / "aftercare-desk.service"


def directives() -> dict[str, list[str]]:
    """Every `Key=value` of the unit, continuation lines joined."""
    text = UNIT.read_text().replace("\\\n", " ")
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_is_hardened_and_runs_as_its_own_user():
    unit = directives()
    assert unit["User"] == ["aftercare"] and unit["Group"] == ["aftercare"]
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "CapabilityBoundingSet": "",
        "UMask": "0077",
        "StateDirectory": "aftercare",
    }.items():
        assert unit[key] == [value], key
    assert "ReadWritePaths" not in unit  # nothing writable beyond its state and cache folders


def test_the_token_comes_from_a_credential_and_the_command_line_parses():
    unit = directives()
    assert unit["LoadCredential"] == ["token:/etc/aftercare/token"]
    [command] = unit["ExecStart"]
    argv = shlex.split(command.replace("${CREDENTIALS_DIRECTORY}", "/run/credentials/x"))
    assert argv[0] == "/opt/aftercare/venv/bin/aftercare"  # the wheel's venv (docs/DEPLOY.md)
    args = make_parser().parse_args(argv[1:])
    assert args.command == "serve" and str(args.token_file) == "/run/credentials/x/token"
    assert not any("AFTERCARE_TOKEN" in value for value in unit.get("Environment", []))


def test_the_unit_runs_a_wheel_install_from_the_clinics_folder_and_keeps_state_apart():
    unit = directives()
    assert unit["WorkingDirectory"] == ["/srv/aftercare"]  # content/ from here, not the venv
    environment = " ".join(unit["Environment"]).split()
    assert "AFTERCARE_STATE_DIR=/var/lib/aftercare" in environment  # register and keys
    assert unit["StateDirectory"] == ["aftercare"]  # ...which systemd makes for the user


def test_deploy_md_sets_up_the_paths_the_unit_uses():
    """Every command in DEPLOY.md's systemd section names the unit's paths, so pasting it
    gives the service what it expects."""
    text = (UNIT.parent.parent / "docs" / "DEPLOY.md").read_text()
    section = text.split("## One machine with systemd", 1)[1].split("\n## ", 1)[0]
    before = text.split("## One machine with systemd", 1)[0]
    assert "python3 -m venv /opt/aftercare/venv" in before
    assert "install -d -m 755 /srv/aftercare" in before and "aftercare init" in before
    assert "/etc/aftercare/token" in section and "systemctl enable --now aftercare-desk" in section
    assert "useradd --system --home /var/lib/aftercare" in section
    for heading in (
        "Behind nginx with TLS",
        "Several desks with PostgreSQL",
        "Backing up the register and its key",
        "Rolling upgrade",
        "Upgrading the register's schema",
    ):
        assert f"\n## {heading}\n" in text, heading


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_the_unit(tmp_path):
    """`systemd-analyze verify` finds nothing wrong (the venv's path points at a stand-in)."""
    program = tmp_path / "venv" / "bin" / "aftercare"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    unit = tmp_path / "aftercare-desk.service"
    unit.write_text(UNIT.read_text().replace("/opt/aftercare/venv", str(tmp_path / "venv")))
    found = subprocess.run(
        ["systemd-analyze", "verify", unit], capture_output=True, text=True, timeout=60
    )
    assert found.returncode == 0 and found.stderr == "", found.stderr
