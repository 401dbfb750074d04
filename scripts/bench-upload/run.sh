#!/bin/bash
# Runs easel upload, a sequential curl loop and xargs -P8 curl against fresh
# `easel serve` instances; prints wall, client CPU and server CPU.
# Usage: bash scripts/bench-upload/run.sh (from the repository root).
set -e
W=${WORK:-/tmp/easel-bench-upload}; BIN=$W/easel; PHOTOS=$W/photos
TIMEFORMAT='%R %U %S'
start() {
  D=$(mktemp -d); "$BIN" serve --data "$D" --addr 127.0.0.1:0 > "$D/out" 2> "$D/err" &
  PID=$!
  for i in $(seq 100); do grep -q "easel listening on" "$D/out" 2>/dev/null && break; sleep 0.2; done
  URL=$(grep "easel listening on" "$D/out" | awk '{print $4}'); KEY=$(grep '^ek_' "$D/out")
}
cpu() { awk '{print $14+$15}' /proc/$PID/stat; }
stop() { kill $PID; wait $PID 2>/dev/null || true; rm -rf "$D"; }
run() {
  local name=$1; shift
  start; sleep 2; local c0=$(cpu)
  local t; t=$( { time "$@" > $W/$name.out 2>&1; } 2>&1 )
  # wait until the server's queued analysis has drained (CPU idle for 3s)
  local prev=$(cpu) c1; while sleep 3; do c1=$(cpu); [ $((c1-prev)) -lt 10 ] && break; prev=$c1; done
  local n; n=$(curl -s -H "Authorization: Bearer $KEY" "$URL/v1/assets?limit=1000" | grep -o '"sha256"' | wc -l)
  echo "$name wall/user/sys: $t  server_cpu_s_until_idle: $(echo "($c1-$c0)/100" | bc -l | cut -c1-5)  assets: $n"
  stop
}
easel_upload() { "$BIN" upload --server "$URL" --key "$KEY" --parallel 8 --resume-dir $W/resume $PHOTOS; }
curl_loop() { for f in $PHOTOS/*.jpg; do curl -sS -o /dev/null -H "Authorization: Bearer $KEY" -F "file=@$f" "$URL/v1/assets"; done; }
curl_xargs() { ls $PHOTOS/*.jpg | xargs -P8 -I{} curl -sS -o /dev/null -H "Authorization: Bearer $KEY" -F "file=@{}" "$URL/v1/assets"; }
mkdir -p "$PHOTOS"
go build -o "$BIN" ./cmd/easel
T=../shared/testdata/photos
[ -e "$PHOTOS/photo-299.jpg" ] || go run ./scripts/bench-upload "$PHOTOS" $T/mate_Wood.jpg $T/plasma_Grey_2560x1600.jpg \
  $T/lomiri16_Dragonfly_by_Bolly.jpg $T/plasma_ColorfulCups_2560x1600.jpg $T/lomiri16_seeding_by_Clements_Engelhardt.jpg
echo "load: $(cat /proc/loadavg)"
run easel_upload easel_upload
run curl_loop curl_loop
run curl_xargs curl_xargs
echo "load: $(cat /proc/loadavg)"
