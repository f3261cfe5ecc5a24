#!/usr/bin/env bash
# The GpuHbm GPU check, one command: ./run.sh OUT (OUT is created; results as markdown and CSV, logs in OUT/logs).
# With an NVIDIA GPU: the accelerator test suite on CUDA (GPUHBM_REQUIRE_CUDA=1, plus the PTX compilation tests),
# the hospital model end to end (N = 1e6, G = 2,000; ChEES with 512 chains on the GPU), the NumPyro peer on the same
# data, NUTS on all CPU cores, the density throughput sweep and kinship at N = 10,000: under 9 minutes in all
# (every step has a time cap; a step that does not fit in what is left is reported as not run).
# Without a GPU: says so plainly; the CUDA tests skip with their reason (GPUHBM_REQUIRE_CUDA=1 makes them fail), and the
# CPU-accelerator suite and small CPU runs of the benchmark programs check the bundle itself.
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1/logs"
out=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
budget=${GPUHBM_CHECK_SECONDS:-530}

echo "unpacking into $work ..."
# tar with xz where there is one; Python's tarfile (lzma) otherwise.
unpack() {
  if command -v xz >/dev/null 2>&1; then tar -xJf "$1" -C "$work"
  else python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$1" "$work"; fi
}
unpack "$here/dotnet-runtime.tar.xz" && unpack "$here/gpuhbm.tar.xz" || { echo "unpacking failed" >&2; exit 1; }
export DOTNET_ROOT="$work/dotnet" PATH="$work/dotnet:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# .NET needs ICU for culture data unless told to run culture-invariant (GpuHbm formats and parses invariantly).
if ! { ldconfig -p 2>/dev/null | grep -q 'libicuuc\.so'; }; then export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1; fi
# cuSOLVER (the kinship eigendecomposition on the GPU) lives in the CUDA toolkit's folder, often not on the loader path.
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
done
tests="$work/gpuhbm/tests/GpuHbm.Tests"
bench="$work/gpuhbm/benchmarks/GpuHbm.Benchmarks"
chmod +x "$tests" "$bench" 2>/dev/null

summary="$out/summary.md"
steps="$out/steps.csv"
echo "step,status,seconds,cap_seconds" > "$steps"

# run NAME CAP COMMAND...: runs within the cap and what is left of the budget; logs to OUT/logs/NAME.log.
run() {
  local name=$1 cap=$2; shift 2
  local left=$((budget - ($(date +%s) - start)))
  if [ "$left" -lt 20 ]; then
    echo "$name,not run (out of time),0,$cap" >> "$steps"; echo "== $name: not run, out of time"; return 0
  fi
  [ "$cap" -gt "$left" ] && cap=$left
  echo "== $name (at most $cap s) ..."
  local t0=$(date +%s)
  timeout --signal=INT --kill-after=10 "$cap" "$@" > "$out/logs/$name.log" 2>&1
  local rc=$? t=$(( $(date +%s) - t0 ))
  local status="ok"
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then status="timed out"; elif [ $rc -ne 0 ]; then status="failed (exit $rc)"; fi
  echo "$name,$status,$t,$cap" >> "$steps"
  echo "   $status in $t s"
}

# md2csv FILE.md FILE.csv: every markdown pipe table of FILE.md as CSV (tables separated by a blank line).
md2csv() {
  [ -f "$1" ] || return 0
  awk -F'|' '/^\|/ { if ($0 ~ /^\| *---/) next; line=""; for (i = 2; i < NF; i++) { c=$i; gsub(/^ +| +$/, "", c); gsub(/"/, "\"\"", c);
               line = line (i > 2 ? "," : "") "\"" c "\"" } print line; intable=1; next }
             intable { print ""; intable=0 }' "$1" > "$2"
}

{
  echo "# GpuHbm GPU check"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- bundle commit: $(cat "$work/gpuhbm/COMMIT")"
  echo "- host: $(uname -srm); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //')"
  echo "- .NET: $("$work/dotnet/dotnet" --list-runtimes 2>/dev/null | head -n 1)"
} > "$summary"

gpu=""
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L > "$out/logs/nvidia-smi.log" 2>&1 && grep -q "^GPU" "$out/logs/nvidia-smi.log"; then
  gpu=$(grep -m1 "^GPU" "$out/logs/nvidia-smi.log")
  nvidia-smi >> "$out/logs/nvidia-smi.log" 2>&1
  echo "- GPU: $gpu" >> "$summary"
  echo "- driver: $(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -n 1)" >> "$summary"
else
  why=$(command -v nvidia-smi >/dev/null 2>&1 && head -n 3 "$out/logs/nvidia-smi.log" | tr '\n' ' ' || echo "nvidia-smi is not installed")
  echo "- GPU: **no CUDA device was found** ($why)" >> "$summary"
  echo "No CUDA device was found ($why): running the CPU-accelerator test suite from the bundle instead."
fi

run devices 60 "$bench" devices
{ echo; echo "## Devices (what ILGPU finds, and why a backend is missing)"; echo; echo '```'; cat "$out/logs/devices.log" 2>/dev/null; echo '```'; } >> "$summary"

# The CUDA part of the test suite: the accelerator suite on CUDA against the managed CPU reference (density passes for
# every family and structure, ensemble operations, NUTS/ChEES runs, GRM, and every fp64 function against the 320-bit
# reference), cuSOLVER against LAPACK, the catalog, and the PTX compilation. Without a GPU these skip with the reason,
# unless GPUHBM_REQUIRE_CUDA=1 is set, which turns each skip into a failure.
cuda_classes=(-class "GpuHbm.Tests.Compute.CudaAcceleratorTests" -class "GpuHbm.Tests.Models.Kinship.KinshipEigenSolverTests"
  -class "GpuHbm.Tests.Compute.PtxCompilationTests" -class "GpuHbm.Tests.Compute.DeviceCatalogTests")
