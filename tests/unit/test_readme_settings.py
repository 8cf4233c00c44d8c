"""The README's configuration table is the settings' own description."""

import os
from pathlib import Path

from omega_tasks.config import Settings

README = Path(__file__).parents[2] / "README.md"


def test_the_readme_lists_every_setting_with_its_default_and_meaning(monkeypatch):
    for name in [n for n in os.environ if n.startswith("OMEGA_")]:
        monkeypatch.delenv(name)  # the defaults, whatever this shell sets
    rows = [f"| `{name}` | `{value}` | {doc} |" for name, value, doc in Settings().describe()]
    lines = README.read_text().splitlines()
    start = lines.index("| variable | default | meaning |") + 2
    assert lines[start : start + len(rows) + 1] == [*rows, ""], "run: omega config --markdown"
