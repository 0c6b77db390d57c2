"""Turns benches/out/runs/ into benches/out/results.json and a Markdown
table on stdout (the figures BENCHMARKS.md quotes). Run by benches/run.sh."""

import json
import statistics
import sys
from pathlib import Path

runs = Path(sys.argv[1])
smoke = sys.argv[2] == "1"
sizes = [int(n) for n in sys.argv[3].split()]
wf_sizes = [int(n) for n in sys.argv[4].split()] if len(sys.argv) > 4 else []
out = runs.parent


def numbers(path):
    if not path.exists():
        return []
    return [float(x) for x in path.read_text().split() if x.strip()]


def measured(name):
    times = numbers(runs / f"{name}.times")
    rss = numbers(runs / f"{name}.rss")
    if not times:
        return None
    return {
        "runs": len(times),
        "wall_median_s": statistics.median(times),
        "wall_min_s": min(times),
        "wall_max_s": max(times),
        "peak_rss_median_mib": statistics.median(rss) / 1024 if rss else None,
    }


facts = {}
for line in (runs / "facts.txt").read_text().splitlines():
    key, _, value = line.partition(" ")
    facts[key] = {"true": True, "false": False}.get(value, int(value) if value.lstrip("-").isdigit() else value)

machine = dict(
    line.split(": ", 1) for line in (runs / "machine.txt").read_text().splitlines() if ": " in line
)

results = {"smoke": smoke, "machine": machine, "facts": facts, "tools": {}}
for path in sorted(runs.glob("*.times")):
    results["tools"][path.stem] = measured(path.stem)
tools = results["tools"]


def wall(name):
    return (tools.get(name) or {}).get("wall_median_s")


def rss(name):
    return (tools.get(name) or {}).get("peak_rss_median_mib")


def linear_fit(points):
    """Least squares y = intercept + slope * x, with R²; None under two points."""
    if len(points) < 2:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in points)
    return {"slope": slope, "intercept": intercept, "r_squared": 1 - ss_res / ss_tot if ss_tot else 1.0}


# Least squares of the median wall time over N: time = intercept + slope * N.
points = [(n, wall(f"mono-{n}-envtrail")) for n in sizes if wall(f"mono-{n}-envtrail") is not None]
fit = None
line = linear_fit(points)
if line:
    fit = {
        "slope_ms_per_service": line["slope"] * 1000,
        "intercept_ms": line["intercept"] * 1000,
        "r_squared": line["r_squared"],
    }
results["monorepo_fit"] = fit

# The N-workflow curve: time, peak memory and report size over N.
wf_fits = {}
for what, value in [
    ("time_s", lambda n: wall(f"wf-{n}-envtrail")),
    ("peak_rss_mib", lambda n: rss(f"wf-{n}-envtrail")),
    ("report_bytes", lambda n: facts.get(f"wf_{n}_report_bytes")),
]:
    pts = [(n, value(n)) for n in wf_sizes if value(n) is not None]
    wf_fits[what] = linear_fit(pts)
results["workflows_fit"] = wf_fits


def ratio(a, b):
    return a / b if a is not None and b else None


targets = []


def target(name, value, ok, goal):
    targets.append({"target": name, "measured": value, "goal": goal, "met": ok})


e = wall("corpus-envtrail")
if e is not None:
    r = ratio(wall("corpus-semgrep"), e)
    target("faster than semgrep (corpus)", r, r is not None and r >= 15, ">= 15x")
    r = ratio(wall("corpus-ast-grep"), e)
    target("faster than ast-grep (corpus)", r, r is not None and r >= 3, ">= 3x")
    r = ratio(e, wall("corpus-parse-only"))
    target("time over parse-only (corpus)", r, r is not None and r <= 1.3, "<= 1.3x")
    r = ratio(e, wall("corpus-ripgrep"))
    target("time over ripgrep regex (corpus)", r, r is not None and r <= 5, "<= 5x")
    m = rss("corpus-envtrail")
    target("peak memory, corpus (MiB)", m, m is not None and m <= 32, "<= 32 MiB")
    target("matches equal ast-grep's", facts.get("corpus_matches_equal_ast_grep"),
           facts.get("corpus_matches_equal_ast_grep") is True, "equal")
    target("JSON identical, --threads 1 vs default (corpus)", facts.get("corpus_identical_across_threads"),
           facts.get("corpus_identical_across_threads") is True, "identical")
