#!/usr/bin/env bash
# Installs an OpenCL runtime for CI: PoCL (an OpenCL driver that runs on the CPU, with fp64),
# the ICD loader libOpenCL.so.1, and clinfo for diagnostics. Idempotent and non-interactive;
# CI runs it as root on Debian. Prints the devices found at the end.
set -euo pipefail

packages=(pocl-opencl-icd ocl-icd-libopencl1 clinfo)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-opencl: ${packages[*]} already installed"
fi

# PoCL caches compiled kernels; CI should point POCL_CACHE_DIR at a writable (cached) folder.
: "${POCL_CACHE_DIR:=${HOME:-/tmp}/.cache/pocl}"
mkdir -p "$POCL_CACHE_DIR"
echo "install-opencl: POCL_CACHE_DIR=$POCL_CACHE_DIR"

clinfo -l || true