# The NumPyro peer on the CSV the hospital step wrote (before it fits, so also when the fit runs out of time).
peer() {
  if [ ! -f "$work/hospitals.csv" ]; then
    echo "numpyro,not run (no data: the hospital step did not write it),0,$1" >> "$steps"
  elif ! python3 -c "import jax, numpyro, scipy" > "$out/logs/numpyro-import.log" 2>&1; then
    echo "numpyro,not run (python3 with jax + numpyro + scipy not importable: $(tail -n 1 "$out/logs/numpyro-import.log" | tr ',' ';')),0,$1" >> "$steps"
  else
    run numpyro "$1" python3 "$work/gpuhbm/peers/numpyro_hospitals.py" "$work/hospitals.csv" --chains "$peer_chains" \
      --warmup "$peer_warmup" --draws "$peer_draws" --json "$out/numpyro.json"
  fi
}

# Order by importance: correctness on CUDA, then GpuHbm vs NumPyro on the GPU, then the 16-core CPU, the throughput
# sweep and kinship. Run lengths are set so that each fits its cap on an H200 host by estimate (none has run there):
# the CPU NUTS run at N = 1e6 costs roughly 25-45 ms per gradient and chain.
if [ -n "$gpu" ]; then
  export GPUHBM_REQUIRE_CUDA=1
  run tests-cuda 150 "$tests" -noColor "${cuda_classes[@]}" -result-xml "$out/tests-cuda.xml"
  run hospitals-chees-cuda 110 "$bench" hospitals --n 1e6 --hospitals 2000 --sampler chees --backend cuda --chains 512 \
    --warmup 200 --draws 100 --output "$out/hospitals-chees-cuda.md" --write-csv "$work/hospitals.csv"
  peer_chains=128 peer_warmup=200 peer_draws=100
  peer 90
  run hospitals-nuts-cpu 100 "$bench" hospitals --n 1e6 --hospitals 2000 --sampler nuts --backend cpu --chains "$(nproc)" \
    --warmup 100 --draws 50 --output "$out/hospitals-nuts-cpu.md"
  run density 80 "$bench" density --backend cuda --n 1e5,1e6,1e7 --chains 1,16,128,512 --seconds 0.5 --output "$out/density.md"
  run kinship 50 "$bench" kinship --n 10000 --chains 4 --warmup 300 --draws 300 --output "$out/kinship.md"
else
  run tests-cuda 120 "$tests" -noColor "${cuda_classes[@]}" -result-xml "$out/tests-cuda.xml"
  run tests-cpu-accelerator 420 "$tests" -noColor -class "GpuHbm.Tests.Compute.CpuAcceleratorTests" -result-xml "$out/tests-cpu-accelerator.xml"
  # The benchmark programs from the bundle, small and on the CPU only (they check the bundle, not the speed).
  run density 60 "$bench" density --backend cpu --n 1e4 --chains 1,4 --seconds 0.2 --output "$out/density.md"
  run hospitals-nuts-cpu 120 "$bench" hospitals --n 5000 --hospitals 50 --sampler nuts --backend cpu --chains 2 \
    --warmup 100 --draws 100 --output "$out/hospitals-nuts-cpu.md" --write-csv "$work/hospitals.csv"
  peer_chains=2 peer_warmup=100 peer_draws=100
  peer 75
fi

{
  echo
  echo "## Steps"
  echo
  echo "| step | status | seconds | cap |"
  echo "| --- | --- | --- | --- |"
  tail -n +2 "$steps" | awk -F, '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }'
  for log in "$out"/logs/tests-*.log; do
    [ -f "$log" ] || continue
    echo
    echo "### $(basename "$log" .log)"
    echo
    echo '```'
    fails=$(grep -c "\[FAIL\]" "$log")
    grep -E "\[FAIL\]" "$log" | sed 's/^ *//' | head -n 10
    [ "$fails" -gt 10 ] && echo "... and $((fails - 10)) more failures (logs/$(basename "$log"))"
    grep -E "=== TEST EXECUTION SUMMARY ===|GpuHbm.Tests  Total: " "$log" | tail -n 2
    skip=$(grep -m 1 -A 1 "\[SKIP\]" "$log" | tail -n 1 | sed 's/^ *//')
    [ -n "$skip" ] && echo "first skip reason: $skip"
    echo '```'
  done
  for md in density hospitals-chees-cuda hospitals-nuts-cpu kinship; do
    [ -f "$out/$md.md" ] || continue
    echo
    echo "## $md"
    echo
    sed -e 's/^# /### /' "$out/$md.md"
    md2csv "$out/$md.md" "$out/$md.csv"
  done
  if [ -f "$out/numpyro.json" ]; then
    echo
    echo "## NumPyro peer (same data, $peer_chains chains, vectorized NUTS)"
    echo
    echo '```'
    cat "$out/numpyro.json"
    echo '```'
  fi
  echo
  echo "Total: $(( $(date +%s) - start )) s."
} >> "$summary"
md2csv "$summary" "$out/summary-tables.csv"
echo "results: $summary"
cat "$summary"
# Exit status: 1 when a step failed, timed out or found no time left (the check is then incomplete); a step left out
# for lack of a device or of Python packages is not a failure.
if grep -qE ',(failed|timed out|not run \(out of time\))' "$steps"; then exit 1; fi
