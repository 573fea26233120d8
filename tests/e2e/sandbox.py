#!/usr/bin/python3
"""A private pcscd with an emulated reader, for end-to-end tests and the benchmark.

Inside a private mount namespace (unshare -m) it mounts a tmpfs on /run/pcscd (pcscd's
fixed socket directory) and binds a directory holding only the driver bundles under test
over pcscd's drop directory; it starts the emulator (a command that prints
`UMOCKDEV_DIR=...` and `READY`, then reads commands on stdin), then the Debian pcscd under
the umockdev preload so that its libudev hotplug sees the emulated USB devices, waits until
pcscd lists the expected readers, runs the client commands, and stops everything (pcscd
with SIGINT, the emulator with `quit`), each step bounded in time.

Clients get TESSERA_EMULATOR_CONTROL, a FIFO that forwards lines to the emulator's stdin
(`insert`, `remove`, `unplug`, ...), and UMOCKDEV_DIR. The pcscd log is kept in the work
directory and printed when something fails.

Exit status: the first failing client's, 77 when the namespace facility or a program is
missing (a skip, with the reason on stderr), 1 for a harness failure.

Use as a module (Sandbox) or from the command line:
  sandbox.py --drivers DIR --emulator 'CMD ARGS' [--readers N] -- CLIENT [ARGS] [--- CLIENT ...]
"""

import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
PRELOAD = "libumockdev-preload.so.0"
SANDBOXED = "TESSERA_SANDBOXED"


class Skip(Exception):
    """The facility is missing: the caller skips."""


class HarnessError(Exception):
    """The harness itself failed (emulator or pcscd did not start...)."""


def usb_drop_dir():
    try:
        out = subprocess.run(["pkg-config", "--variable=usbdropdir", "libpcsclite"],
                             capture_output=True, text=True, check=True, timeout=10)
        if out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return "/usr/lib/pcsc/drivers"


def check_facilities():
    """Raises Skip with the reason when the sandbox cannot run here."""
    if os.geteuid() != 0:
        raise Skip("e2e needs root for a private mount namespace (unshare -m); not root")
    for program in ("unshare", "pcscd"):
        if shutil.which(program) is None and not os.path.exists("/usr/sbin/" + program):
            raise Skip(f"e2e needs {program} (Debian package "
                       f"{'util-linux' if program == 'unshare' else 'pcscd'})")
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                           capture_output=True, text=True, timeout=10)
    if probe.returncode != 0:
        raise Skip("e2e needs mount namespaces; unshare -m failed: " + probe.stderr.strip())


def enter_namespace(argv):
    """Re-executes argv inside a private mount namespace unless already there."""
    if os.environ.get(SANDBOXED) == "1":
        return
    check_facilities()
    env = dict(os.environ, **{SANDBOXED: "1"})
    os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private", "--"] + argv, env)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise HarnessError(f"timed out after {timeout:.0f} s waiting for {what}")


