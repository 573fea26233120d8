#!/usr/bin/python3
"""tessera against Debian's libccid, side by side, on the same emulated reader.

For each driver it starts the same emulator (`tessera emulate`, an extended-APDU-level
reader with a T=1 card) and the same Debian pcscd in a private mount namespace
(tests/e2e/sandbox.py), then measures through PC/SC (python3-pyscard):

  - APDUs per second for a 255-byte case-4 ECHO and for a 4 KiB extended ECHO;
  - USB transfers per APDU (URBs the emulator saw, divided by the APDUs sent);
  - CPU time per APDU of the pcscd process (driver included: same pcscd for both);
  - instructions per APDU inside the driver, counted by callgrind (repeatable where CPU
    time is not): pcscd runs under valgrind, counting only in IFDHTransmitToICC and, for
    tessera, in its libusb event thread (where its transfers complete; libccid completes
    them inside the call), over --callgrind-apdus 255-byte ECHOs after a warm-up;
  - card insertion and removal latency as a client sees it: from the emulator's event
    (CLOCK_MONOTONIC, printed by the emulator) to SCardGetStatusChange returning in a
    client already waiting, in four states: card idle, powered, in use, after a
    disconnect.

The drivers take turns, --repeats times (tessera, libccid, tessera, ...), so that a
spell of load on the machine does not fall on one driver only: throughput and CPU
figures are the median over the turns, latency samples are pooled (--latency-rounds per
state and turn). Prints one table with the tessera/libccid ratio of each figure. Numbers,
not a test: it exits 0 whenever it could measure, and 77 when the machine lacks the
facility.

  bench/bench.py --tessera-drivers DIR --libccid-drivers DIR --emulator CMD
                 [--apdus N] [--latency-rounds N] [--repeats N]
(`./dev.sh bench` prepares both driver directories and runs it.)
"""

import argparse
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import sandbox  # noqa: E402

from smartcard import scard  # noqa: E402

READER = "tessera"  # every emulated reader's name contains it


def ok(rv, what):
    if rv != scard.SCARD_S_SUCCESS:
        raise RuntimeError(f"{what}: {scard.SCardGetErrorMessage(rv)}")


def emulator_counter(box, name):
    """Sends `stats` and returns the counter `name` from the emulator's STATS line."""
    log = os.path.join(box.work, "emulator.log")
    before = os.path.getsize(log)
    box.send("stats")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with open(log, "r", errors="replace") as f:
            f.seek(before)
            for line in f:
                if line.startswith("STATS"):
                    match = re.search(rf"\b{name}=(\d+)", line)
                    if match:
                        return int(match.group(1))
        time.sleep(0.01)
    raise RuntimeError("the emulator printed no STATS line")


def send_command(box, command):
    """Sends an emulator command; returns where its answer will start in the log."""
    before = os.path.getsize(os.path.join(box.work, "emulator.log"))
    box.send(command)
    return before


def event_time_ns(box, command, before):
    """The CLOCK_MONOTONIC ns of the event, from the emulator's OK line after `before`."""
    log = os.path.join(box.work, "emulator.log")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with open(log, "r", errors="replace") as f:
            f.seek(before)
            for line in f:
                if line.startswith("OK " + command.split()[0]):
                    return int(line.split()[-1])
                if line.startswith("ERROR"):
                    raise RuntimeError(line.strip())
        time.sleep(0.001)
    raise RuntimeError(f"no answer to {command}")


