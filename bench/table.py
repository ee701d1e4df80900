"""Turn pytest-benchmark JSON output into the Markdown tables of the README's "Speed" section.

Usage::

    python3 -m pytest bench/ --benchmark-only --benchmark-json=bench.json
    python3 bench/table.py bench.json [rerun.json ...]

With several files, a benchmark in a later file replaces the one of the
same name from an earlier file (to fold in a rerun of a single benchmark).
Prints a speed table (path x size x threads x models: our fps, FFmpeg fps,
the ratio measured in the same run, the goal and whether it was met), the
native engine's table (native against the libvmaf binding, with the SIMD
level), a start-up table (command, its time and that of ``import numpy,
cffi``), a peak-memory table and a streaming-memory table, then a line naming
the machine and versions.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

#: Row order of the paths; unknown paths follow in name order.
PATH_ORDER = ("binding, raw YUV", "PyAV decode + binding, x264 MKV", "NumPy reference")
MODEL_LABELS = {"vmaf": "VMAF", "vmaf+vmaf_neg": "VMAF + NEG"}


def load(paths: Iterable[str | Path]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Benchmarks of every file (later files replace same-named ones) and the first machine."""
    benchmarks: dict[str, dict[str, Any]] = {}
    machine: dict[str, Any] = {}
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        machine = machine or data.get("machine_info", {})
        for bench in data.get("benchmarks", []):
            benchmarks[bench.get("fullname", bench["name"])] = bench
    return list(benchmarks.values()), machine


def _size_key(size: str) -> tuple[int, str]:
    try:
        w, h = (int(x) for x in size.split("x"))
    except ValueError:
        return (0, size)
    return (w * h, size)


def _path_key(path: str) -> tuple[int, str]:
    return (PATH_ORDER.index(path), "") if path in PATH_ORDER else (len(PATH_ORDER), path)


def _row_key(info: dict[str, Any]) -> tuple[Any, ...]:
    models = list(MODEL_LABELS).index(info["models"]) if info["models"] in MODEL_LABELS else 9
    return (
        _path_key(info["path"]),
        _size_key(info["size"]),
        int(info["threads"]),
        models,
        str(info.get("source", "")),
    )


def fps(value: float) -> str:
    """Frames per second with three significant digits (1.47, 44.9, 955)."""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def size_label(size: str) -> str:
    return size.replace("x", "×")


def met_label(met: bool | None) -> str:
    return "—" if met is None else ("yes" if met else "**no**")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def speed_table(benchmarks: Sequence[dict[str, Any]]) -> list[str]:
    """Markdown lines of the speed table (empty if there are no speed benchmarks)."""
    infos = sorted(
        (b["extra_info"] for b in benchmarks if b.get("extra_info", {}).get("kind") == "speed"),
        key=_row_key,
    )
    rows = [
        (
            info["path"],
            f"{size_label(info['size'])}, {info['frames']} frames",
            str(info["threads"]),
            MODEL_LABELS.get(info["models"], info["models"]),
            fps(info["ours_fps"]),
            fps(info["ffmpeg_fps"]),
            f"{info['ratio_vs_ffmpeg']:.2f}×",
            info.get("target") or "—",
            met_label(info.get("target_met")),
        )
        for info in infos
    ]
    header = (
        "path",
        "frames",
        "libvmaf threads",
        "models",
        "ours (fps)",
        "FFmpeg (fps)",
        "ours / FFmpeg",
        "goal",
        "met?",
    )
    return _table(header, rows) if rows else []


def native_table(benchmarks: Sequence[dict[str, Any]]) -> list[str]:
    """Markdown lines of the native-engine table: native against the libvmaf binding."""
    infos = sorted(
        (b["extra_info"] for b in benchmarks if b.get("extra_info", {}).get("kind") == "native"),
        key=_row_key,
    )
    rows = [
        (
            f"{size_label(info['size'])}, {info['frames']} frames",
            str(info["threads"]),
            MODEL_LABELS.get(info["models"], info["models"]),
            fps(info["native_fps"]),
            fps(info["libvmaf_fps"]),
            f"{info['ratio']:.2f}×",
            info.get("target") or "—",
            met_label(info.get("target_met")),
            f"{info['ratio_vs_vmaf_alone']:.2f}× (≥ {info.get('stretch_goal', 0.9):.2f}×: "
            f"{met_label(info.get('stretch_met'))})"
            if "ratio_vs_vmaf_alone" in info
            else "—",
            str(info.get("simd", "?")),
        )
        for info in infos
    ]
    header = (
        "native engine",
        "threads",
        "models",
        "native (fps)",
        "libvmaf (fps)",
        "native / libvmaf",
        "goal",
        "met?",
        "vs libvmaf VMAF alone (goal: met?)",
        "SIMD",
    )
    if not rows:
        return []
    lines = _table(header, rows)
    loads = sorted(float(i["load_avg"]) for i in infos if "load_avg" in i)
    if loads:
        lines += [
            "",
            f"Load average (1 min) when the native rounds ended: {loads[0]:.2f}–{loads[-1]:.2f} "
            "(other work on the machine takes cores from both sides, the two-thread rounds most).",
        ]
    return lines