class Sandbox:
    """Emulator + pcscd in the current (private) mount namespace. Use with `with`."""

    def __init__(self, drivers, emulator, readers=1, work=None, pcscd_args=(), log=None,
                 pcscd_prefix=()):
        self.drivers = drivers
        self.emulator_cmd = emulator
        self.readers = readers
        self.work = work or tempfile.mkdtemp(prefix="tessera-e2e.")
        self.pcscd_args = list(pcscd_args)
        self.pcscd_prefix = list(pcscd_prefix)  # e.g. valgrind and its options
        self.log = log or sys.stderr
        self.emulator = None
        self.pcscd = None
        self.control_path = os.path.join(self.work, "control")
        self.control = None
        self.env = dict(os.environ)

    # -- setup ---------------------------------------------------------------------------
    def __enter__(self):
        if os.environ.get(SANDBOXED) != "1":
            raise HarnessError("Sandbox must run inside enter_namespace()")
        try:
            self._mounts()
            self._start_emulator()
            self._start_pcscd()
            self.wait_readers(self.readers)
        except BaseException:
            self.dump_logs()
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _mounts(self):
        os.makedirs("/run/pcscd", exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run/pcscd"], check=True, timeout=10)
        subprocess.run(["mount", "--bind", self.drivers, usb_drop_dir()], check=True, timeout=10)

    def _start_emulator(self):
        out_path = os.path.join(self.work, "emulator.log")
        os.mkfifo(self.control_path)
        self.emulator = subprocess.Popen(
            shlex.split(self.emulator_cmd) if isinstance(self.emulator_cmd, str)
            else self.emulator_cmd,
            stdin=subprocess.PIPE,
            stdout=open(out_path, "wb"), stderr=subprocess.STDOUT, cwd=self.work)
        self._forwarder_start()

        def ready():
            if self.emulator.poll() is not None:
                raise HarnessError(f"emulator exited with {self.emulator.returncode}")
            with open(out_path, "rb") as f:
                return b"\nREADY" in b"\n" + f.read()
        wait_for(ready, 20, "the emulator's READY")
        with open(out_path, "r", errors="replace") as f:
            for line in f:
                if line.startswith("UMOCKDEV_DIR="):
                    self.env["UMOCKDEV_DIR"] = line.split("=", 1)[1].strip()
        if "UMOCKDEV_DIR" not in self.env:
            raise HarnessError("the emulator printed no UMOCKDEV_DIR")
        self.env["TESSERA_EMULATOR_CONTROL"] = self.control_path

    def _forwarder_start(self):
        # Clients write lines to the control FIFO; a thread forwards them to the emulator.
        import threading

        def forward():
            while True:
                try:
                    with open(self.control_path, "rb") as fifo:
                        for line in fifo:
                            if self.emulator.poll() is not None:
                                return
                            self.emulator.stdin.write(line)
                            self.emulator.stdin.flush()
                except (OSError, ValueError):
                    return
        threading.Thread(target=forward, daemon=True).start()

    def send(self, command):
        """One command line to the emulator (insert, remove, unplug, ...)."""
        self.emulator.stdin.write((command + "\n").encode())
        self.emulator.stdin.flush()

    def _start_pcscd(self):
        conf = os.path.join(self.work, "reader.conf.d")
        os.makedirs(conf, exist_ok=True)
        env = dict(self.env)
        preload = env.get("LD_PRELOAD", "")
        env["LD_PRELOAD"] = (preload + " " + PRELOAD).strip()
        env.setdefault("ASAN_OPTIONS", "verify_asan_link_order=0")
        self.pcscd_log = os.path.join(self.work, "pcscd.log")
        pcscd = shutil.which("pcscd") or "/usr/sbin/pcscd"
        self.pcscd = subprocess.Popen(self.pcscd_prefix + [pcscd, "-f", "-d", "-c", conf] +
                                      self.pcscd_args,
                                      env=env, stdout=open(self.pcscd_log, "wb"),
                                      stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists("/run/pcscd/pcscd.comm") or self._pcscd_died(),
                 20, "pcscd's socket")
        if self.pcscd.poll() is not None:
            raise HarnessError(f"pcscd exited with {self.pcscd.returncode}")

    def _pcscd_died(self):
        return self.pcscd.poll() is not None

    def wait_readers(self, count, timeout=20):
        """Waits until PC/SC lists at least `count` reader names (one per slot)."""
        def listed():
            if self._pcscd_died():
                raise HarnessError(f"pcscd exited with {self.pcscd.returncode}")
            return self.listed_readers() >= count
        wait_for(listed, timeout, f"{count} reader(s) listed by pcscd")

    def listed_readers(self):
        """How many readers a PC/SC client sees now (pcsc_scan -r as a fallback)."""
        try:
            from smartcard import scard
        except ImportError:
            out = subprocess.run(["pcsc_scan", "-r"], env=self.env, capture_output=True,
                                 text=True, timeout=10)
            return sum(1 for line in out.stdout.splitlines() if line[:1].isdigit())
        rv, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if rv != scard.SCARD_S_SUCCESS:
            return 0
        try:
            rv, names = scard.SCardListReaders(context, [])
            return len(names) if rv == scard.SCARD_S_SUCCESS else 0
        finally:
            scard.SCardReleaseContext(context)

    # -- clients -------------------------------------------------------------------------
    def run(self, command, timeout=120):
        """Runs a client; returns its CompletedProcess (output captured, also echoed)."""
        result = subprocess.run(command, env=self.env, capture_output=True, text=True,
                                timeout=timeout)
        self.log.write(result.stdout)
        self.log.write(result.stderr)
        return result

    # -- teardown ------------------------------------------------------------------------
    def close(self):
        if self.pcscd and self.pcscd.poll() is None:
            self.pcscd.send_signal(signal.SIGINT)
            try:
                self.pcscd.wait(timeout=60 if self.pcscd_prefix else 10)
            except subprocess.TimeoutExpired:
                self.pcscd.kill()
                self.pcscd.wait()
        if self.emulator and self.emulator.poll() is None:
            try:
                self.send("quit")
                self.emulator.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.emulator.kill()
                self.emulator.wait()

    def dump_logs(self):
        for name in ("emulator.log", "pcscd.log"):
            path = os.path.join(self.work, name)
            if os.path.exists(path):
                with open(path, "r", errors="replace") as f:
                    lines = f.readlines()
                self.log.write(f"--- {name} (last 60 lines) ---\n")
                self.log.writelines(lines[-60:])


def main():
    argv = sys.argv[1:]
    clients = []
    if "--" in argv:
        split = argv.index("--")
        argv, rest = argv[:split], argv[split + 1:]
        current = []
        for arg in rest:
            if arg == "---":
                clients.append(current)
                current = []
            else:
                current.append(arg)
        clients.append(current)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drivers", required=True)
    parser.add_argument("--emulator", required=True)
    parser.add_argument("--readers", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        enter_namespace([sys.executable, os.path.abspath(__file__)] + sys.argv[1:])
    except Skip as skip:
        print(f"SKIP: {skip}", file=sys.stderr)
        return SKIP
    try:
        with Sandbox(args.drivers, args.emulator, args.readers) as box:
            for client in clients:
                result = box.run(client)
                if result.returncode != 0:
                    box.dump_logs()
                    return result.returncode
    except HarnessError as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
