#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Measures konseki's JSON reader against Debian's jansson and json-c on the same JSON lines
# (default: the OTRF PsExec export in ../shared/data). Needs `make build` and
# libjansson-dev + libjson-c-dev (scripts/install-deps --bench installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
FILE=${1:-}
PASSES=${2:-5}
out=bench/out/json-libs
mkdir -p "$out"
if [[ -z "$FILE" ]]; then
    zip="../shared/data/OTRF+Security-Datasets/datasets/atomic/windows/lateral_movement/host/empire_psexec_dcerpc_tcp_svcctl.zip"
    unzip -o -q "$zip" -d "$out"
    FILE=$(ls "$out"/*.json | head -1)
fi
gcc -O2 -std=gnu11 -Isrc bench/compare/json_libs.c bench/compare/json_c_walk.c build/dev/libkonseki_lib.a \
    $(pkg-config --cflags --libs jansson json-c libxxhash) -lm -o "$out/json_libs"
taskset -c 0 "$out/json_libs" "$FILE" "$PASSES"
