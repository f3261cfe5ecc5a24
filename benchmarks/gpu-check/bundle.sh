#!/usr/bin/env bash
# Builds the GPU check: a folder (< 60 MiB) that runs on a machine with an NVIDIA driver and Python (JAX, NumPyro)
# but no .NET and no network. Usage: benchmarks/gpu-check/bundle.sh DIR
#   DIR/dotnet-runtime.tar.xz  the .NET runtime of this machine's SDK (shared/Microsoft.NETCore.App, host/fxr, dotnet)
#   DIR/gpuhbm.tar.xz          the tests (xunit.v3: an executable) and the benchmarks, published framework-dependent
#                              for linux-x64, and the NumPyro peer
#   DIR/run.sh                 DIR/run.sh OUT runs the check and writes markdown + CSV into OUT (see run.sh)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$1"
dir=$(cd "$1" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "publishing the tests and the benchmarks (Release, linux-x64, framework-dependent) ..."
dotnet publish "$repo/tests/GpuHbm.Tests/GpuHbm.Tests.csproj" -c Release -r linux-x64 --self-contained false \
  -p:PublishReadyToRun=false -o "$stage/gpuhbm/tests" >/dev/null
dotnet publish "$repo/benchmarks/GpuHbm.Benchmarks/GpuHbm.Benchmarks.csproj" -c Release -r linux-x64 --self-contained false \
  -p:PublishReadyToRun=false -o "$stage/gpuhbm/benchmarks" >/dev/null
mkdir -p "$stage/gpuhbm/peers"
cp "$repo/benchmarks/peers/numpyro_hospitals.py" "$stage/gpuhbm/peers/"
# Debug symbols and documentation files are not needed to run.
find "$stage/gpuhbm" \( -name '*.pdb' -o -name '*.xml' \) -not -path '*/fixtures/*' -delete
git -C "$repo" rev-parse HEAD > "$stage/gpuhbm/COMMIT" 2>/dev/null || echo unknown > "$stage/gpuhbm/COMMIT"

# The runtime the SDK itself runs on (the version the apps were built for).
version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { v = $2; p = $3 } END { print v }')
base=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { p = $3 } END { gsub(/[\[\]]/, "", p); print p }')
root=$(dirname "$(dirname "$base")")
[ -x "$root/dotnet" ] || { echo "no dotnet muxer in $root" >&2; exit 1; }
fxr=$(ls -d "$root/host/fxr/"* | sort -V | tail -n 1)
echo "packing the .NET runtime $version from $root ..."
mkdir -p "$stage/dotnet/shared/Microsoft.NETCore.App" "$stage/dotnet/host/fxr"
cp -a "$root/dotnet" "$stage/dotnet/"
cp -a "$root/shared/Microsoft.NETCore.App/$version" "$stage/dotnet/shared/Microsoft.NETCore.App/"
cp -a "$fxr" "$stage/dotnet/host/fxr/"
for f in LICENSE.txt ThirdPartyNotices.txt; do [ -f "$root/$f" ] && cp "$root/$f" "$stage/dotnet/"; done

rm -f "$dir/dotnet-runtime.tar.xz" "$dir/gpuhbm.tar.xz"
echo "compressing ..."
tar -C "$stage" -cf - dotnet | xz -9 -T0 > "$dir/dotnet-runtime.tar.xz"
tar -C "$stage" -cf - gpuhbm | xz -9 -T0 > "$dir/gpuhbm.tar.xz"
cp "$repo/benchmarks/gpu-check/run.sh" "$dir/run.sh"
chmod +x "$dir/run.sh"
cat > "$dir/README.txt" <<TXT
GpuHbm GPU check, built $(date -u +%Y-%m-%dT%H:%MZ) from commit $(cat "$stage/gpuhbm/COMMIT") with .NET $version.
Run: ./run.sh OUT     (needs bash, tar, xz; an NVIDIA driver for the CUDA part; python3 with JAX and NumPyro for the peer)
Results: OUT/summary.md and OUT/*.csv; logs in OUT/logs/.
TXT
size=$(du -sb "$dir" | cut -f1)
echo "bundle: $dir, $(du -sh "$dir" | cut -f1) ($size bytes)"
if [ "$size" -ge $((60 * 1024 * 1024)) ]; then echo "the bundle exceeds 60 MiB" >&2; exit 1; fi
