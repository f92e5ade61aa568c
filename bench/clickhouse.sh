#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/clickhouse.sh - bytes on disk per Zeek conn record, konseki against ClickHouse, side by
# side on the same generated records. ClickHouse (a private server, see lib.sh) holds every Zeek
# conn column in a MergeTree ordered by (observer, ts), one partition per day, parts compressed
# with zstd, merged with OPTIMIZE ... FINAL; konseki holds the same conn.log ingested into a fresh
# store. Prints bytes/record for both and ClickHouse's per-column breakdown.
#
# usage: bench/clickhouse.sh [--records N] [--days D] [--keep]
source "$(dirname "$0")/lib.sh"

N=20000000
DAYS=7
KEEP=
while [[ $# -gt 0 ]]; do
    case "$1" in
    --records) N=$2; shift 2 ;;
    --days) DAYS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '3,9p' "$0"; exit 0 ;;
    *) die "clickhouse.sh: unknown option $1" ;;
    esac
done
need_tools "$KONSEKI" "$GEN_ZEEK"

f=$OUT/conn-$N-d$DAYS.log
STORE=$OUT/store-size
if [[ ! -s "$f" ]]; then
    need_space $(( N * 200 ))
    log "generating $f"
    "$GEN_ZEEK" --records "$N" --days "$DAYS" --seed "$SEED" >"$f.tmp" && mv "$f.tmp" "$f"
fi
rm -rf "$STORE"
log "konseki ingest of $N records"
"$KONSEKI" ingest --no-progress --store "$STORE" "$f" >"$OUT/size-ingest.txt" 2>&1
ks_bytes=$(du -sb "$STORE" | cut -f1)

ch_start
ch_load_conn "$N" "$DAYS"
rows=$(ch -q "SELECT count() FROM conn")
ch_bytes=$(ch_conn_bytes)
log "clickhouse per-column compressed bytes (bytes/row):"
ch -q "SELECT name, type, data_compressed_bytes, round(data_compressed_bytes / $rows, 2)
       FROM system.columns WHERE database = currentDatabase() AND table = 'conn'" | column -t >&2

printf 'RESULT size records=%s clickhouse_rows=%s konseki_bytes=%s konseki_bytes_per_record=%s clickhouse_bytes=%s clickhouse_bytes_per_record=%s ratio_konseki_over_clickhouse=%s input_bytes=%s\n' \
    "$N" "$rows" "$ks_bytes" "$(ratio "$ks_bytes" "$N")" "$ch_bytes" "$(ratio "$ch_bytes" "$rows")" \
    "$(ratio "$ks_bytes" "$ch_bytes")" "$(stat -c %s "$f")"
[[ "$rows" == "$N" ]] || log "WARNING: clickhouse holds $rows rows, generated $N"
if [[ -z "$KEEP" ]]; then rm -rf "$STORE" "$f"; fi
