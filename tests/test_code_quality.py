"""The whole check runs with the tests: lint, types, the one-way import contracts, no dead
code."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_code_passes_the_linter():
    result = run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_imports_run_one_way_and_the_core_stays_pure():
    result = run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_types_check():
    result = run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_code_is_dead():
    result = run(str(BIN / "vulture"), "omega_tasks", "feeder", "benchmarks", "tests",
                 "tests/vulture_allowlist.py", "--min-confidence", "60")
    assert result.returncode == 0, result.stdout + result.stderr
