#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `konseki listen` under load on 127.0.0.1 (bench_listen.c is the sender), and nfcapd (Debian
# nfdump 1.7.1) receiving the same NetFlow v9 stream. Prints one line per run: messages sent,
# stored, lost (sent - stored), dropped by konseki's queue, the kernel's UDP receive-buffer
# drops during the run (/proc/net/snmp RcvbufErrors, machine-wide), and the receiver's CPU time.
#
#   bench/listen.sh BUILD_DIR syslog-udp COUNT RATE
#   bench/listen.sh BUILD_DIR syslog-tcp COUNT RATE [lf|octet]
#   bench/listen.sh BUILD_DIR flow-v9    RECORDS RATE [RECORDS-PER-DATAGRAM]
#   bench/listen.sh BUILD_DIR nfcapd-v9  RECORDS RATE [RECORDS-PER-DATAGRAM]
set -euo pipefail
build=${1:?build dir}
mode=${2:?mode}
count=${3:?count}
rate=${4:?rate}
extra=${5:-}
K="$build/konseki"
B="$build/bench_listen"
out=$(mktemp -d /tmp/ks-bench-listen.XXXXXX)
trap 'rm -rf "$out"' EXIT
secs=$(( count / (rate > 0 ? rate : 1000000) + 30 ))

rcvbuf_errors() { awk '/^Udp:/ { if (++n == 2) print $6 }' /proc/net/snmp; }
cpu_of() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; } # utime + stime, in s

if [[ $mode == nfcapd-v9 ]]; then
    port=$(( 20000 + RANDOM % 20000 ))
    mkdir -p "$out/nf"
    e0=$(rcvbuf_errors)
    nfcapd -w "$out/nf" -p "$port" -b 127.0.0.1 -B 33554432 -t 3600 >"$out/nfcapd.log" 2>&1 &
    pid=$!
    sleep 1
    "$B" flow-v9 "$port" "$count" "$rate" "$secs" ${extra:+"$extra"} | tee "$out/sent"
    sleep 2
    cpu=$(cpu_of "$pid")
    kill -TERM "$pid"
    wait "$pid" || true
    e1=$(rcvbuf_errors)
    stored=$(nfdump -R "$out/nf" -q -o csv 2>/dev/null | wc -l)
    sent=$(awk '{ print $2 }' "$out/sent")
    echo "nfcapd-v9 sent=$sent stored=$stored lost=$((sent - stored)) kernel_drops=$((e1 - e0)) cpu_s=$cpu cpu_us_per_record=$(echo "scale=3; $cpu * 1000000 / ($stored + 1)" | bc)"
    exit 0
fi

e0=$(rcvbuf_errors)
ep=${mode/flow-v9/flow-udp}
"$K" listen --store "$out/store" "--$ep" 127.0.0.1:0 --ready-file "$out/ready" \
    --stats-interval 0 2>"$out/listen.log" &
pid=$!
for _ in $(seq 1 200); do [[ -f "$out/ready" ]] && break; sleep 0.05; done
port=$(awk -v m="$ep" '$1 == m { n = split($2, a, ":"); print a[n] }' "$out/ready")
"$B" "$mode" "$port" "$count" "$rate" "$secs" ${extra:+"$extra"} | tee "$out/sent"
# let the parser catch up, then stop (SIGTERM drains and commits)
sleep 2
kill -TERM "$pid"
wait "$pid"
e1=$(rcvbuf_errors)
line=$(grep "stopped $ep" "$out/listen.log")
cpu=$(grep -o 'cpu_user=[0-9.]* cpu_sys=[0-9.]*' "$out/listen.log" | awk -F'[= ]' '{ print $2 + $4 }')
sent=$(awk '{ print $2 }' "$out/sent")
parsed=$(grep -o 'parsed=[0-9]*' <<<"$line" | cut -d= -f2)
dropped=$(grep -o 'dropped=[0-9]*' <<<"$line" | cut -d= -f2)
echo "$mode sent=$sent stored=$parsed lost=$((sent - parsed)) dropped=$dropped kernel_drops=$((e1 - e0)) cpu_s=$cpu cpu_us_per_msg=$(echo "scale=3; $cpu * 1000000 / ($parsed + 1)" | bc)"
