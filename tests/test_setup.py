"""The set-up a new user meets: `make run` and `make test` on a fresh clone."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.skipif(Path(sys.prefix).resolve() != VENV.resolve()
                    or not (VENV / ".installed").exists(),
                    reason="runs the Makefile's install into the .venv these tests run in")
def test_installing_does_not_show_setuptools_editable_banner() -> None:
    """`make run` installs the project the first time (and after pyproject.toml
    changes); setuptools' boxed "Editable installation" warning is not for a
    new user. -W re-runs just that install, into this very .venv."""
    done = subprocess.run(["make", "-W", "pyproject.toml", ".venv/.installed"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert "pip install" in said  # the install did run
    assert "BuildBackendWarning" not in said
    assert "same name as your package" not in said
    assert "*" * 20 not in said
