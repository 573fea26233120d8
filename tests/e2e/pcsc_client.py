#!/usr/bin/python3
"""A PC/SC client (python3-pyscard) for the end-to-end tests: it talks to the emulated
reader's simulated card through the real pcscd and checks every answer byte.

The card's application (tests/sim/application.hpp): SELECT by AID A0 00 00 05 27 54 45 53,
READ BINARY of a pattern (byte i = i & FF), UPDATE BINARY, GET CHALLENGE, a case-4 ECHO
(80 EE), and it answers T=0 case-4 commands with 61xx (pcscd never sends GET RESPONSE by
itself, so this client does, as every T=0 client must).

  pcsc_client.py list N [NAME]        N readers, each name containing NAME
  pcsc_client.py apdu T0|T1 [--extended] [--reader NAME]
  pcsc_client.py events [--reader NAME]   removal then insertion seen by
                                       SCardGetStatusChange (the emulator is driven
                                       through $TESSERA_EMULATOR_CONTROL)
  pcsc_client.py wait-readers N [NAME] [--timeout S]   until exactly N readers are listed
  pcsc_client.py emulator COMMAND...   one line to the emulator (unplug, plug, ...)
  pcsc_client.py features [--reader NAME] [--pinpad]   part 10 feature list (and a
                                       VERIFY_PIN_DIRECT with the PIN pad's default PIN)
Prints one line per check; exits 0 when all passed, 1 on the first failure.
"""

import argparse
import os
import sys
import time

from smartcard import scard

AID = [0xA0, 0x00, 0x00, 0x05, 0x27, 0x54, 0x45, 0x53]


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)
    print(f"ok: {what}")


def ok(rv, what):
    if rv != scard.SCARD_S_SUCCESS:
        raise Failure(f"{what}: {scard.SCardGetErrorMessage(rv)} (0x{rv & 0xFFFFFFFF:08X})")


def establish():
    rv, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    ok(rv, "SCardEstablishContext")
    return context


def readers(context):
    rv, names = scard.SCardListReaders(context, [])
    if rv == scard.SCARD_E_NO_READERS_AVAILABLE:
        return []
    ok(rv, "SCardListReaders")
    return names


def pick_reader(context, name):
    names = [n for n in readers(context) if name is None or name in n]
    check(len(names) >= 1, f"a reader matching {name!r} is listed: {names}")
    return names[0]


def pattern(offset, length):
    return [(offset + i) & 0xFF for i in range(length)]


class Card:
    def __init__(self, context, reader, protocol):
        mask = scard.SCARD_PROTOCOL_T0 if protocol == "T0" else scard.SCARD_PROTOCOL_T1
        rv, self.handle, active = scard.SCardConnect(context, reader, scard.SCARD_SHARE_SHARED,
                                                      mask)
        ok(rv, f"SCardConnect {protocol}")
        check(active == mask, f"active protocol is {protocol}")
        self.pci = scard.SCARD_PCI_T0 if protocol == "T0" else scard.SCARD_PCI_T1
        self.protocol = protocol

    def transmit(self, apdu):
        """One APDU, with 61xx / 6Cxx handled as ISO 7816-3 10.3 / 7816-4 asks (T=0)."""
        rv, response = scard.SCardTransmit(self.handle, self.pci, apdu)
        ok(rv, f"SCardTransmit {bytes(apdu[:4]).hex()}")
        data = []
        while len(response) >= 2 and response[-2] == 0x61:
            data += response[:-2]
            rv, response = scard.SCardTransmit(self.handle, self.pci,
                                               [0x00, 0xC0, 0x00, 0x00, response[-1]])
            ok(rv, "GET RESPONSE")
        if len(response) >= 2 and response[-2] == 0x6C:
            rv, response = scard.SCardTransmit(self.handle, self.pci, apdu[:4] + [response[-1]])
            ok(rv, "resend with La")
        return data + response

    def disconnect(self):
        ok(scard.SCardDisconnect(self.handle, scard.SCARD_RESET_CARD), "SCardDisconnect")


