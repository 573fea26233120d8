#!/bin/bash
# Runs the umockdev CCID prototype end to end; prints PASS/FAIL/TIME lines.
set -u
cd "$(dirname "$0")"
./build.sh || exit 1
N=${N:-1000}
fails=0
note() { echo; echo "=== $*"; }
verdict() { if [ "$1" = 0 ]; then echo "PASS $2"; else echo "FAIL $2"; fails=$((fails+1)); fi; }

note "1. in-process: emulator + libusb client thread (N=$N)"
timeout 120 ./emu --selftest --iterations "$N" --insert-after 2000
verdict $? "in-process selftest"

note "2. control experiment: regular-file device node (what umockdev creates by itself)"
EMU_REGULAR_NODE=1 timeout 120 ./emu --selftest --iterations 20 --insert-after 2000 > /tmp/emu_regular.$$ 2>&1
grep -E "idle wait" /tmp/emu_regular.$$ | sed 's/^/     /'
if grep -q "FAIL idle wait" /tmp/emu_regular.$$; then verdict 0 "regular node spins (expected), FIFO node does not"; else verdict 1 "regular node should have spun"; fi
rm -f /tmp/emu_regular.$$

note "3. separate processes: emu --serve under the preload; udevmon + client join via UMOCKDEV_DIR"
work=$(mktemp -d)
mkfifo "$work/in"
./emu --serve --insert-after 2000 < "$work/in" > "$work/emu.out" 2>&1 &
emu_pid=$!
exec 7>"$work/in"
for _ in $(seq 50); do grep -q '^READY' "$work/emu.out" && break; sleep 0.1; done
export UMOCKDEV_DIR=$(sed -n 's/^UMOCKDEV_DIR=//p' "$work/emu.out")
echo "INFO emulator pid $emu_pid, UMOCKDEV_DIR=$UMOCKDEV_DIR"
echo "INFO testbed: $(cd "$UMOCKDEV_DIR" && find dev ioctl -mindepth 4 -printf '%p(%y) ' )"

LD_PRELOAD=libumockdev-preload.so.0 timeout 10 ./udevmon 2 5000 > "$work/mon.out" 2>&1 &
mon_pid=$!
for _ in $(seq 50); do grep -q '^MONITORING' "$work/mon.out" && break; sleep 0.1; done
t0=$(date +%s%N)
echo uevent-add >&7
wait $mon_pid; mon_rc=$?
sed 's/^/     /' "$work/mon.out"
verdict $mon_rc "libudev enumerate + monitor in a separate process sees the device and its uevents"

LD_PRELOAD=libumockdev-preload.so.0 timeout 120 ./client "$N"
verdict $? "separate-process libusb client"

echo stats >&7
echo quit >&7
exec 7>&-
wait $emu_pid
verdict $? "emulator exit"
grep -E '^INFO emulator' "$work/emu.out" | tail -1
if grep -qiE 'critical|warning|error' "$work/emu.out"; then echo "emulator log:"; cat "$work/emu.out"; fi
rm -rf "$work"

echo
if [ $fails = 0 ]; then echo "PASS all"; else echo "FAIL $fails group(s)"; fi
exit $fails
