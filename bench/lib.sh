# SPDX-License-Identifier: MIT
# bench/lib.sh - shared helpers for the bench/ scripts (sourced, not run): paths to the built
# tools, a repeated whole-process timer, and a private ClickHouse server (temporary directory and
# config, 127.0.0.1 only, zstd for every MergeTree part) that is started on demand and stopped by
# PID when the sourcing script exits.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
BUILD=${BUILD:-$ROOT/build/dev}
KONSEKI=${KONSEKI:-$BUILD/konseki}
GEN_ZEEK=${GEN_ZEEK:-$BUILD/gen_zeek}
GEN_WINJSON=${GEN_WINJSON:-$BUILD/gen_winjson}
OUT=${OUT:-$ROOT/bench/out}
RUNS=${RUNS:-5}          # counted runs per timing (after one warm-up)
CPU=${CPU:-0}            # core for the single-core benchmarks
SEED=${SEED:-42}
CH_SERVER=${CH_SERVER:-}
CH_CLIENT=${CH_CLIENT:-clickhouse-client}
TIME=${TIME:-/usr/bin/time}

mkdir -p "$OUT"

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

need_tools() {
    local t
    for t in "$@"; do
        [[ -x "$t" ]] || die "$t not built (run 'make build' first)"
    done
    [[ -x "$TIME" ]] || die "$TIME missing (scripts/install-deps --bench installs 'time')"
}

# Free space check before writing big inputs: need_space BYTES
need_space() {
    local avail
    avail=$(df -B1 --output=avail "$OUT" | tail -n 1)
    (( avail > $1 )) || die "not enough space under $OUT: need $1 bytes, have $avail"
}

# ---------------------------------------------------------------- timing

# timeit NAME CMD...: one warm-up run, then $RUNS counted runs of the whole process under
# /usr/bin/time. Prints "NAME min median max (wall s) peak_rss_kib" and sets TIMEIT_MED (s) and
# TIMEIT_RSS (KiB, the largest of the runs). stdout of CMD is discarded. When TIMEIT_PREP is set,
# it is eval'ed (untimed) before every run, e.g. to remove the store the command creates.
timeit() {
    local name=$1; shift
    local tf i walls=() rss=0 r w
    tf=$(mktemp)
    if [[ -n "${TIMEIT_PREP:-}" ]]; then eval "$TIMEIT_PREP"; fi
    "$@" >/dev/null
    for ((i = 0; i < RUNS; i++)); do
        if [[ -n "${TIMEIT_PREP:-}" ]]; then eval "$TIMEIT_PREP"; fi
        "$TIME" -f '%e %M' -o "$tf" "$@" >/dev/null
        read -r w r < <(tail -n 1 "$tf")
        walls+=("$w")
        (( r > rss )) && rss=$r
    done
    rm -f "$tf"
    local sorted
    sorted=$(printf '%s\n' "${walls[@]}" | sort -g)
    local min med max
    min=$(head -n 1 <<<"$sorted")
    max=$(tail -n 1 <<<"$sorted")
    med=$(sed -n "$(( (RUNS + 1) / 2 ))p" <<<"$sorted")
    TIMEIT_MED=$med
    TIMEIT_RSS=$rss
    printf '%-40s wall s min %-7s median %-7s max %-7s peak RSS %s KiB\n' "$name" "$min" "$med" "$max" "$rss"
}

# human-friendly ratio a/b with 2 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.2f", a / b }'; }

# ---------------------------------------------------------------- ClickHouse

CH_PID=
CH_DIR=
CH_PORT=