def apdu_checks(card, extended):
    check(card.transmit([0x00, 0xA4, 0x04, 0x00, len(AID)] + AID)[-2:] == [0x90, 0x00],
          "SELECT by AID -> 9000")
    check(card.transmit([0x00, 0xA4, 0x04, 0x00, 0x02, 0x12, 0x34])[-2:] == [0x6A, 0x82],
          "SELECT of an unknown AID -> 6A82")
    response = card.transmit([0x00, 0xB0, 0x00, 0x00, 0x00])
    check(response == pattern(0, 256) + [0x90, 0x00], "READ BINARY 256 bytes, exact pattern")
    data = [(7 * i + 3) & 0xFF for i in range(255)]
    response = card.transmit([0x80, 0xEE, 0x00, 0x00, 0xFF] + data + [0x00])
    check(response == data + [0x90, 0x00], "ECHO of 255 command bytes (case 4)")
    update = [0x5A] * 16
    check(card.transmit([0x00, 0xD6, 0x00, 0x10, 0x10] + update)[-2:] == [0x90, 0x00],
          "UPDATE BINARY 16 bytes")
    check(card.transmit([0x00, 0xB0, 0x00, 0x10, 0x10]) == update + [0x90, 0x00],
          "READ BINARY reads the update back")
    card.transmit([0x00, 0xD6, 0x00, 0x10, 0x10] + pattern(0x10, 16))
    challenge = card.transmit([0x00, 0x84, 0x00, 0x00, 0x08])
    check(len(challenge) == 10 and challenge[-2:] == [0x90, 0x00], "GET CHALLENGE 8 bytes")
    if extended:
        response = card.transmit([0x00, 0xB0, 0x00, 0x00, 0x00, 0x10, 0x00])
        check(response == pattern(0, 4096) + [0x90, 0x00], "extended READ BINARY of 4096 bytes")
        data = [(i * 13) & 0xFF for i in range(4096)]
        response = card.transmit([0x80, 0xEE, 0x00, 0x00, 0x00, 0x10, 0x00] + data + [0x10, 0x00])
        check(response == data + [0x90, 0x00], "extended ECHO of 4096 bytes")


def wait_state(context, reader, current, predicate, timeout_ms):
    """SCardGetStatusChange until predicate(event_state); returns (state, seconds)."""
    start = time.monotonic()
    while True:
        left = timeout_ms - int((time.monotonic() - start) * 1000)
        if left <= 0:
            raise Failure(f"no expected state change within {timeout_ms} ms")
        rv, states = scard.SCardGetStatusChange(context, left, [(reader, current)])
        if rv == scard.SCARD_E_TIMEOUT:
            raise Failure(f"no expected state change within {timeout_ms} ms")
        ok(rv, "SCardGetStatusChange")
        event = states[0][1]
        if predicate(event):
            return event, time.monotonic() - start
        current = event & ~scard.SCARD_STATE_CHANGED


def control(command):
    path = os.environ.get("TESSERA_EMULATOR_CONTROL")
    if not path:
        raise Failure("TESSERA_EMULATOR_CONTROL is not set (run under tests/e2e/sandbox.py)")
    with open(path, "w") as fifo:
        fifo.write(command + "\n")


