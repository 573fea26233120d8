// One card session as a PC/SC client runs it, for the corpus test: power on, protocol
// selection, SELECT by AID, a case-4 ECHO of 255 bytes (fetching the T=0 61xx answer with
// GET RESPONSE itself, as the driver hands 61xx back), READ BINARY of 256 bytes, an
// extended READ BINARY of 4096 bytes where the exchange level and protocol allow it (and
// its refusal where they do not), power off. The card is the simulated card of tests/sim
// (application.hpp: AID A0 00 00 05 27 54 45 53, EF pattern byte[i] = i & 0xFF).
//
// It reports the first thing that went wrong as text (with the bytes and the reader's
// lower-layer cause) instead of failing the test case, so that one run can cover every
// reader and list every failure.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "iso7816/convention.hpp"
#include "tests/emulator/model/reader_config.hpp"
#include "transport/class_descriptor.hpp"
#include "transport/reader/slot.hpp"

namespace tessera::usbreader {

struct SessionPlan {
    std::uint8_t protocol = 0;  // T=0 or T=1: the only protocol the card offers
    iso7816::Convention convention = iso7816::Convention::direct;
    bool extended_apdus = false;  // the 4096-byte read must work (else: not_supported)
    std::size_t echo_length = 255;  // Lc of the ECHO
    std::size_t read_length = 256;  // Le of the short READ BINARY
};

/// The session a reader with these capabilities can carry for a card of `protocol`.
/// Where CCID gives no way to split an exchange over several messages (a T=0 TPDU at
/// TPDU level, an APDU at short APDU level: CCID 6.1.4 wLevelParameter is RFU there), the
/// ECHO and READ BINARY are cut to what fits in dwMaxCCIDMessageLength - 10 (a reader may
/// announce as little as wMaxPacketSize below extended APDU level, CCID 5.1). T=1 (block
/// chaining), character level and extended APDU level carry any size: 255 / 256 there.
SessionPlan plan_for(const transport::ReaderCapabilities& caps, std::uint8_t protocol,
                     iso7816::Convention convention);

/// Whether extended APDUs go through at `level` with `protocol`: at extended APDU level,
/// and with T=1 at TPDU and character level (T=0 cannot carry them; a short APDU
/// level reader refuses them).
bool extended_apdus_expected(transport::ExchangeLevel level, std::uint8_t protocol);

/// The card of a session: offers `protocol` only, in `convention`, with TA1 = 13 (so
/// that rate selection and PPS / SetParameters run), answering at every voltage.
emulator::InsertedCard session_card(std::uint8_t protocol, iso7816::Convention convention);

/// Runs the session on a slot holding session_card(plan...). Returns an empty string on
/// success, otherwise "<step>: <what happened>". Bounded by the reader's options.
std::string run_card_session(reader::Slot& slot, const SessionPlan& plan);

// The command APDUs of the session, for other tests.
Bytes select_aid_apdu();
Bytes echo_apdu(std::size_t length);          // 80 EE 00 00 Lc <i & FF ...> 00
Bytes read_binary_apdu(std::size_t length);   // short Le up to 256, extended beyond
Bytes get_response_apdu(std::uint8_t length);  // 00 C0 00 00 Le

/// True when `response` is `length` pattern bytes (i & 0xFF) followed by 90 00.
bool is_pattern_9000(const Bytes& response, std::size_t length);

}  // namespace tessera::usbreader
