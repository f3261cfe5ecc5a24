#!/usr/bin/env bash
# rstan and GpuHbm (NUTS with each metric adaptation) on the same machine in the same run: eight schools, sleepstudy,
# radon, cbpp and the simulated hospital model at N = 20,000 (benchmarks/peers/rstan_compare.R,
# benchmarks/GpuHbm.Benchmarks/MetricComparison.cs). ESS per gradient does not depend on the machine's load; ESS per
# second does, so run this when the machine is quiet — the 1-minute load average is recorded before every fit.
# Usage: benchmarks/peers/run-rstan-compare.sh [OUTPUT.md]   (env: SEEDS=1,2,3  MODELS=eight_schools,...  METRICS=stan-diag,diag,low-rank)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-benchmarks/results/rstan-vs-gpuhbm-$(date -u +%F).md}
seeds=${SEEDS:-1,2,3}
models=${MODELS:-eight_schools,sleepstudy,radon,cbpp,hospitals20k}
metrics=${METRICS:-stan-diag,diag,low-rank}
tmp=$(mktemp -d)
dotnet build -c Release GpuHbm.sln -v q -nologo > "$tmp/build.log"
dotnet src/GpuHbm.Cli/bin/Release/net10.0/GpuHbm.Cli.dll simulate hospitals --patients 20000 --hospitals 100 --seed 1 -o "$tmp/hospitals20k.csv" > /dev/null
Rscript benchmarks/peers/rstan_compare.R --hospitals "$tmp/hospitals20k.csv" --models "$models" --seeds "$seeds" --output "$tmp/rstan.md"
dotnet benchmarks/GpuHbm.Benchmarks/bin/Release/net10.0/GpuHbm.Benchmarks.dll metrics --models "$models" --metrics "$metrics" --seeds "$seeds" \
  --hospitals-data "$tmp/hospitals20k.csv" --rstan "$tmp/rstan.md" --output "$tmp/gpuhbm.md"
{
  echo "# GpuHbm vs rstan, same machine, same run ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(uname -sr)"
  echo "command: \`benchmarks/peers/run-rstan-compare.sh\` (SEEDS=$seeds, MODELS=$models, METRICS=$metrics)"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  sed 's/^# /## /' "$tmp/rstan.md"
  echo
  sed 's/^# /## /' "$tmp/gpuhbm.md"
} > "$out"
echo "wrote $out"
