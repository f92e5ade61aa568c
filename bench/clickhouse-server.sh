#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/clickhouse-server.sh - starts the benchmarks' private ClickHouse server (see lib.sh) in
# the foreground, optionally loads the generated conn table, and keeps it until interrupted; the
# other scripts then reuse it with CH_ATTACH=PORT instead of starting and loading their own.
# Stopped (by PID) and its directory removed on Ctrl-C or SIGTERM.
#
# usage: bench/clickhouse-server.sh [--load RECORDS [--days D]]
source "$(dirname "$0")/lib.sh"

LOAD=
DAYS=7
while [[ $# -gt 0 ]]; do
    case "$1" in
    --load) LOAD=$2; shift 2 ;;
    --days) DAYS=$2; shift 2 ;;
    -h|--help) sed -n '3,8p' "$0"; exit 0 ;;
    *) die "clickhouse-server.sh: unknown option $1" ;;
    esac
done
ch_start
if [[ -n "$LOAD" ]]; then
    need_tools "$GEN_ZEEK"
    ch_load_conn "$LOAD" "$DAYS"
fi
log "ready: CH_ATTACH=$CH_PORT (Ctrl-C to stop)"
trap 'exit 0' INT TERM
while kill -0 "$CH_PID" 2>/dev/null; do sleep 2; done
