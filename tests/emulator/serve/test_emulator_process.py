#!/usr/bin/python3
"""Cross-process tests of tessera-emulator (stdlib only).

  test_emulator_process.py cli    --emulator EXE
      options (--help, --list-profiles, bad options), the command protocol (OK / ERROR /
      STATS lines, timestamps), and the ways it ends (quit, end of input, SIGTERM), each
      leaving no testbed directory behind.
  test_emulator_process.py client --emulator EXE --client EXE
      emulator_client (tessera's libusb backend and reader model) in a process of its own:
      power on, APDUs, removal and insertion seen on the interrupt endpoint, unplug.
  test_emulator_process.py udev   --emulator EXE --probe EXE
      libudev in a process of its own enumerates the usb_device and its usb_interface
      (INTERFACE=11/0/0) as pcscd's hotplug does, and receives remove/add uevents.

Every wait is bounded. Exit status: 0 pass, 1 fail, 77 skip (umockdev missing).
"""

import argparse
import os
import queue
import signal
import subprocess
import sys
import threading
import time

SKIP = 77
PRELOAD = "libumockdev-preload.so.0"
STEP_TIMEOUT = 20.0     # seconds for any one answer
LATENCY_BOUND = 2.0     # seconds from a change to the client seeing it (ASan, busy CI)


class Failure(Exception):
    pass


class Skipped(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


def log(text):
    print(text, flush=True)


class LineReader:
    """Reads a pipe on a thread; lines come out of a queue with a timeout."""

    def __init__(self, stream, name):
        self.name = name
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream):
        for line in iter(stream.readline, ""):
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next(self, timeout=STEP_TIMEOUT, what="a line"):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise Failure(f"{self.name}: no {what} within {timeout:.0f} s; so far: {self.seen[-5:]}")
        if line is None:
            raise Failure(f"{self.name}: output ended while waiting for {what}; so far: "
                          f"{self.seen[-5:]}")
        self.seen.append(line)
        return line

    def drain(self, timeout=2.0):
        """Every line still to come until the pipe ends (at most `timeout` seconds)."""
        lines = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            lines.append(line)
        return lines

    def expect(self, prefix, timeout=STEP_TIMEOUT):
        line = self.next(timeout, f"'{prefix}...'")
        check(line.startswith(prefix), f"{self.name}: expected '{prefix}...', got '{line}'")
        return line


