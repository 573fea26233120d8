// The emulated TPDU reader's own T=0 procedure-byte handling (tests/sim/t0_tpdu_reader)
// against hand-written exchanges from ISO/IEC 7816-3 10.3, then against the driver's
// t0::Engine on the same simulated cards: both must end every command alike.
#include <doctest/doctest.h>

#include <string_view>
#include <vector>

#include "tests/support/hex.hpp"
#include "iso7816/convention.hpp"
#include "t0/engine.hpp"
#include "tests/sim/t0_harness.hpp"
#include "tests/sim/t0_tpdu_reader.hpp"
#include "tests/sim/wire/character.hpp"

namespace tessera::sim {
namespace {

using test::hex;

// A scripted card: answers each header / data transfer with the next canned bursts.
std::optional<Bytes> run_with(CardT0Options options, ByteView tpdu) {
    CardApplication application;
    CardT0 card(application, options);
    return run_t0_tpdu(card, tpdu, options.convention);
}

}  // namespace

TEST_CASE("ISO 7816-3 8.1: inverse-convention characters as a direct receiver reads them") {
    CHECK(wire::inverse_character(0x3F) == 0x03);  // TS of an inverse card
    CHECK(wire::inverse_character(0x03) == 0x3F);
    CHECK(wire::inverse_character(0x00) == 0xFF);
    CHECK(wire::inverse_character(0x01) == 0x7F);
    CHECK(wire::line_bytes(hex("3F 01"), iso7816::Convention::direct) == hex("3F 01"));
    CHECK(wire::line_bytes(hex("3F 01"), iso7816::Convention::inverse) == hex("03 7F"));
    Bytes every;
    for (unsigned byte = 0; byte < 256; ++byte) {
        every.push_back(static_cast<std::uint8_t>(byte));
    }
    for (const auto convention : {iso7816::Convention::direct, iso7816::Convention::inverse}) {
        CHECK(wire::line_bytes(every, convention) == iso7816::convert_for_convention(every, convention));
    }
}

TEST_CASE("ISO 7816-3 10.3: outgoing and incoming TPDUs through the procedure bytes") {
    CardApplication application;
    CardT0 card(application);
    // SELECT by name (incoming, ACK = INS): the card takes Lc bytes, then 90 00.
    const Bytes select = hex("00 A4 04 00 08 A0 00 00 05 27 54 45 53");
    CHECK(run_t0_tpdu(card, select, iso7816::Convention::direct) == application.process(select));
    // READ BINARY 4 (outgoing): ACK, 4 data bytes, SW1 SW2.
    const auto read = run_t0_tpdu(card, hex("00 B0 00 00 04"), iso7816::Convention::direct);
    REQUIRE(read);
    CHECK(read->size() == 6);
    CHECK(Bytes(read->end() - 2, read->end()) == hex("90 00"));
    // A TPDU whose P3 does not match its data, or a short header, is not sent.
    CHECK_FALSE(run_t0_tpdu(card, hex("00 A4 04 00 02 3F"), iso7816::Convention::direct));
    CHECK_FALSE(run_t0_tpdu(card, hex("00 B0 00 00"), iso7816::Convention::direct));
}

TEST_CASE("ISO 7816-3 10.3.3: one byte at a time, NULL bytes, inverse convention") {
    CardT0Options options;
    options.single_byte_acks = kAllSingleByteAcks;  // ACK = INS ^ FF before every byte
    options.nulls_before_procedure = 2;             // '60' '60' before every procedure byte
    const Bytes select = hex("00 A4 04 00 08 A0 00 00 05 27 54 45 53");
    CHECK(run_with(options, select) == hex("90 00"));
    options.convention = iso7816::Convention::inverse;
    CHECK(run_with(options, select) == hex("90 00"));
}

TEST_CASE("ISO 7816-3 10.3.3: a broken procedure is no answer") {
    const Bytes read = hex("00 B0 00 00 04");
    for (const CardFault fault : {CardFault::mute, CardFault::invalid_procedure_byte, CardFault::no_sw2,
                                  CardFault::extra_ack, CardFault::wrong_ins_ack}) {
        CAPTURE(to_string(fault));
        CardT0Options options;
        options.fault = fault;
        CHECK_FALSE(run_with(options, read));
    }
}

TEST_CASE("cross-check: the emulated reader and the driver's T=0 engine end every command alike") {
    const std::vector<Bytes> tpdus{
        hex("00 A4 04 00 08 A0 00 00 05 27 54 45 53"),  // SELECT (incoming)
        hex("00 B0 00 00 04"),                          // READ BINARY (outgoing)
        hex("00 B0 00 00 00"),                          // READ BINARY 256
        hex("00 84 00 00 08"),                          // GET CHALLENGE
        hex("80 EE 00 00 03 01 02 03"),                 // ECHO (case 4: 61 xx)
        hex("00 B0 00 00 07"),                          // wrong Le: 6C xx
        hex("80 57 03 00 00"),                          // SLOW: NULL bytes, 90 00
        hex("00 C0 00 00 02"),                          // GET RESPONSE with none pending
        hex("00 D6 00 00 02 AA BB"),                    // UPDATE BINARY
    };
    const std::vector<CardFault> faults{CardFault::none,       CardFault::mute,
                                        CardFault::truncate,   CardFault::extra_byte,
                                        CardFault::endless_null, CardFault::invalid_procedure_byte,
                                        CardFault::wrong_ins_ack, CardFault::extra_data,
                                        CardFault::extra_ack,  CardFault::no_sw2};
    for (const Bytes& tpdu : tpdus) {
        for (const CardFault fault : faults) {
            for (const std::size_t single : {std::size_t{0}, std::size_t{1}, kAllSingleByteAcks}) {
                for (const std::size_t fault_at : {std::size_t{1}, std::size_t{2}, std::size_t{3}}) {
                    CardT0Options options;
                    options.single_byte_acks = single;
                    options.nulls_before_procedure = fault == CardFault::none ? 1 : 0;
                    options.fault = fault;
                    options.fault_at = fault_at;
                    CAPTURE(to_hex(tpdu, true));
                    CAPTURE(to_string(fault));
                    CAPTURE(single);
                    CAPTURE(fault_at);
                    CardApplication ours_application;
                    CardT0 ours_card(ours_application, options);
                    const auto ours = run_t0_tpdu(ours_card, tpdu, options.convention);

                    CardApplication theirs_application;
                    CardT0 theirs_card(theirs_application, options);
                    t0::Engine engine(t0::Config{});
                    HarnessOptions harness;
                    harness.delivery = Delivery::stream;
                    const T0Run theirs = run_t0(engine, theirs_card, tpdu, harness);
                    REQUIRE(ours.has_value() == theirs.completed());
                    if (ours) {
                        CHECK(*ours == theirs.response());
                    }
                }
            }
        }
    }
}

}  // namespace tessera::sim
