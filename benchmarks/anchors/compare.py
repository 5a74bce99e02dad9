#!/usr/bin/env python3
"""Joins LlmLab's `anchors --json` output and torch_anchors.py's `--json` output by workload name into one markdown
table beside the goals of docs/performance.md and issue 7. Standard library only.

    python3 benchmarks/anchors/compare.py [LLMLAB_JSON [TORCH_JSON]]      (defaults: llmlab.json torch.json)

Speed is PyTorch's time / LlmLab's time: above 1 LlmLab is faster. Goals: fp32 matmul >= 0.8x cuBLAS; causal
attention forward in no more time than SDPA (>= 1x); sampling in at most half PyTorch's time (>= 2x); int8 per-row
quantisation at >= 80% of the device's copy bandwidth (the faster of the two copies measured in the same run); a
training step faster than PyTorch eager (> 1x). The other workloads have no goal yet: their speed is shown only.
"""
import json
import math
import sys


def load(path):
    """(metadata, rows by name); a missing file gives an empty side (the table then shows "-" there)."""
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        print(f"compare.py: {path} not found; that side is left empty", file=sys.stderr)
        return {"missing": path}, {}
    rows = {}
    for t in data.get("timings", []):
        rows[t["Name"]] = dict(t, MedianMs=number(t.get("MedianMs")), Bytes=number(t.get("Bytes", 0)))
    return data, rows


def number(value):
    """LlmLab writes NaN and infinities as strings ("NaN"); Python's json writes them bare."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def ok(ms):
    return ms is not None and math.isfinite(ms) and ms > 0


def bandwidth(row):
    """GB/s of a bandwidth-bound row, or None."""
    if row and ok(row["MedianMs"]) and row["Bytes"] > 0:
        return row["Bytes"] / row["MedianMs"] / 1e6
    return None


def cell(row):
    if row is None:
        return "-"
    if row.get("Error") or not ok(row["MedianMs"]):
        return "failed"
    return f"{row['MedianMs']:.3f} ({row['Throughput']})"


# (name prefix, goal text, least speed = PyTorch ms / LlmLab ms, strictly above)
SPEED_GOALS = [
    ("matmul f32", ">= 0.8x cuBLAS", 0.8, False),
    ("causal attention fwd", "<= SDPA's time (>= 1x)", 1.0, False),
    ("top-k 50 + top-p 0.9", "<= half PyTorch's time (>= 2x)", 2.0, False),
    ("training step", "faster than PyTorch eager (> 1x)", 1.0, True),
]
QUANT_PREFIX, COPY_PREFIX = "int8 absmax per-row quantisation", "device-to-device copy"


def judge(name, mine, theirs, copy_gbs):
    """(goal text, verdict) for one workload."""
    if name.startswith(QUANT_PREFIX):
        goal = ">= 80% of copy bandwidth" + (f" ({copy_gbs:.0f} GB/s)" if copy_gbs else "")
        have = bandwidth(mine)
        if have is None or not copy_gbs:
            return goal, "no data"
        share = have / copy_gbs
        return goal, f"{'met' if share >= 0.8 else 'not met'} ({share:.0%})"
    for prefix, goal, least, strict in SPEED_GOALS:
        if name.startswith(prefix):
            if not (mine and theirs and ok(mine["MedianMs"]) and ok(theirs["MedianMs"])):
                return goal, "no data"
            speed = theirs["MedianMs"] / mine["MedianMs"]
            met = speed > least if strict else speed >= least
            return goal, "met" if met else "not met"
    if name.startswith(COPY_PREFIX):
        return "(the bandwidth ceiling)", "-"
    return "(none set)", "-"


def table(llmlab, torch):
    (mine_meta, mine), (their_meta, theirs) = llmlab, torch
    names = list(mine) + [n for n in theirs if n not in mine]
    copies = [bandwidth(rows.get(n)) for rows in (mine, theirs) for n in rows if n.startswith(COPY_PREFIX)]
    copy_gbs = max((c for c in copies if c), default=None)
    lines = [f"**{meta['missing']} not found: that side is empty.**\n" for meta in (mine_meta, their_meta) if "missing" in meta]
    lines += [
        f"LlmLab: backend {mine_meta.get('backend', '?')} on {mine_meta.get('device', '?')}; "
        f"PyTorch {their_meta.get('torch', '?')} on {their_meta.get('device', '?')}.",
        "",
    ]
    if mine_meta.get("small") or their_meta.get("small"):
        lines += ["**Small sizes: a smoke run, not an anchor. Only full-size GPU figures count.**", ""]
    if bool(mine_meta.get("small")) != bool(their_meta.get("small")) and mine and theirs:
        lines += ["**Warning: one side ran small sizes and the other full sizes; few names will join.**", ""]
    lines += [
        "| workload | LlmLab ms | PyTorch ms | speed (PyTorch ms / LlmLab ms) | goal | met? | PyTorch does |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in names:
        a, b = mine.get(name), theirs.get(name)
        speed = f"{b['MedianMs'] / a['MedianMs']:.3g}x" if a and b and ok(a["MedianMs"]) and ok(b["MedianMs"]) else "-"
        goal, verdict = judge(name, a, b, copy_gbs)
        note = (b.get("Note") or "") if b else "(not run)"
        lines.append(f"| {name} | {cell(a)} | {cell(b)} | {speed} | {goal} | {verdict} | {note} |")

    failures = [f"- LlmLab {n}: {r['Error']}" for n, r in mine.items() if r.get("Error")]
    failures += [f"- PyTorch {n}: {r['Error']}" for n, r in theirs.items() if r.get("Error")]
    failed_checks = [c for c in mine_meta.get("checks", []) if not c.get("Passed")]
    if failed_checks:
        failures += [f"- LlmLab check failed: {c['Name']} (max |diff| {c['MaxDifference']}, tolerance {c['Tolerance']})"
                     for c in failed_checks]
    checks = mine_meta.get("checks", [])
    lines += ["", f"LlmLab's consistency checks against the cpu backend: {len(checks) - len(failed_checks)} of {len(checks)} passed."]
    if failures:
        lines += ["", "Failures:"] + failures
    return "\n".join(lines)


def main(argv):
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0
    paths = (argv + ["llmlab.json", "torch.json"][len(argv):])[:2]
    try:
        sides = [load(p) for p in paths]
    except (OSError, ValueError) as e:
        print(f"compare.py: cannot read {e}", file=sys.stderr)
        return 2
    if all("missing" in meta for meta, _ in sides):
        return 2
    print(table(*sides))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