def memory_table(benchmarks: Sequence[dict[str, Any]]) -> list[str]:
    """Markdown lines of the peak-memory table (whole Python process against FFmpeg)."""
    infos = sorted(
        (b["extra_info"] for b in benchmarks if b.get("extra_info", {}).get("kind") == "memory"),
        key=_row_key,
    )
    rows = [
        (
            info["path"],
            f"{size_label(info['size'])}, {info['frames']} frames",
            str(info["threads"]),
            f"{info['ours_mib']:.0f} MiB",
            f"{info['ffmpeg_mib']:.0f} MiB",
            f"{info['memory_ratio_vs_ffmpeg']:.2f}×",
        )
        for info in infos
    ]
    header = ("peak memory", "frames", "libvmaf threads", "ours", "FFmpeg", "ours / FFmpeg")
    return _table(header, rows) if rows else []


def streaming_table(benchmarks: Sequence[dict[str, Any]]) -> list[str]:
    """Markdown lines of the streaming table: peak for a short and a long clip, each side."""
    lines: list[str] = []
    for bench in benchmarks:
        info = bench.get("extra_info", {})
        if info.get("kind") != "streaming":
            continue
        short, long = (part.strip() for part in str(info["frames"]).split("->"))
        header = (
            f"{size_label(info['size'])}, {info['threads']} threads",
            f"peak, {short} frames",
            f"peak, {long} frames",
            "growth",
            "goal",
            "met?",
        )
        rows = [
            (
                "ours (whole Python process)",
                f"{info['ours_short_mib']:.0f} MiB",
                f"{info['ours_long_mib']:.0f} MiB",
                f"{info['ours_growth']:.2f}×",
                info.get("target") or "—",
                met_label(info.get("target_met")),
            ),
            (
                "FFmpeg",
                f"{info['ffmpeg_short_mib']:.0f} MiB",
                f"{info['ffmpeg_long_mib']:.0f} MiB",
                f"{info['ffmpeg_growth']:.2f}×",
                "—",
                "—",
            ),
        ]
        if lines:
            lines.append("")
        lines += _table(header, rows)
    return lines


def startup_table(benchmarks: Sequence[dict[str, Any]]) -> list[str]:
    """Markdown lines of the start-up table: a command against ``import numpy, cffi``."""
    infos = [
        b["extra_info"] for b in benchmarks if b.get("extra_info", {}).get("kind") == "startup"
    ]
    rows = [
        (
            f"`{info['command']}`",
            f"{info['ours_ms']:.0f} ms",
            f"{info['baseline_ms']:.0f} ms",
            f"{info['ratio_vs_baseline']:.2f}×",
            info.get("target") or "—",
            met_label(info.get("target_met")),
        )
        for info in sorted(infos, key=lambda i: len(i["command"]))
    ]
    header = ("command", "ours", "`import numpy, cffi`", "ours / import", "goal", "met?")
    return _table(header, rows) if rows else []


def machine_line(benchmarks: Sequence[dict[str, Any]], machine: dict[str, Any]) -> str:
    """One line: CPU, CPU count, Python, libvmaf and FFmpeg versions."""
    cpu = machine.get("cpu", {})
    parts = []
    if cpu.get("brand_raw"):
        parts.append(str(cpu["brand_raw"]))
    if cpu.get("count"):
        parts.append(f"{cpu['count']} CPUs")
    if machine.get("python_version"):
        parts.append(f"Python {machine['python_version']}")
    infos = [b.get("extra_info", {}) for b in benchmarks]
    for key, name in (("libvmaf_version", "libvmaf"), ("ffmpeg_version", "FFmpeg")):
        found = sorted({str(i[key]) for i in infos if key in i})
        if found:
            parts.append(f"{name} {', '.join(found)}")
    return "Machine: " + "; ".join(parts)


def render(paths: Sequence[str | Path]) -> str:
    """All tables and the machine line, as Markdown."""
    benchmarks, machine = load(paths)
    blocks = [
        speed_table(benchmarks),
        native_table(benchmarks),
        startup_table(benchmarks),
        memory_table(benchmarks),
        streaming_table(benchmarks),
    ]
    out: list[str] = []
    for block in blocks:
        if block:
            out += [*block, ""]
    out.append(machine_line(benchmarks, machine))
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json", nargs="+", help="pytest-benchmark JSON file(s)")
    args = parser.parse_args(argv)
    print(render(args.json))
    return 0


if __name__ == "__main__":
    sys.exit(main())
