#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/query.sh - entity query time, konseki against ClickHouse in the same run on the same rows.
# Generates a 7-day Zeek conn.log (default 50M records), ingests it into a konseki store and loads
# the identical records into ClickHouse (table ordered by (observer, ts), see lib.sh). On one day
# it then times, as whole processes writing every matching row (all columns, text) to /dev/null:
#   (a) all events of one observer:   konseki timeline --entity observer:X  vs  SELECT ... WHERE
#       observer = X AND ts in the day ORDER BY ts
#   (b) all events of one IP address: konseki timeline --entity ip:A  vs  SELECT ... WHERE
#       (src = A OR dst = A) AND ts in the day ORDER BY ts
# for an observer and an internal client of median activity that day and for the busiest ones.
# Row counts of both engines are compared (they must be equal). Also prints bytes on disk/record.
#
# usage: bench/query.sh [--records N] [--day YYYY-MM-DD] [--keep]
source "$(dirname "$0")/lib.sh"

N=50000000
DAYS=7
DAY=2024-05-08
KEEP=
while [[ $# -gt 0 ]]; do
    case "$1" in
    --records) N=$2; shift 2 ;;
    --day) DAY=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '3,15p' "$0"; exit 0 ;;
    *) die "query.sh: unknown option $1" ;;
    esac
done
need_tools "$KONSEKI" "$GEN_ZEEK"

f=$OUT/conn-$N-d$DAYS.log
STORE=$OUT/store-query
if [[ ! -s "$f" ]]; then
    need_space $(( N * 200 + N * 60 ))
    log "generating $f"
    "$GEN_ZEEK" --records "$N" --days "$DAYS" --seed "$SEED" >"$f.tmp" && mv "$f.tmp" "$f"
fi
if [[ ! -d "$STORE" || -z "$KEEP" ]]; then
    rm -rf "$STORE"
    log "konseki ingest of $N records"
    "$TIME" -f '%e %M' -o "$OUT/query-ingest.time" "$KONSEKI" ingest --no-progress --store "$STORE" "$f" \
        >"$OUT/query-ingest.txt" 2>&1
    read -r ing_s ing_rss <"$OUT/query-ingest.time"
    log "konseki ingest: ${ing_s} s, peak RSS ${ing_rss} KiB"
fi
ks_bytes=$(du -sb "$STORE" | cut -f1)

ch_start
ch_load_conn "$N" "$DAYS"
rows=$(ch -q "SELECT count() FROM conn")
ch_bytes=$(ch_conn_bytes)
printf 'RESULT size records=%s clickhouse_rows=%s konseki_bytes=%s konseki_bytes_per_record=%s clickhouse_bytes=%s clickhouse_bytes_per_record=%s ratio_konseki_over_clickhouse=%s\n' \
    "$N" "$rows" "$ks_bytes" "$(ratio "$ks_bytes" "$N")" "$ch_bytes" "$(ratio "$ch_bytes" "$rows")" \
    "$(ratio "$ks_bytes" "$ch_bytes")"

day_to=$(date -u -d "$DAY + 1 day" +%F)
A=$(( $(date -u -d "$DAY" +%s) * 1000000000 ))
B=$(( $(date -u -d "$day_to" +%s) * 1000000000 ))
WHERE_DAY="ts >= $A AND ts < $B"

# Entities: median and busiest observer of the day; median and busiest internal IPv4 client.
mapfile -t obs < <(ch -q "SELECT observer FROM conn WHERE $WHERE_DAY GROUP BY observer ORDER BY count(), observer")
OBS_MED=${obs[$(( ${#obs[@]} / 2 ))]}
OBS_MAX=${obs[$(( ${#obs[@]} - 1 ))]}
mapfile -t ips < <(ch -q "SELECT IPv6NumToString(src) FROM conn WHERE $WHERE_DAY
    AND substring(src, 1, 13) = unhex('00000000000000000000FFFF0A') GROUP BY src ORDER BY count(), src")
IP_MED=${ips[$(( ${#ips[@]} / 2 ))]#::ffff:}
IP_MAX=${ips[$(( ${#ips[@]} - 1 ))]#::ffff:}
log "day $DAY: observers ${#obs[@]} (median $OBS_MED, busiest $OBS_MAX); clients ${#ips[@]} (median $IP_MED, busiest $IP_MAX)"

ch_time() { # WHERE -> median server-side seconds of --time over $RUNS runs
    local i t=()
    for ((i = 0; i < RUNS; i++)); do
        t+=("$(ch --time --format TabSeparated -q "SELECT $CH_CONN_SELECT FROM conn WHERE $1 ORDER BY ts" 2>&1 >/dev/null | tail -n 1)")
    done
    printf '%s\n' "${t[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"
}

run_query() { # LABEL ENTITY CH_WHERE
    local label=$1 entity=$2 where="$3 AND $WHERE_DAY"
    local ch_rows ks_rows
    ch_rows=$(ch -q "SELECT count() FROM conn WHERE $where")
    ks_rows=$("$KONSEKI" timeline --store "$STORE" --entity "$entity" --from "$DAY" --to "$day_to" --format csv | wc -l)
    ks_rows=$(( ks_rows - 1 )) # header line
    timeit "konseki $label" "$KONSEKI" timeline --store "$STORE" --entity "$entity" --from "$DAY" --to "$day_to" --format csv
    local ks_med=$TIMEIT_MED ks_rss=$TIMEIT_RSS
    timeit "clickhouse-client $label" "$CH_CLIENT" --host 127.0.0.1 --port "$CH_PORT" --format TabSeparated \
        -q "SELECT $CH_CONN_SELECT FROM conn WHERE $where ORDER BY ts"
    local ch_med=$TIMEIT_MED
    local ch_srv
    ch_srv=$(ch_time "$where")
    printf 'RESULT query %s entity=%s konseki_rows=%s clickhouse_rows=%s konseki_median_s=%s konseki_peak_rss_kib=%s clickhouse_client_median_s=%s clickhouse_server_median_s=%s ratio_konseki_over_clickhouse=%s\n' \
        "$label" "$entity" "$ks_rows" "$ch_rows" "$ks_med" "$ks_rss" "$ch_med" "$ch_srv" "$(ratio "$ks_med" "$ch_med")"
    [[ "$ks_rows" == "$ch_rows" ]] || log "WARNING: $label: konseki returned $ks_rows rows, clickhouse $ch_rows"
}

ip_num() { printf "IPv6StringToNum('::ffff:%s')" "$1"; }

run_query observer-median "observer:$OBS_MED" "observer = '$OBS_MED'"
run_query observer-busiest "observer:$OBS_MAX" "observer = '$OBS_MAX'"
run_query ip-median "ip:$IP_MED" "(src = $(ip_num "$IP_MED") OR dst = $(ip_num "$IP_MED"))"
run_query ip-busiest "ip:$IP_MAX" "(src = $(ip_num "$IP_MAX") OR dst = $(ip_num "$IP_MAX"))"

if [[ -z "$KEEP" ]]; then rm -rf "$STORE" "$f"; fi
