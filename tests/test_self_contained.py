"""A clone has nothing beside it: the product carries its own copy of the first batch and reads nothing outside."""

import subprocess
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Spelt in two parts so that this file does not match itself.
OUTSIDE = "../" + "shared"


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_no_tracked_file_reaches_outside_the_repository():
    # Prose may mention where the table came from; code, scripts and settings may not read it.
    offenders = [
        str(path.relative_to(ROOT))
        for path in tracked_files()
        if path.suffix != ".md" and path.is_file() and OUTSIDE in path.read_text("utf-8", errors="ignore")
    ]
    assert offenders == []


def test_the_first_batch_table_is_in_the_repository():
    seed = ROOT / "fixtures" / "seed"
    assert (seed / "reforms.csv").read_text("utf-8").count("\npilot,") == 9
    assert (seed / "units.csv").is_file()