def pcscd_cpu_seconds(box):
    with open(f"/proc/{box.pcscd.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def reader_name(context):
    rv, names = scard.SCardListReaders(context, [])
    ok(rv, "SCardListReaders")
    return names[0]


def throughput(box, context, reader, apdu, expected, count):
    rv, handle, _ = scard.SCardConnect(context, reader, scard.SCARD_SHARE_SHARED,
                                       scard.SCARD_PROTOCOL_T1)
    ok(rv, "SCardConnect")
    for _ in range(10):  # warm up
        scard.SCardTransmit(handle, scard.SCARD_PCI_T1, apdu)
    urbs_before = emulator_counter(box, "urbs")
    cpu_before = pcscd_cpu_seconds(box)
    start = time.perf_counter()
    for _ in range(count):
        rv, response = scard.SCardTransmit(handle, scard.SCARD_PCI_T1, apdu)
        ok(rv, "SCardTransmit")
        if response != expected:
            raise RuntimeError(f"wrong response ({len(response)} bytes)")
    elapsed = time.perf_counter() - start
    cpu = pcscd_cpu_seconds(box) - cpu_before
    urbs = emulator_counter(box, "urbs") - urbs_before
    ok(scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD), "SCardDisconnect")
    return {"apdus_per_s": count / elapsed, "urbs_per_apdu": urbs / count,
            "cpu_ms_per_apdu": 1000 * cpu / count}


