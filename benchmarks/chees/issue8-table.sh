#!/usr/bin/env bash
# Redoes the table of issue 8 (sleepstudy, the reference model and priors, ChEES-HMC on the CPU backend): per run the
# chains, warm-up, draws, b_Intercept's posterior mean (reference 251.4, shared/reference/posteriors/sleepstudy.csv),
# the worst R-hat and nested R-hat over every reported parameter (r_* included), and the gradient evaluations of the
# whole run (initialisation included).
#   benchmarks/chees/issue8-table.sh [OUT.md]
# Each row: "chains warmup draws seed init" (warmup may be auto).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-/dev/stdout}
cli="$root/src/GpuHbm.Cli/bin/Release/net10.0/GpuHbm.Cli.dll"
[ -f "$cli" ] || dotnet build "$root/src/GpuHbm.Cli" -c Release >/dev/null
rows=${ROWS:-"256 200 50 1 uniform
256 200 50 1 auto
256 500 50 1 uniform
256 500 50 2 uniform
256 500 50 1 auto
256 500 50 2 auto
64 1000 100 1 uniform
64 1000 100 1 auto
256 1000 50 1 uniform
256 1000 50 1 auto
256 auto 50 1 auto
256 auto 50 2 auto"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
  echo "| chains | warm-up | draws | seed | init | b_Intercept mean (ref 251.4) | R-hat (worst) | nested R-hat (worst) | warm-up converged | gradients | load | wall s |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
} > "$out"
while read -r chains warmup draws seed init; do
  dir="$tmp/fit-$chains-$warmup-$draws-$seed-$init"
  load=$(cut -d' ' -f1 /proc/loadavg)
  start=$(date +%s.%N)
  dotnet "$cli" fit --data "$root/examples/data/sleepstudy.csv" --formula "Reaction ~ 1 + Days + (1 + Days | Subject)" \
    --prior "Intercept ~ normal(250, 100)" --prior "b ~ normal(0, 50)" --prior "sigma ~ normal(0, 50)" --prior "sd ~ normal(0, 50)" --prior "cor ~ lkj(2)" \
    --sampler chees --chains "$chains" --warmup "$warmup" --draws "$draws" --seed "$seed" --init "$init" --backend cpu --quiet --output "$dir" > "$dir.log" 2>&1 || true
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  python3 - "$dir" "$chains" "$warmup" "$draws" "$seed" "$init" "$load" "$wall" >> "$out" <<'PY'
import csv, json, sys
d, chains, warmup, draws, seed, init, load, wall = sys.argv[1:]
rows = list(csv.DictReader(open(f"{d}/summary.csv")))
fit = json.load(open(f"{d}/fit.json"))
b = next(r for r in rows if r["variable"] == "b_Intercept")
def worst(key):
    v = [float(r[key]) for r in rows if r.get(key) not in (None, "", "NA")]
    return max(v) if v else float("nan")
w = fit["ensemble"]["warmup"]
conv = ("yes" if w["converged"] else "NO") + f" ({w['iterations']} its)"
print(f"| {chains} | {warmup} | {draws} | {seed} | {init} | {float(b['mean']):.1f} | {worst('rhat'):.3f} | {worst('nested_rhat'):.3f} | {conv} | {fit['timings']['gradient_evaluations']/1e6:.2f}M | {load} | {float(wall):.0f} |")
PY
done <<< "$rows"
