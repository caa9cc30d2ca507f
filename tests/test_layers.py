"""The layers of DESIGN.md hold: the import contracts in pyproject.toml ([tool.importlinter]) are all kept — no
lower layer imports a higher one, no package's modules import each other in a cycle (`make lint` runs the same
`lint-imports`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# in a process of its own: import-linter reconfigures logging (dictConfig), which would silence the other tests' logs
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def test_the_import_contracts_are_kept() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", LINT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
