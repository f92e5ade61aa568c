#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/ingest.sh - ingest throughput on one core: generated Zeek conn.log (TSV) and Windows
# NXLog JSON lines into a fresh konseki store, pinned to one CPU with taskset. Reports, per size,
# wall time (min/median/max over $RUNS runs after a warm-up), records/s at the median, peak RSS,
# bytes on disk and bytes per record. Inputs are generated once under $OUT and kept in the page
# cache by the warm-up run, so the figures are parse + store, not disk reads.
#
# usage: bench/ingest.sh [--zeek "2000000 10000000 20000000"] [--winjson "1000000 4000000"]
#                        [--keep]      (keep inputs and stores under bench/out)
source "$(dirname "$0")/lib.sh"

ZEEK_SIZES="2000000 10000000 20000000"
WIN_SIZES="1000000 4000000"
KEEP=
while [[ $# -gt 0 ]]; do
    case "$1" in
    --zeek) ZEEK_SIZES=$2; shift 2 ;;
    --winjson) WIN_SIZES=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '3,10p' "$0"; exit 0 ;;
    *) die "ingest.sh: unknown option $1" ;;
    esac
done
need_tools "$KONSEKI" "$GEN_ZEEK" "$GEN_WINJSON"
command -v taskset >/dev/null || die "taskset missing (util-linux)"

STORE=$OUT/store-ingest

ingest_one() { # LABEL INPUT RECORDS
    local label=$1 input=$2 n=$3
    TIMEIT_PREP="rm -rf '$STORE'" timeit "$label" \
        taskset -c "$CPU" "$KONSEKI" ingest --no-progress --store "$STORE" "$input"
    local bytes rate
    bytes=$(du -sb "$STORE" | cut -f1)
    rate=$(awk -v n="$n" -v t="$TIMEIT_MED" 'BEGIN { printf "%.0f", n / t }')
    printf 'RESULT ingest %s records=%s median_s=%s records_per_s=%s peak_rss_kib=%s store_bytes=%s bytes_per_record=%s input_bytes=%s\n' \
        "$label" "$n" "$TIMEIT_MED" "$rate" "$TIMEIT_RSS" "$bytes" \
        "$(awk -v b="$bytes" -v n="$n" 'BEGIN { printf "%.2f", b / n }')" "$(stat -c %s "$input")"
    local stored
    stored=$("$KONSEKI" stats --store "$STORE" 2>/dev/null | awk '/^events/ { print $2; exit }' || true)
    log "$label: konseki stats reports ${stored:-?} events stored (generated $n)"
    [[ "${stored:-}" == "$n" ]] || log "WARNING: $label: stored ${stored:-?} events, generated $n"
    [[ -n "$KEEP" ]] || rm -rf "$STORE"
}

for n in $ZEEK_SIZES; do
    f=$OUT/conn-$n.log
    if [[ ! -s "$f" ]]; then
        need_space $(( n * 200 ))
        log "generating $f"
        "$GEN_ZEEK" --records "$n" --days 7 --seed "$SEED" >"$f.tmp" && mv "$f.tmp" "$f"
    fi
    ingest_one "zeek-conn-$n" "$f" "$n"
    [[ -n "$KEEP" ]] || rm -f "$f"
done

for n in $WIN_SIZES; do
    for variant in message no-message; do
        f=$OUT/win-$variant-$n.json
        if [[ ! -s "$f" ]]; then
            need_space $(( n * 2000 ))
            log "generating $f"
            if [[ $variant == message ]]; then
                "$GEN_WINJSON" --events "$n" --seed "$SEED" >"$f.tmp"
            else
                "$GEN_WINJSON" --events "$n" --seed "$SEED" --no-message >"$f.tmp"
            fi
            mv "$f.tmp" "$f"
        fi
        ingest_one "winjson-$variant-$n" "$f" "$n"
        [[ -n "$KEEP" ]] || rm -f "$f"
    done
done
