"""What handing the installer the packages the lock's check built saves.

Lock-only mode builds every locked package before anything is installed, as
Poetry's installer will (so that a field Poetry cannot read is one line, not a
traceback mid-install). Its locker then hands those very packages to the
installer (`LockOnlyLocker.locked_repository`) instead of having Poetry build
them again. This times both, in process, alternating, on the large workload's
lock (written by install_speed.py, which downloads it once):

    .venv/bin/python benchmarks/lock_check.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from poetry.packages.locker import Locker

from benchmarks.workloads import CACHE
from poetry_plugin_install_locked.lock_file import check_readable
from poetry_plugin_install_locked.lock_file import read_lock_file
from poetry_plugin_install_locked.lock_only import LockOnlyLocker


LOCK = CACHE / "large" / "pypi-project" / "poetry.lock"


def reused(path: Path) -> float:
    """The check, then the installer's repository: the check's packages."""
    start = time.perf_counter()
    lock = read_lock_file(path)
    locker = LockOnlyLocker(lock)
    check_readable(lock, locker.build_package)
    locker.locked_repository()
    return time.perf_counter() - start


def built_again(path: Path) -> float:
    """The same check, then Poetry's own repository, built anew."""
    start = time.perf_counter()
    lock = read_lock_file(path)
    locker = LockOnlyLocker(lock)
    check_readable(lock, locker.build_package)
    Locker.locked_repository(locker)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    if not LOCK.exists():
        sys.exit(f"no {LOCK}: run benchmarks/install_speed.py --workload large first")
    times: dict[str, list[float]] = {"reused": [], "built again": []}
    for _ in range(args.rounds):
        times["reused"].append(reused(LOCK))
        times["built again"].append(built_again(LOCK))
    packages = len(read_lock_file(LOCK).packages)
    for name, values in times.items():
        print(
            f"{packages} packages, {name}: {statistics.median(values):.3f} s"
            f" ({min(values):.3f}-{max(values):.3f}), {args.rounds} rounds"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
