"""Where install-locked's time goes, on the large lock of install_speed.py.

Runs `poetry install-locked --all-groups --all-extras` in a lock-only directory
under cProfile, in every thread (Poetry's executor installs from worker threads),
into a fresh virtualenv with a cold cache and then with a warm one, and prints
the time spent in each phase and the functions that cost the most. By default
with one installer worker, so that the phases add up to the wall time; with
--parallel, Poetry's default workers (their times then overlap and include
waiting for the GIL).

    .venv/bin/python benchmarks/profile_install_locked.py [--workload large]
"""

from __future__ import annotations

import argparse
import pstats
import shutil
import subprocess
import sys
import tempfile
import time

from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.index import PackageIndex

from benchmarks.runner import SELECTION
from benchmarks.runner import prepare
from benchmarks.workloads import CACHE
from benchmarks.workloads import WORKLOADS


# The interpreter that runs Poetry: a profiler per thread, merged at the end.
PROFILED_POETRY = """
import cProfile, pstats, sys, threading

profiles = [cProfile.Profile()]
thread_run = threading.Thread.run

def profiled_run(self):
    profile = cProfile.Profile()
    profiles.append(profile)
    profile.runcall(thread_run, self)

threading.Thread.run = profiled_run
out, sys.argv = sys.argv[1], ["poetry", *sys.argv[2:]]
profiles[0].enable()
try:
    from poetry.console.application import main
    code = main()
except SystemExit as e:
    code = e.code
finally:
    profiles[0].disable()
stats = pstats.Stats(profiles[0])
for profile in profiles[1:]:
    stats.add(profile)
stats.dump_stats(out)
sys.exit(code)
"""

WAITS = ("acquire", "wait", "sleep", "select", "SimpleQueue")
# Phase -> (file name ending, function name); a phase's time is its functions'
# cumulative time, summed over threads.
PHASES = {
    "start-up: imports": [("<frozen importlib._bootstrap>", "_find_and_load")],
    "lock: TOML parse (plugin's read + Poetry's)": [("tomllib/_parser.py", "loads")],
    "lock: packages built from the lock": [
        ("packages/locker.py", "_get_locked_package")
    ],
    "stub manifest": [("stub_manifest.py", "build_stub_package")],
    "environment: venv creation": [
        ("env/env_manager.py", "build_venv"),
        ("uv_venv.py", "build_venv"),
    ],
    "environment: interpreter queries": [("env/base_env.py", "run_python_script")],
    "installed packages read from the venv": [
        ("repositories/installed_repository.py", "load")
    ],
    "link lookups (index pages, per package)": [
        ("installation/chooser.py", "choose_for")
    ],
    "downloads": [("installation/executor.py", "_download_archive")],
    "hash checks": [("installation/executor.py", "_validate_archive_hash")],
    "unpacking and installing wheels": [("installation/wheel_installer.py", "install")],
    "--installer uv: artifacts chosen from the lock's files": [
        ("uv_executor.py", "_artifact")
    ],
    "--installer uv: uv runs (waited for)": [("uv_call.py", "run_uv")],
}


def profile(
    contender_dir: Path, env: dict[str, str], out: Path, installer: str
) -> float:
    command = [sys.executable, "-c", PROFILED_POETRY, str(out)]
    command += ["--no-ansi", "-n", "install-locked", *SELECTION]
    command += ["--installer", installer]
    start = time.perf_counter()
    subprocess.run(command, cwd=contender_dir, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def report(title: str, wall: float, stats: pstats.Stats) -> None:
    entries = stats.stats  # type: ignore[attr-defined]
    print(f"\n## {title}: {wall:.1f} s under the profiler\n")
    print("| phase | cumulative s (all threads) |\n| --- | --- |")
    for phase, functions in PHASES.items():
        total = sum(
            ct
            for (filename, _, name), (_, _, _, ct, _) in entries.items()
            if any(filename.endswith(f) and name == n for f, n in functions)
        )
        print(f"| {phase} | {total:.2f} |")
    print("\nlargest own times (all threads, waits excluded):")
    own = sorted(
        (
            (tt, f"{Path(filename).name}:{line} {name}")
            for (filename, line, name), (_, _, tt, _, _) in entries.items()
            if not any(w in name for w in WAITS)
        ),
        reverse=True,
    )
    for tt, where in own[:15]:
        print(f"  {tt:6.2f} s  {where}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", choices=list(WORKLOADS), default="large")
    parser.add_argument("--parallel", action="store_true")
    parser.add_argument("--installer", choices=["poetry", "uv"], default="poetry")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="install-locked-profile-"))
    index = PackageIndex(work / "index")
    index.start()
    try:
        locked = prepare(args.workload, WORKLOADS[args.workload], index, work)[0]
        workers = "default workers" if args.parallel else "one worker"
        for scenario in ("cold", "warm"):
            shutil.rmtree(locked.venv, ignore_errors=True)
            if scenario == "cold":
                shutil.rmtree(locked.home, ignore_errors=True)
            env = locked.env()
            if not args.parallel:
                env["POETRY_INSTALLER_MAX_WORKERS"] = "1"
            out = CACHE / f"profile-{args.workload}-{args.installer}-{scenario}.prof"
            wall = profile(locked.directory, env, out, args.installer)
            title = (
                f"{args.workload} lock, --installer {args.installer}, fresh venv,"
                f" {scenario} cache, {workers}"
            )
            report(title, wall, pstats.Stats(str(out)))
            print(f"\nfull profile: {out}")
    finally:
        index.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