ch_find_server() {
    if [[ -n "$CH_SERVER" ]]; then return; fi
    if [[ -x /usr/sbin/clickhouse-server ]]; then CH_SERVER=/usr/sbin/clickhouse-server
    elif command -v clickhouse-server >/dev/null; then CH_SERVER=$(command -v clickhouse-server)
    else die "clickhouse-server not installed (scripts/install-deps --bench)"; fi
    command -v "$CH_CLIENT" >/dev/null || die "clickhouse-client not installed (scripts/install-deps --bench)"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ch() { "$CH_CLIENT" --host 127.0.0.1 --port "$CH_PORT" "$@"; }

# ch_start: starts a private server under $OUT/ch.XXXXXX; sets CH_PID, CH_DIR, CH_PORT.
# With CH_ATTACH=PORT set, uses the server already listening on 127.0.0.1:PORT instead (started
# earlier by bench/clickhouse-server.sh, see README) and leaves it running.
ch_start() {
    ch_find_server
    if [[ -n "${CH_ATTACH:-}" ]]; then
        CH_PORT=$CH_ATTACH
        ch -q 'SELECT 1' >/dev/null || die "no clickhouse server on 127.0.0.1:$CH_PORT"
        log "clickhouse $(ch -q 'SELECT version()') attached on port $CH_PORT"
        return 0
    fi
    CH_DIR=$(mktemp -d "$OUT/ch.XXXXXX")
    local http
    for _ in $(seq 50); do
        CH_PORT=$(( 20000 + RANDOM % 20000 ))
        http=$(( CH_PORT + 1 ))
        port_free "$CH_PORT" && port_free "$http" && break
    done
    mkdir -p "$CH_DIR"/{data,tmp,log,user_files}
    cat >"$CH_DIR/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$CH_DIR/log/server.log</log><errorlog>$CH_DIR/log/error.log</errorlog><size>100M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>$CH_PORT</tcp_port>
  <http_port>$http</http_port>
  <path>$CH_DIR/data/</path>
  <tmp_path>$CH_DIR/tmp/</tmp_path>
  <user_files_path>$CH_DIR/user_files/</user_files_path>
  <users_config>$CH_DIR/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>1073741824</mark_cache_size>
  <uncompressed_cache_size>0</uncompressed_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
  <compression>
    <case><min_part_size>0</min_part_size><min_part_size_ratio>0</min_part_size_ratio><method>zstd</method></case>
  </compression>
</yandex>
EOF
    cat >"$CH_DIR/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>10000000000</max_memory_usage><use_uncompressed_cache>0</use_uncompressed_cache></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
    "$CH_SERVER" --config-file="$CH_DIR/config.xml" >"$CH_DIR/log/stdout.log" 2>&1 &
    CH_PID=$!
    trap ch_stop EXIT
    local i
    for ((i = 0; i < 120; i++)); do
        if ch -q 'SELECT 1' >/dev/null 2>&1; then
            log "clickhouse $(ch -q 'SELECT version()') up: pid $CH_PID port $CH_PORT dir $CH_DIR"
            return 0
        fi
        kill -0 "$CH_PID" 2>/dev/null || { cat "$CH_DIR/log/stdout.log" >&2; die "clickhouse-server exited"; }
        sleep 0.5
    done
    die "clickhouse-server did not answer within 60 s"
}

ch_stop() {
    if [[ -n "$CH_PID" ]] && kill -0 "$CH_PID" 2>/dev/null; then
        kill "$CH_PID" 2>/dev/null || true
        local i
        for ((i = 0; i < 60; i++)); do
            kill -0 "$CH_PID" 2>/dev/null || break
            sleep 0.5
        done
        kill -0 "$CH_PID" 2>/dev/null && kill -9 "$CH_PID" 2>/dev/null || true
        wait "$CH_PID" 2>/dev/null || true
        log "clickhouse (pid $CH_PID) stopped"
    fi
    CH_PID=
    if [[ -n "$CH_DIR" && -z "${KEEP_CH:-}" ]]; then rm -rf "$CH_DIR"; fi
}

# The Zeek conn table. Column order is gen_zeek's RowBinary layout. Addresses: FixedString(16)
# holding the IPv6 or IPv4-mapped (::ffff:a.b.c.d) bytes, like konseki's struct ks_addr; time and
# duration in ns as UInt64 (18.16 has no DateTime64); strings as String (no LowCardinality).
CH_CONN_COLUMNS="ts UInt64, observer String, uid String, src FixedString(16), src_port UInt16,
 dst FixedString(16), dst_port UInt16, proto UInt8, service String, duration UInt64,
 bytes_out UInt64, bytes_in UInt64, pkts_out UInt64, pkts_in UInt64, conn_state String,
 history String, local_orig UInt8, local_resp UInt8, missed_bytes UInt64, orig_ip_bytes UInt64,
 resp_ip_bytes UInt64"
CH_CONN_SELECT="ts, observer, uid, IPv6NumToString(src), src_port, IPv6NumToString(dst), dst_port,
 proto, service, duration, bytes_out, bytes_in, pkts_out, pkts_in, conn_state, history, local_orig,
 local_resp, missed_bytes, orig_ip_bytes, resp_ip_bytes"

# ch_load_conn RECORDS DAYS: creates table conn and fills it with gen_zeek's records for --seed
# $SEED (the very rows the conn.log of the same arguments holds), then merges to one part per day.
ch_load_conn() {
    local n=$1 days=$2
    if [[ "$(ch -q "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'bench_meta'")" == 1 &&
          "$(ch -q "SELECT concat(toString(n), ' ', toString(days), ' ', toString(seed)) FROM bench_meta" 2>/dev/null)" == "$n $days $SEED" ]]; then
        log "clickhouse: table conn already holds records=$n days=$days seed=$SEED, reused"
        return 0
    fi
    ch -q "DROP TABLE IF EXISTS bench_meta"
    ch -q "DROP TABLE IF EXISTS conn"
    ch -q "CREATE TABLE conn ($CH_CONN_COLUMNS) ENGINE = MergeTree
           PARTITION BY toDate(toDateTime(intDiv(ts, 1000000000))) ORDER BY (observer, ts)"
    local t0 t1
    t0=$(date +%s.%N)
    "$GEN_ZEEK" --records "$n" --days "$days" --seed "$SEED" --format rowbinary |
        ch -q "INSERT INTO conn FORMAT RowBinary"
    t1=$(date +%s.%N)
    ch -q "OPTIMIZE TABLE conn FINAL"
    local t2
    t2=$(date +%s.%N)
    ch -q "CREATE TABLE bench_meta (n UInt64, days UInt64, seed UInt64) ENGINE = TinyLog"
    ch -q "INSERT INTO bench_meta VALUES ($n, $days, $SEED)"
    log "clickhouse: loaded $n rows in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s, OPTIMIZE FINAL $(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.1f", b-a}') s"
}

# ch_conn_bytes [COLUMNS]: bytes on disk of the active parts of table conn (du of the part
# directories, which equals system.parts.bytes_on_disk); given a comma-separated column list, the
# compressed bytes of just those columns (marks and primary index, < 0.1 byte/row, not counted).
ch_conn_bytes() {
    if [[ $# -eq 0 ]]; then
        ch -q "SELECT path FROM system.parts WHERE database = currentDatabase() AND table = 'conn' AND active" |
            xargs du -scb | tail -n 1 | cut -f1
    else
        local list
        list=$(sed "s/[^,]\+/'&'/g" <<<"$1")
        ch -q "SELECT sum(data_compressed_bytes) FROM system.columns
               WHERE database = currentDatabase() AND table = 'conn' AND name IN ($list)"
    fi
}
