"""The install-speed benchmark's report: the machine, the markdown tables of
docs/benchmarks.md, and the chart."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess

from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks.runner import CONTENDERS
from benchmarks.runner import SCENARIOS
from benchmarks.workloads import PEER_REQUIREMENTS
from benchmarks.workloads import peers


SCENARIO_TITLES = {
    "cold": "fresh venv, cold cache",
    "warm": "fresh venv, warm cache",
    "no-op": "no-op re-run",
}


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    bin_ = peers()
    uv = subprocess.run(
        [bin_ / "uv", "--version"], capture_output=True, text=True, check=True
    )
    return {
        "cpu": f"{os.cpu_count()} x {cpu}",
        "memory": f"{int(memory) / 1024**2:.0f} GiB",
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "poetry": version("poetry"),
        "peers": ", ".join(PEER_REQUIREMENTS[1:4]),
        "uv": uv.stdout.strip(),
    }


def table(results: dict[str, Any]) -> str:
    """Markdown: median (min-max) wall time and ratio to poetry install --no-root."""
    names = list(CONTENDERS.values())
    # Every contender that runs Poetry prints when it has planned the work.
    poetry_runs = [
        name for name in names if not name.startswith(("export", "lock-slice"))
    ]
    lines = [
        "| wall time, median (min-max), ratio | " + " | ".join(names) + " |",
        "| --- " * (len(names) + 1) + "|",
    ]
    rss = [
        "| peak RSS, median | " + " | ".join(names) + " |",
        "| --- " * (len(names) + 1) + "|",
    ]
    planned = [
        "| until the first package operation, median (min-max) | "
        + " | ".join(poetry_runs)
        + " |",
        "| --- " * (len(poetry_runs) + 1) + "|",
    ]
    for workload, data in results["workloads"].items():
        runs = data["runs"]
        for scenario in SCENARIOS:
            label = (
                f"{workload} ({data['installed']} packages, {data['rounds']} runs),"
                f" {SCENARIO_TITLES[scenario]}"
            )
            baseline = statistics.median(
                r["wall"] for r in runs[CONTENDERS["poetry"]][scenario]
            )
            cells = []
            for name in names:
                walls = [r["wall"] for r in runs[name][scenario]]
                median = statistics.median(walls)
                cells.append(
                    f"{_seconds(median)} ({_spread(walls)}), **{median / baseline:.2f}x**"
                )
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
            rss.append(
                f"| {label} | "
                + " | ".join(
                    f"{statistics.median(r['rss_mb'] for r in runs[name][scenario]):.0f} MB"
                    for name in names
                )
                + " |"
            )
            cells = []
            for name in poetry_runs:
                times = [r["planned"] for r in runs[name][scenario]]
                cells.append(f"{_seconds(statistics.median(times))} ({_spread(times)})")
            planned.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n\n".join("\n".join(t) for t in (lines, rss, planned))


def medians(results: dict[str, Any]) -> str:
    """One line per measured cell, for a run of some contenders or scenarios
    only, which the tables (every contender, every scenario) cannot show."""
    lines = []
    for name, data in results["workloads"].items():
        for contender, by_scenario in data["runs"].items():
            for scenario, runs in by_scenario.items():
                walls = [r["wall"] for r in runs]
                lines.append(
                    f"{name}, {SCENARIO_TITLES[scenario]}, {contender}:"
                    f" {_seconds(statistics.median(walls))} ({_spread(walls)})"
                    + _steps(runs)
                )
    return "\n".join(lines)


def _steps(runs: list[dict[str, Any]]) -> str:
    """Where a run's time went: until Poetry planned, and each command's share."""
    parts = []
    planned = [r["planned"] for r in runs if r.get("planned") is not None]
    if planned:
        parts.append(f"planned at {_seconds(statistics.median(planned))}")
    steps = [r.get("steps", {}) for r in runs]
    if len(steps[0]) > 1:
        for step in steps[0]:
            times = [s[step] for s in steps if step in s]
            parts.append(
                f"{step} {_seconds(statistics.median(times))} ({_spread(times)})"
            )
    return f"; {', '.join(parts)}" if parts else ""


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def _spread(values: list[float]) -> str:
    return "-".join(_seconds(v)[:-2] for v in (min(values), max(values)))


def chart(results_path: Path, png: Path) -> None:
    """Grouped bars per workload: scenarios, one bar per contender, min-max whiskers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from matplotlib import ticker

    results = json.loads(results_path.read_text())
    workloads = results["workloads"]
    names = list(CONTENDERS.values())
    figure, axes = plt.subplots(
        1, len(workloads), figsize=(6 * len(workloads), 4.5), squeeze=False
    )
    width = 0.8 / len(names)
    for axis, (workload, data) in zip(axes[0], workloads.items()):
        for i, name in enumerate(names):
            medians, low, high = [], [], []
            for scenario in SCENARIOS:
                walls = [r["wall"] for r in data["runs"][name][scenario]]
                median = statistics.median(walls)
                medians.append(median)
                low.append(median - min(walls))
                high.append(max(walls) - median)
            positions = [s + (i - (len(names) - 1) / 2) * width for s in range(3)]
            bars = axis.bar(
                positions, medians, width, yerr=[low, high], capsize=2, label=name
            )
            axis.bar_label(bars, fmt="%.1f", fontsize=6, padding=2)
        axis.set_xticks(range(3), [SCENARIO_TITLES[s] for s in SCENARIOS])
        axis.set_yscale("log")
        axis.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        axis.yaxis.set_minor_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        axis.tick_params(axis="y", which="minor", labelsize=7)
        axis.set_ylabel("wall time (s, log scale)")
        axis.set_title(
            f"{workload} lock: {data['installed']} packages, {data['rounds']} runs"
        )
        axis.grid(axis="y", which="both", alpha=0.3)
    axes[0][0].legend(fontsize="small")
    figure.suptitle("Installing one poetry.lock: median wall time, whiskers min-max")
    figure.tight_layout()
    figure.savefig(png, dpi=110)