def events(context, reader):
    rv, states = scard.SCardGetStatusChange(context, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
    ok(rv, "SCardGetStatusChange (initial)")
    state = states[0][1] & ~scard.SCARD_STATE_CHANGED
    check(state & scard.SCARD_STATE_PRESENT, "a card is present at the start")
    control("remove")
    state, seconds = wait_state(context, reader, state,
                                lambda s: s & scard.SCARD_STATE_EMPTY, 5000)
    check(True, f"removal seen after {seconds * 1000:.1f} ms")
    control("insert")
    state, seconds = wait_state(context, reader, state & ~scard.SCARD_STATE_CHANGED,
                                lambda s: s & scard.SCARD_STATE_PRESENT, 5000)
    check(True, f"insertion seen after {seconds * 1000:.1f} ms")


def wait_readers(context, count, name, timeout):
    deadline = time.monotonic() + timeout
    while True:
        names = [n for n in readers(context) if name is None or name in n]
        if len(names) == count:
            check(True, f"{count} reader(s) listed: {names}")
            return
        if time.monotonic() > deadline:
            raise Failure(f"{len(names)} reader(s) listed after {timeout} s, not {count}: {names}")
        time.sleep(0.1)


def features(context, reader, pinpad):
    rv, handle, _ = scard.SCardConnect(context, reader, scard.SCARD_SHARE_DIRECT, 0)
    ok(rv, "SCardConnect (direct)")
    try:
        rv, tlv = scard.SCardControl(handle, scard.SCARD_CTL_CODE(3400), [])
        ok(rv, "SCardControl GET_FEATURE_REQUEST")
        codes = {tlv[i]: int.from_bytes(bytes(tlv[i + 2:i + 6]), "big")
                 for i in range(0, len(tlv) - 5, 6)}
        check(0x0A in codes and 0x12 in codes, f"IFD_PIN_PROPERTIES and GET_TLV_PROPERTIES offered: "
              f"{sorted(hex(t) for t in codes)}")
        check((0x06 in codes) == pinpad, f"VERIFY_PIN_DIRECT offered: {0x06 in codes}")
        rv, props = scard.SCardControl(handle, codes[0x12], [])
        ok(rv, "SCardControl GET_TLV_PROPERTIES")
        check(len(props) >= 4, f"TLV properties: {bytes(props).hex()}")
    finally:
        scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)
    if not pinpad:
        return
    card = Card(context, reader, "T1")
    check(card.transmit([0x00, 0xA4, 0x04, 0x00, len(AID)] + AID)[-2:] == [0x90, 0x00], "SELECT")
    # PIN_VERIFY_STRUCTURE: ASCII, 8-byte block, 4..8 digits, validation by key.
    apdu = [0x00, 0x20, 0x00, 0x01, 0x08] + [0xFF] * 8
    structure = [0x1E, 0x00, 0x82, 0x08, 0x00, 0x08, 0x04, 0x02, 0x01, 0x09, 0x04, 0x00,
                 0x00, 0x00, 0x00, len(apdu), 0x00, 0x00, 0x00] + apdu
    rv, response = scard.SCardControl(card.handle, codes[0x06], structure)
    ok(rv, "SCardControl VERIFY_PIN_DIRECT")
    check(response == [0x90, 0x00], f"VERIFY_PIN_DIRECT with the PIN pad's PIN -> {bytes(response).hex()}")
    card.disconnect()


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list")
    listing.add_argument("count", type=int)
    listing.add_argument("name", nargs="?")
    exchange = sub.add_parser("apdu")
    exchange.add_argument("protocol", choices=["T0", "T1"])
    exchange.add_argument("--extended", action="store_true")
    exchange.add_argument("--reader")
    event = sub.add_parser("events")
    event.add_argument("--reader")
    waiting = sub.add_parser("wait-readers")
    waiting.add_argument("count", type=int)
    waiting.add_argument("name", nargs="?")
    waiting.add_argument("--timeout", type=float, default=10)
    emulator = sub.add_parser("emulator")
    emulator.add_argument("words", nargs="+")
    feature = sub.add_parser("features")
    feature.add_argument("--reader")
    feature.add_argument("--pinpad", action="store_true")
    args = parser.parse_args()

    if args.command == "emulator":
        try:
            control(" ".join(args.words))
        except Failure as failure:
            print(f"FAILED: {failure}", file=sys.stderr)
            return 1
        return 0

    context = establish()
    try:
        if args.command == "list":
            names = [n for n in readers(context) if args.name is None or args.name in n]
            check(len(names) == args.count, f"{args.count} reader(s) listed: {names}")
        elif args.command == "apdu":
            card = Card(context, pick_reader(context, args.reader), args.protocol)
            apdu_checks(card, args.extended)
            card.disconnect()
        elif args.command == "events":
            events(context, pick_reader(context, args.reader))
        elif args.command == "wait-readers":
            wait_readers(context, args.count, args.name, args.timeout)
        elif args.command == "features":
            features(context, pick_reader(context, args.reader), args.pinpad)
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        scard.SCardReleaseContext(context)
    return 0


if __name__ == "__main__":
    sys.exit(main())