class Emulator:
    """One tessera-emulator process."""

    def __init__(self, exe, *args):
        self.process = subprocess.Popen([exe, *args], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, bufsize=1)
        self.out = LineReader(self.process.stdout, "emulator")
        self.err = LineReader(self.process.stderr, "emulator stderr")
        try:
            first = self.out.next(what="UMOCKDEV_DIR=")
        except Failure:
            if self.process.wait(timeout=10) == SKIP:
                raise Skipped("tessera-emulator says umockdev is not available")
            raise
        check(first.startswith("UMOCKDEV_DIR="), f"first line is '{first}'")
        self.dir = first.split("=", 1)[1]
        check(os.path.isdir(self.dir), f"UMOCKDEV_DIR {self.dir} is no directory")
        self.out.expect("READY")

    def send(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def command(self, line):
        """Sends a command; returns (answer line, [STATS lines before it])."""
        self.send(line)
        stats = []
        while True:
            answer = self.out.next(what=f"the answer to '{line}'")
            if answer.startswith("STATS "):
                stats.append(answer)
                continue
            return answer, stats

    def ok(self, line):
        """A command that must succeed; returns its timestamp (ns)."""
        before = time.monotonic_ns()
        answer, _ = self.command(line)
        after = time.monotonic_ns()
        word = line.split()[0]
        check(answer.startswith(f"OK {word} "), f"'{line}' answered '{answer}'")
        stamp = int(answer.split()[2])
        check(before <= stamp <= after,
              f"'{line}': timestamp {stamp} outside [{before}, {after}] (CLOCK_MONOTONIC?)")
        return stamp

    def error(self, line, part):
        answer, _ = self.command(line)
        check(answer.startswith("ERROR "), f"'{line}' answered '{answer}', expected ERROR")
        check(part in answer, f"'{line}' answered '{answer}', expected it to say '{part}'")

    def stats(self, reader=0):
        answer, lines = self.command(f"stats {reader}")
        check(answer.startswith("OK stats "), f"stats answered '{answer}'")
        check(len(lines) == 1, f"stats printed {len(lines)} STATS lines")
        fields = dict(item.split("=", 1) for item in lines[0].split()[1:])
        for name in ("reader", "urbs", "reaped", "ioctls", "bulk_out", "in", "control",
                     "interrupts", "messages", "plugged"):
            check(name in fields, f"STATS line lacks {name}: {lines[0]}")
        return {name: int(value) for name, value in fields.items()}

    def finish(self, how="quit", expect_status=0):
        if how == "quit":
            self.ok("quit")
            self.process.stdin.close()
        elif how == "eof":
            self.process.stdin.close()
        else:
            self.process.send_signal(how)
        try:
            status = self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise Failure(f"the emulator did not end within 15 s after {how}")
        check(status == expect_status, f"after {how} the emulator exited {status}, "
                                       f"expected {expect_status}")
        check(not os.path.exists(self.dir), f"after {how} the testbed {self.dir} is left behind")

    def kill(self):
        """Ends the process if it still runs; shows what it said on stderr, if anything."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for line in self.err.drain():
            print(f"emulator stderr: {line}", file=sys.stderr, flush=True)


def preloaded_env(emulator):
    env = dict(os.environ)
    env["UMOCKDEV_DIR"] = emulator.dir
    env["LD_PRELOAD"] = (env.get("LD_PRELOAD", "") + " " + PRELOAD).strip()
    return env


# --- cli ----------------------------------------------------------------------------------
def run_quick(exe, *args):
    result = subprocess.run([exe, *args], capture_output=True, text=True, timeout=60)
    if result.returncode == SKIP:
        raise Skipped("tessera-emulator says umockdev is not available")
    return result


def test_cli(args):
    result = run_quick(args.emulator, "--help")
    check(result.returncode == 0, f"--help exited {result.returncode}")
    check("usage: tessera-emulator" in result.stdout and "insert [R [S [SPEC]]]" in result.stdout,
          "--help text lacks the usage or the commands")
    result = run_quick(args.emulator, "--list-profiles")
    check(result.returncode == 0, f"--list-profiles exited {result.returncode}")
    names = [line.split()[0] for line in result.stdout.splitlines()]
    check("extended_apdu" in names and "two_slot" in names, f"profiles listed: {names}")
    for bad, message in ((["--bogus"], "unknown option '--bogus'"),
                         (["--profile", "nope"], "unknown profile 'nope'"),
                         (["--card", "t7"], "unknown card kind 't7'"),
                         (["--readers", "0"], "from 1 to 16"),
                         (["--dump", "/nonexistent/dump.txt"], "cannot open dump")):
        result = run_quick(args.emulator, *bad)
        check(result.returncode == 2, f"{bad} exited {result.returncode}, expected 2")
        check(message in result.stderr, f"{bad}: stderr '{result.stderr.strip()}' lacks "
                                         f"'{message}'")
    log("PASS options")

    emulator = Emulator(args.emulator, "--profile", "two_slot", "--readers", "2")
    try:
        emulator.error("frobnicate", "unknown command 'frobnicate'")
        emulator.error("insert 5", "no reader 5")
        emulator.error("remove 0 7", "has no slot 7")
        emulator.error("x" * 5000, "longer than 4096")
        emulator.send("")            # no command, no answer: the next answer is stats'
        emulator.send("# comment")
        check(emulator.stats(1)["reader"] == 1, "stats 1 reports another reader")
        stamps = [emulator.ok("remove 0 1")]
        emulator.error("remove 0 1", "holds no card")
        stamps.append(emulator.ok("insert 0 1 t0-inverse"))
        stamps.append(emulator.ok("insert 0 1"))       # a swap: replaces the card
        stamps.append(emulator.ok("hwerror 0 1"))
        stamps.append(emulator.ok("fault 0 no_answer after=1 times=forever"))
        stamps.append(emulator.ok("fault 0 clear"))
        stamps.append(emulator.ok("unplug 1"))
        check(emulator.stats(1)["plugged"] == 0, "reader 1 still plugged after unplug")
        emulator.error("unplug 1", "not plugged")
        stamps.append(emulator.ok("plug 1"))
        stamps.append(emulator.ok("plug 1"))           # a replug
        check(emulator.stats(1)["plugged"] == 1, "reader 1 not plugged after plug")
        check(stamps == sorted(stamps), f"timestamps go back: {stamps}")
        emulator.send("stats 0\nstats 1")              # two commands in one write
        for reader in (0, 1):
            check(emulator.out.next().startswith(f"STATS reader={reader} "), "batched stats")
            emulator.out.expect("OK stats ")
        emulator.finish("quit")
        log("PASS commands and quit")
    finally:
        emulator.kill()

    garbage_commands(args)

    for how, status in (("eof", 0), (signal.SIGTERM, 128 + signal.SIGTERM),
                        (signal.SIGINT, 128 + signal.SIGINT)):
        emulator = Emulator(args.emulator)
        try:
            emulator.finish(how, status)
        finally:
            emulator.kill()
        log(f"PASS ends cleanly on {getattr(how, 'name', how)}")


def garbage_commands(args):
    """Random command lines, valid and not: each gets exactly one OK or ERROR line."""
    import random
    rng = random.Random(7816)
    verbs = ["insert", "remove", "unplug", "plug", "hwerror", "stats", "fault", "frob",
             "INSERT", "quit2", "\x01", "\u00e9"]
    words = ["0", "1", "2", "-1", "+1", "99999999999999999999", "x", "0x1", "t1",
             "t0-inverse,ta1=11", "t1,ifsc=0", "none", "auto", "no_answer", "unplug",
             "wrong_bseq", "clear", "after=1", "times=forever", "times=0", "slot=1",
             "message=0x6F", "=", ",", "\x7f\x02", "\u00ff" * 50]
    emulator = Emulator(args.emulator, "--profile", "two_slot", "--readers", "2")
    try:
        for _ in range(300):
            line = " ".join([rng.choice(verbs)] +
                            [rng.choice(words) for _ in range(rng.randrange(0, 7))])
            answer, _ = emulator.command(line)
            check(answer.startswith("OK ") or answer.startswith("ERROR "),
                  f"'{line}' answered '{answer}'")
        emulator.finish("quit")
        log("PASS 300 random command lines, one answer each")
    finally:
        emulator.kill()


# --- client -------------------------------------------------------------------------------
def client_session(args, emulator_args):
    emulator = Emulator(args.emulator, *emulator_args)
    client = None
    try:
        client = subprocess.Popen([args.client], stdout=subprocess.PIPE, text=True, bufsize=1,
                                  env=preloaded_env(emulator))
        out = LineReader(client.stdout, "client")

        def expect(prefix):
            line = out.expect(prefix)
            return line

        def event(command, wait_word, event_word):
            expect(f"WAIT {wait_word}")
            changed = emulator.ok(command)
            seen = int(expect(f"EVENT {event_word} ").split()[2])
            latency = (seen - changed) / 1e9
            check(0 <= latency < LATENCY_BOUND,
                  f"{event_word}: seen {latency * 1000:.2f} ms after the change")
            return latency

        expect("OPEN ")
        atr = expect("ATR ")
        check("54455353455241" in atr, f"ATR without the historical bytes TESSERA: {atr}")
        expect("APDU OK")
        removed = event("remove", "remove", "removed")
        inserted = event("insert", "insert", "inserted")
        expect("ATR ")
        expect("APDU OK")
        stats = emulator.stats(0)
        check(stats["urbs"] > 0 and stats["reaped"] > 0 and stats["ioctls"] > stats["urbs"],
              f"USB counters: {stats}")
        check(stats["bulk_out"] >= 6 and stats["in"] >= stats["bulk_out"],
              f"transfer counters: {stats}")
        check(stats["messages"] >= 6, f"CCID messages: {stats}")
        check(stats["interrupts"] >= 2, f"interrupt messages (remove, insert): {stats}")
        gone = event("unplug", "unplug", "gone")
        expect("DONE")
        status = client.wait(timeout=15)
        check(status == 0, f"the client exited {status}")
        emulator.finish("quit")
        log(f"PASS client {' '.join(emulator_args) or '(defaults)'}: removal "
            f"{removed * 1000:.2f} ms, insertion {inserted * 1000:.2f} ms, unplug "
            f"{gone * 1000:.2f} ms; {stats['urbs']} URBs, {stats['messages']} CCID messages")
    finally:
        if client is not None and client.poll() is None:
            client.kill()
            client.wait()
        emulator.kill()


def test_client(args):
    client_session(args, [])
    client_session(args, ["--profile", "tpdu", "--card", "t0-inverse"])
    client_session(args, ["--profile", "tpdu_auto_pps", "--card", "t1,ifsc=254"])


# --- udev ---------------------------------------------------------------------------------
def test_udev(args):
    emulator = Emulator(args.emulator, "--readers", "2")
    monitor = None
    try:
        env = preloaded_env(emulator)
        result = subprocess.run([args.probe], capture_output=True, text=True, timeout=30, env=env)
        check(result.returncode == 0, f"udev_probe exited {result.returncode}: {result.stderr}")
        devices, interfaces = {}, []
        for line in result.stdout.splitlines():
            words = line.split()
            fields = dict(word.split("=", 1) for word in words[2:])
            if words[0] == "DEVICE":
                devices[words[1]] = fields
            elif words[0] == "INTERFACE":
                interfaces.append(fields)
        ours = {path: f for path, f in devices.items()
                if f.get("idVendor") == "1209" and f.get("idProduct") == "0001"}
        check(len(ours) == 2, f"libudev enumerates {len(ours)} emulated readers: {result.stdout}")
        for path, fields in ours.items():
            check(fields["devtype"] == "usb_device", f"{path}: DEVTYPE {fields['devtype']}")
            check(fields["devnode"].startswith("/dev/bus/usb/001/"), f"{path}: devnode "
                                                                     f"{fields['devnode']}")
        ccid = [f for f in interfaces if f.get("parent") in ours]
        check(len(ccid) == 2, f"{len(ccid)} interfaces under the readers: {result.stdout}")
        for fields in ccid:
            check(fields["devtype"] == "usb_interface", f"interface DEVTYPE {fields['devtype']}")
            check(fields["INTERFACE"] == "11/0/0", f"INTERFACE={fields['INTERFACE']}")
            check(fields["bInterfaceClass"] == "0b", f"bInterfaceClass={fields['bInterfaceClass']}")
            check(fields["bInterfaceNumber"] == "00", f"bInterfaceNumber={fields['bInterfaceNumber']}")
        log("PASS libudev enumeration: 2 usb_device + 2 usb_interface INTERFACE=11/0/0")

        monitor = subprocess.Popen([args.probe, "--monitor", "4", "10000"], stdout=subprocess.PIPE,
                                   text=True, bufsize=1, env=env)
        out = LineReader(monitor.stdout, "udev monitor")
        out.expect("MONITORING")
        emulator.ok("unplug 1")
        emulator.ok("plug 1")
        events = set()
        for _ in range(4):
            words = out.expect("UEVENT ").split()
            events.add((words[1], words[2]))
        check(events == {("remove", "usb_device"), ("remove", "usb_interface"),
                         ("add", "usb_device"), ("add", "usb_interface")},
              f"uevents: {sorted(events)}")
        out.expect("PASS")
        check(monitor.wait(timeout=15) == 0, "the monitor failed")
        emulator.finish("quit")
        log("PASS libudev monitor: remove and add uevents for usb_device and usb_interface")
    finally:
        if monitor is not None and monitor.poll() is None:
            monitor.kill()
            monitor.wait()
        emulator.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("cli", "client", "udev"))
    parser.add_argument("--emulator", required=True)
    parser.add_argument("--client")
    parser.add_argument("--probe")
    args = parser.parse_args()
    try:
        {"cli": test_cli, "client": test_client, "udev": test_udev}[args.mode](args)
    except Skipped as skipped:
        print(f"SKIP: {skipped}", file=sys.stderr)
        return SKIP
    except (Failure, subprocess.TimeoutExpired) as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
