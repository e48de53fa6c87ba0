"""scripts/python-build-deps.sh: which Debian packages it installs to build
PyGreSQL, and when. Run with PATH holding only stubs (apt-get, id,
pg_config, a compiler, the python), so nothing is installed for real and
each missing piece is simulated by leaving its stub's file out.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "python-build-deps.sh"
BASH = "/bin/bash"


@dataclass
class Machine:
    """A simulated machine: `bin` is all of PATH; `python` reports `include`
    as its include directory and `cc` as its compiler; `pg_config` reports
    `libpq_include` and `libpq_lib`; apt-get logs its arguments to `apt_log`
    and `apt-get install` brings back the files `remove` took away."""

    root: Path
    uid: int = 0

    def __post_init__(self) -> None:
        self.bin = self.root / "bin"
        self.include = self.root / "python-include"
        self.libpq_include = self.root / "pg-include"
        self.libpq_lib = self.root / "pg-lib"
        self.apt_log = self.root / "apt.log"
        self.removed = self.root / "removed"
        for d in (self.bin, self.include, self.libpq_include, self.libpq_lib, self.removed):
            d.mkdir(parents=True)
        self.stub("python", f'printf "%s\\n%s\\n" "{self.include}" "cc -pthread"')
        self.stub("id", f'[ "$1" = -u ] && echo {self.uid}')
        self.stub("cc", "exit 0")
        self.stub("pg_config", f'case "$1" in --includedir) echo "{self.libpq_include}" ;; '
                               f'--libdir) echo "{self.libpq_lib}" ;; *) exit 1 ;; esac')
        # each removed file is kept as removed/<path with / as %>
        self.stub("apt-get", f'PATH=/usr/bin:/bin; echo "$*" >>"{self.apt_log}"; [ "$1" = install ] || exit 0; '
                             f'cd "{self.removed}" && for f in *; do [ -e "$f" ] && mv "$f" "$(echo "$f" | tr % /)"; done; exit 0')

    def stub(self, name: str, body: str) -> None:
        path = self.bin / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)

    def remove(self, relative: str) -> None:
        """Takes away root/relative until apt-get install."""
        path = self.root / relative
        path.rename(self.removed / str(path).replace("/", "%"))

    def complete(self) -> "Machine":
        """Python.h, libpq-fe.h and libpq.so present."""
        for f in (self.include / "Python.h", self.libpq_include / "libpq-fe.h", self.libpq_lib / "libpq.so"):
            f.write_text("")
        return self

    def run(self, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([BASH, str(SCRIPT), str(self.bin / "python")], capture_output=True, text=True,
                              env={"PATH": str(self.bin), **env}, timeout=30)

    def apt_calls(self) -> list[str]:
        return self.apt_log.read_text().splitlines() if self.apt_log.exists() else []


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path).complete()


def test_nothing_is_installed_when_all_is_present(machine: Machine) -> None:
    got = machine.run()
    assert got.returncode == 0, got.stderr
    assert machine.apt_calls() == []
    assert got.stderr == ""


@pytest.mark.parametrize(
    "remove, package",
    [
        ("python-include/Python.h", "python3-dev"),
        ("pg-include/libpq-fe.h", "libpq-dev"),
        ("pg-lib/libpq.so", "libpq-dev"),
        ("bin/pg_config", "libpq-dev"),
        ("bin/cc", "gcc"),
    ],
)
def test_as_root_only_the_missing_package_is_installed(machine: Machine, remove: str, package: str) -> None:
    machine.remove(remove)
    got = machine.run()
    assert got.returncode == 0, got.stderr
    assert machine.apt_calls() == ["update -qq", f"install -y -qq {package}"]
    assert "still missing" not in got.stderr


def test_all_three_are_installed_on_a_bare_machine(machine: Machine) -> None:
    for f in ("python-include/Python.h", "pg-include/libpq-fe.h", "bin/cc"):
        machine.remove(f)
    got = machine.run()
    assert got.returncode == 0, got.stderr
    assert machine.apt_calls() == ["update -qq", "install -y -qq gcc python3-dev libpq-dev"]
    assert "still missing" not in got.stderr


def test_cc_names_the_compiler(machine: Machine) -> None:
    got = machine.run(CC="no-such-compiler -O2")
    assert got.returncode == 0, got.stderr
    assert machine.apt_calls()[1:] == ["install -y -qq gcc"]


def test_headers_apt_cannot_bring_are_reported(machine: Machine) -> None:
    """python3-dev is Debian's python3's headers: a python of its own (pyenv)
    without them still has none after it."""
    (machine.include / "Python.h").unlink()
    got = machine.run()
    assert got.returncode == 0, got.stderr
    assert machine.apt_calls()[1:] == ["install -y -qq python3-dev"]
    assert "still missing after apt-get: python3-dev" in got.stderr


def test_not_root_nothing_is_installed_and_the_missing_are_named(tmp_path: Path) -> None:
    machine = Machine(tmp_path, uid=1000).complete()
    (machine.libpq_include / "libpq-fe.h").unlink()
    got = machine.run()
    assert got.returncode == 0, got.stderr
    assert machine.apt_calls() == []
    assert "missing to build PyGreSQL: libpq-dev" in got.stderr


def test_a_broken_python_fails_the_script(machine: Machine) -> None:
    machine.stub("python", "exit 3")
    got = machine.run()
    assert got.returncode != 0
    assert machine.apt_calls() == []