w = wall("onefile-envtrail")
if w is not None:
    target("one-file repository (ms)", w * 1000, w < 0.010, "< 10 ms")
m = rss("mono-1000-envtrail")
if m is not None:
    target("peak memory, monorepo N=1000 (MiB)", m, m <= 64, "<= 64 MiB")
if fit:
    target("linear in N (R² of the fit)", fit["r_squared"], fit["r_squared"] >= 0.98, ">= 0.98")
for n in sizes:
    key = f"mono_{n}_identical_across_threads"
    target(f"JSON identical, --threads 1 vs default (N={n})", facts.get(key), facts.get(key) is True, "identical")
z, e = wall("workflows-zizmor"), wall("workflows-envtrail")
if z is not None:
    r = ratio(z, e)
    target("faster than zizmor (workflow dataset)", r, r is not None and r >= 3, ">= 3x")
m = rss("workflows-all-envtrail")
if m is not None:
    target("peak memory, workflow dataset (MiB)", m, m <= 64, "<= 64 MiB")
b = facts.get("workflows_all_report_bytes")
if isinstance(b, int):
    target("JSON report, workflow dataset (MB)", b / 1e6, b <= 10_000_000, "<= 10 MB")
if len(wf_sizes) >= 3:
    for what, f in wf_fits.items():
        if f:
            target(f"N-workflow curve linear: {what} (R²)", f["r_squared"], f["r_squared"] >= 0.99, ">= 0.99")
for n in wf_sizes:
    key = f"wf_{n}_identical_across_threads"
    target(f"JSON identical, --threads 1 vs default (workflows N={n})", facts.get(key), facts.get(key) is True, "identical")
results["targets"] = targets
(out / "results.json").write_text(json.dumps(results, indent=2) + "\n")


def fmt(x, digits=3):
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


matches = {
    "corpus-envtrail": facts.get("corpus_envtrail_matches"),
    "corpus-envtrail-1thread": facts.get("corpus_envtrail_matches"),
    "corpus-ast-grep": facts.get("corpus_ast_grep_matches"),
    "corpus-semgrep": facts.get("corpus_semgrep_matches"),
    "corpus-ripgrep": facts.get("corpus_ripgrep_matches"),
    "corpus-parse-only": facts.get("corpus_parse_only_files"),
}
for n in sizes:
    matches[f"mono-{n}-envtrail"] = facts.get(f"mono_{n}_envtrail_matches")
for n in wf_sizes:
    matches[f"wf-{n}-envtrail"] = facts.get(f"wf_{n}_report_bytes")

print("## Results" + (" (SMOKE RUN: debug build, timings meaningless)" if smoke else ""))
print()
for k, v in machine.items():
    print(f"- {k}: {v}")
print()
if facts.get("corpus_envtrail_matches") == 0 or any(
    facts.get(f"mono_{n}_envtrail_matches") == 0 for n in sizes
):
    print("**Warning: envtrail reported no reads: this build has no Python collector, its timings measure the walk only.**")
    print()
print("| run | runs | wall median (s) | min–max (s) | peak RSS median (MiB) | matches (wf-N: JSON bytes) |")
print("|---|---:|---:|---:|---:|---:|")
for name, t in tools.items():
    if t is None:
        continue
    print(
        f"| {name} | {t['runs']} | {fmt(t['wall_median_s'])} | {fmt(t['wall_min_s'])}–{fmt(t['wall_max_s'])} "
        f"| {fmt(t['peak_rss_median_mib'], 1)} | {fmt(matches.get(name))} |"
    )
print()
if fit:
    print(
        f"Monorepo fit: time = {fit['intercept_ms']:.1f} ms + {fit['slope_ms_per_service']:.3f} ms × N "
        f"(R² = {fit['r_squared']:.4f}, N = {', '.join(str(n) for n in sizes)})"
    )
    print()
for what, f in wf_fits.items():
    if f:
        print(
            f"N-workflow fit, {what}: {f['intercept']:.4g} + {f['slope']:.4g} × N "
            f"(R² = {f['r_squared']:.4f}, N = {', '.join(str(n) for n in wf_sizes)})  "
        )
if any(wf_fits.values()):
    print()
print("| target | goal | measured | met |")
print("|---|---|---:|---|")
for t in targets:
    print(f"| {t['target']} | {t['goal']} | {fmt(t['measured'], 2)} | {fmt(t['met'])} |")
print()
print("Facts: " + ", ".join(f"{k} = {fmt(v)}" for k, v in sorted(facts.items())))