def wait_event(reader, want, result, ready):
    """In its own context: waits for state `want`, stores CLOCK_MONOTONIC ns of return."""
    rv, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    ok(rv, "SCardEstablishContext")
    try:
        rv, states = scard.SCardGetStatusChange(context, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
        current = states[0][1] & ~scard.SCARD_STATE_CHANGED
        ready.set()
        while True:
            rv, states = scard.SCardGetStatusChange(context, 10000, [(reader, current)])
            now = time.monotonic_ns()
            if rv != scard.SCARD_S_SUCCESS:
                result["error"] = scard.SCardGetErrorMessage(rv)
                return
            current = states[0][1] & ~scard.SCARD_STATE_CHANGED
            if current & want:
                result["ns"] = now
                return
    finally:
        scard.SCardReleaseContext(context)


def one_latency(box, reader, command, want):
    result, ready = {}, threading.Event()
    waiter = threading.Thread(target=wait_event, args=(reader, want, result, ready))
    waiter.start()
    ready.wait(5)
    time.sleep(0.05)  # the waiter is inside SCardGetStatusChange by now
    # The answer is read once the waiter returned: nothing of the harness runs in between.
    before = send_command(box, command)
    waiter.join(15)
    event_ns = event_time_ns(box, command, before)
    if "ns" not in result:
        raise RuntimeError(f"{command}: {result.get('error', 'not seen')}")
    return (result["ns"] - event_ns) / 1e6


def latencies(box, context, reader, rounds):
    """Removal and insertion latency (ms) in each card state."""
    out = {}
    for state in ("idle", "powered", "in use", "after disconnect"):
        removal, insertion = [], []
        for _ in range(rounds):
            handle = None
            if state == "idle":
                time.sleep(1.5)  # past pcscd's power-off grace period: card unpowered
            else:
                rv, handle, _ = scard.SCardConnect(context, reader, scard.SCARD_SHARE_SHARED,
                                                   scard.SCARD_PROTOCOL_T1)
                ok(rv, "SCardConnect")
                if state == "in use":
                    ok(scard.SCardBeginTransaction(handle), "SCardBeginTransaction")
                else:
                    # powered: LEAVE keeps it powered (grace period); after disconnect:
                    # UNPOWER_CARD deactivates it.
                    disposition = (scard.SCARD_LEAVE_CARD if state == "powered"
                                   else scard.SCARD_UNPOWER_CARD)
                    ok(scard.SCardDisconnect(handle, disposition), "SCardDisconnect")
                    handle = None
            removal.append(one_latency(box, reader, "remove", scard.SCARD_STATE_EMPTY))
            if handle is not None:
                scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
            insertion.append(one_latency(box, reader, "insert", scard.SCARD_STATE_PRESENT))
            time.sleep(0.1)
        out[state] = (removal, insertion)
    return out


# Functions whose instructions count as the driver's: the IFD handler's transmit call
# (both drivers) and tessera's libusb event thread (ContextCore::run).
DRIVER_FUNCTIONS = ("IFDHTransmitToICC", "*ContextCore::run*")


def callgrind_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def instructions_per_apdu(drivers, emulator, apdus):
    """Instructions per 255-byte ECHO inside the driver, pcscd under callgrind."""
    valgrind = shutil.which("valgrind")
    control = shutil.which("callgrind_control")
    if not valgrind or not control or apdus <= 0:
        return None
    out = os.path.join(tempfile.gettempdir(), f"tessera-bench-callgrind.{os.getpid()}.out")
    prefix = [valgrind, "--tool=callgrind", f"--callgrind-out-file={out}",
              "--collect-atstart=no"] + [f"--toggle-collect={f}" for f in DRIVER_FUNCTIONS]
    try:
        with sandbox.Sandbox(drivers, emulator, readers=1, log=open(os.devnull, "w"),
                             pcscd_prefix=prefix) as box:
            rv, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            ok(rv, "SCardEstablishContext")
            rv, handle, _ = scard.SCardConnect(context, reader_name(context),
                                               scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T1)
            ok(rv, "SCardConnect")
            data = [(7 * i + 3) & 0xFF for i in range(255)]
            apdu = [0x80, 0xEE, 0x00, 0x00, 0xFF] + data + [0x00]
            for _ in range(10):  # warm up, then count from zero
                scard.SCardTransmit(handle, scard.SCARD_PCI_T1, apdu)
            subprocess.run([control, "-z", str(box.pcscd.pid)], check=True,
                           capture_output=True, timeout=60)
            for _ in range(apdus):
                rv, response = scard.SCardTransmit(handle, scard.SCARD_PCI_T1, apdu)
                ok(rv, "SCardTransmit")
                if response != data + [0x90, 0x00]:
                    raise RuntimeError("wrong response under callgrind")
            subprocess.run([control, "-d", str(box.pcscd.pid)], check=True,
                           capture_output=True, timeout=60)
            dumps = sorted(glob.glob(out + ".*"))
            if not dumps:
                raise RuntimeError("callgrind wrote no dump")
            total = callgrind_total(dumps[-1])
            scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
            scard.SCardReleaseContext(context)
            box.pcscd.kill()  # pcscd does not shut down under valgrind; the dump is taken
        return total / apdus
    finally:
        for path in glob.glob(out + "*"):
            os.remove(path)


def measure(drivers, emulator, apdus, rounds):
    with sandbox.Sandbox(drivers, emulator, readers=1, log=open(os.devnull, "w")) as box:
        rv, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        ok(rv, "SCardEstablishContext")
        reader = reader_name(context)
        data = [(7 * i + 3) & 0xFF for i in range(255)]
        short = throughput(box, context, reader, [0x80, 0xEE, 0x00, 0x00, 0xFF] + data + [0x00],
                           data + [0x90, 0x00], apdus)
        big = [(13 * i) & 0xFF for i in range(4096)]
        extended = throughput(box, context, reader,
                              [0x80, 0xEE, 0x00, 0x00, 0x00, 0x10, 0x00] + big + [0x10, 0x00],
                              big + [0x90, 0x00], max(50, apdus // 10))
        latency = latencies(box, context, reader, rounds)
        scard.SCardReleaseContext(context)
        return {"short": short, "extended": extended, "latency": latency}


def combine(turns):
    """One driver's turns as one result: medians of the throughput figures, latency
    samples of every turn together."""
    combined = {}
    for kind in ("short", "extended"):
        combined[kind] = {key: statistics.median(turn[kind][key] for turn in turns)
                          for key in turns[0][kind]}
    combined["latency"] = {
        state: tuple(sum((turn["latency"][state][i] for turn in turns), []) for i in (0, 1))
        for state in turns[0]["latency"]}
    return combined


def ratio(a, b):
    return f"{a / b:6.2f}" if b else "   n/a"


def report(results):
    t, c = results["tessera"], results["libccid"]
    rows = []
    for kind, label in (("short", "255-byte ECHO"), ("extended", "4 KiB extended ECHO")):
        rows.append((f"APDU/s, {label}", t[kind]["apdus_per_s"], c[kind]["apdus_per_s"], "{:10.0f}"))
        rows.append((f"USB transfers per APDU, {label}", t[kind]["urbs_per_apdu"],
                     c[kind]["urbs_per_apdu"], "{:10.2f}"))
        rows.append((f"pcscd CPU ms per APDU, {label}", t[kind]["cpu_ms_per_apdu"],
                     c[kind]["cpu_ms_per_apdu"], "{:10.3f}"))
        if kind == "short" and "instructions" in t and "instructions" in c:
            rows.append(("driver instructions per APDU (callgrind), 255-byte ECHO",
                         t["instructions"], c["instructions"], "{:10.0f}"))
    for state in t["latency"]:
        for index, event in ((0, "removal"), (1, "insertion")):
            tv, cv = t["latency"][state][index], c["latency"][state][index]
            rows.append((f"{event} latency ms, card {state} (median)", statistics.median(tv),
                         statistics.median(cv), "{:10.2f}"))
            rows.append((f"{event} latency ms, card {state} (max)", max(tv), max(cv), "{:10.2f}"))
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'tessera':>10}  {'libccid':>10}  {'ratio':>6}")
    for name, tv, cv, fmt in rows:
        print(f"{name:{width}}  {fmt.format(tv)}  {fmt.format(cv)}  {ratio(tv, cv)}")
    print()
    for name, result in (("tessera", t), ("libccid", c)):
        every = sorted(x for v in result["latency"].values() for x in v[0] + v[1])
        p95 = every[min(len(every) - 1, int(0.95 * len(every)))]
        late = sum(1 for x in every if x > 5.0)
        print(f"{name} insertion/removal latency over {len(every)} events: median "
              f"{statistics.median(every):.2f} ms, p95 {p95:.2f} ms, max {every[-1]:.2f} ms; "
              f"{late} over 5 ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tessera-drivers", required=True)
    parser.add_argument("--libccid-drivers", required=True)
    parser.add_argument("--emulator", required=True)
    parser.add_argument("--apdus", type=int, default=1000)
    parser.add_argument("--latency-rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--callgrind-apdus", type=int, default=200,
                        help="APDUs counted under callgrind (0: skip; needs valgrind)")
    args = parser.parse_args()
    # The sandbox runs the emulator from its own work directory: absolute paths only.
    args.tessera_drivers = os.path.abspath(args.tessera_drivers)
    args.libccid_drivers = os.path.abspath(args.libccid_drivers)
    args.emulator = os.path.abspath(args.emulator)
    try:
        sandbox.enter_namespace([sys.executable, os.path.abspath(__file__)] + sys.argv[1:])
    except sandbox.Skip as skip:
        print(f"SKIP: {skip}", file=sys.stderr)
        return sandbox.SKIP
    turns = {"tessera": [], "libccid": []}
    for turn in range(max(1, args.repeats)):
        for name, drivers in (("tessera", args.tessera_drivers),
                              ("libccid", args.libccid_drivers)):
            print(f"measuring {name}, turn {turn + 1} of {max(1, args.repeats)} ...",
                  file=sys.stderr)
            turns[name].append(measure(drivers, args.emulator, args.apdus,
                                       args.latency_rounds))
    results = {name: combine(runs) for name, runs in turns.items()}
    for name, drivers in (("tessera", args.tessera_drivers), ("libccid", args.libccid_drivers)):
        print(f"counting {name}'s instructions under callgrind ...", file=sys.stderr)
        count = instructions_per_apdu(drivers, args.emulator, args.callgrind_apdus)
        if count is not None:
            results[name]["instructions"] = count
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
