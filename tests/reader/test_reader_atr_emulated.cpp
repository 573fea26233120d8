// Cards whose ATR holds reserved, invalid or contradictory values, in the emulated CCID
// reader (tests/emulator/model) at every exchange level: each simulated card sends the ATR
// a card from the field sends (sim::CardConfig::atr_bytes) and runs with the ISO defaults
// in place of the unusable values (Fd/Dd, WI 10, IFSC 32, BWI 4, T=0). The reader model
// powers it, reports the ATR as sent, sends no PPS for a TA1 it can not use, and
// exchanges APDUs; the emulated reader answers only at the card's own protocol and rate,
// and the card's T=1 side refuses blocks beyond its IFSC.
// Compiled only when the emulated reader builds (tests/reader/meson.build).
#include <doctest/doctest.h>

#include <string>

#include "fast_reader_options.hpp"
#include "tests/support/hex.hpp"
#include "tests/emulator/model/ccid_device.hpp"
#include "tests/emulator/model/reader_profiles.hpp"
#include "tests/emulator/port/model_port.hpp"
#include "transport/reader/ccid_reader.hpp"

using namespace tessera;
using namespace tessera::reader;
using namespace tessera::emulator;
using namespace std::chrono_literals;

namespace {

using tessera::test::hex;

struct Emulated {
    std::unique_ptr<ModelPort> port;
    std::unique_ptr<CcidReader> reader;

    explicit Emulated(ReaderConfig config) {
        auto created = CcidDevice::create(std::move(config));
        REQUIRE(created.has_value());
        auto served = ModelPort::create(std::move(*created));
        REQUIRE(served.has_value());
        port = std::move(*served);
        auto opened = CcidReader::open(*port, fast_options());
        REQUIRE_MESSAGE(opened.has_value(), opened.error().message());
        reader = std::move(*opened);
    }
    ~Emulated() { reader.reset(); }

    Slot& slot() { return *reader->slot(0); }
    std::size_t xfr_blocks() {
        return port->with_model([](UsbDeviceModel& model) {
            return static_cast<CcidDevice&>(model).counters().received(transport::MessageType::PC_to_RDR_XfrBlock);
        });
    }
};

// A card from the field: the ATR it sends, and how it runs (what the driver must use).
struct FieldCard {
    const char* name;
    const char* atr;  // logical bytes, as a card list shows them
    sim::AtrConfig runs;
    bool ta1_unusable;  // reserved TA1: Fd/Dd and no PPS
};

sim::AtrConfig t0_card() { return {}; }

sim::AtrConfig t1_card(std::uint8_t n, std::uint8_t bwi, std::uint8_t cwi) {
    sim::AtrConfig config;
    config.protocols = {1};
    config.n = n;
    config.ifsc = 32;
    config.bwi = bwi;
    config.cwi = cwi;
    return config;
}

sim::AtrConfig sky_card() {
    sim::AtrConfig config;
    config.convention = iso7816::Convention::inverse;
    config.n = 2;
    config.wi = 15;
    config.specific_mode = iso7816::SpecificMode{.protocol = 0, .can_change = false};
    return config;
}

sim::AtrConfig uicc_card() {
    sim::AtrConfig config;
    config.ta1 = 0x96;  // a usable TA1: PPS as usual
    return config;
}

std::vector<FieldCard> field_cards() {
    return {
        {"Conax: TA1 00", "3B 34 00 00 30 42 30 30", t0_card(), true},
        {"DNIe: TA1 7F", "3B 3B 7F 38 00 00 00 6A 44 4E 49 65 10 02 4C", t0_card(), true},
        {"Sky Italia: inverse, TA1 FF, specific mode T=0",
         "3F FD FF 25 02 50 80 0F 54 B0 04 69 FF 4A 50 D0 80 00 49 54 03", sky_card(), true},
        {"WI 00", "3B 80 40 00", t0_card(), false},
        {"eToken R2: TD1 T=15", "3B 81 1F 00 CC 52", t0_card(), false},
        {"SIM: T=0 and T=15 without TCK", "3B 9E 96 80 1F C7 80 31 E0 73 FE 21 1B 66 D0 01 77 97 0D 00",
         uicc_card(), false},
        {"T=1: IFSC 00, BWI A", "3B 80 81 31 00 A5 95", t1_card(0, 4, 5), false},
        {"IBM MFC: IFSC FF, N 255",
         "3B EF 00 FF 81 31 FF 65 49 42 4D 20 4D 46 43 39 32 32 39 32 38 39 30 17", t1_card(255, 6, 5),
         false},
    };
}

ReaderConfig reader_with(Profile profile, const FieldCard& card) {
    ReaderConfig config = make_profile(profile);
    InsertedCard inserted;
    inserted.card.atr = card.runs;
    inserted.card.atr_bytes = hex(card.atr);
    config.cards.assign(1, std::move(inserted));
    return config;
}

Bytes read_binary(std::size_t length) {
    return {0x00, 0xB0, 0x00, 0x00, static_cast<std::uint8_t>(length & 0xFF)};
}

void exchange_apdus(Slot& slot) {
    Bytes update{0x00, 0xD6, 0x00, 0x00, 200};
    for (int i = 0; i < 200; ++i) update.push_back(static_cast<std::uint8_t>(i));
    auto written = slot.transmit(update);
    REQUIRE_MESSAGE(written.has_value(), written.error().message(), " / ", slot.last_cause().message());
    CHECK(*written == Bytes{0x90, 0x00});
    auto response = slot.transmit(read_binary(256));
    REQUIRE_MESSAGE(response.has_value(), response.error().message(), " / ", slot.last_cause().message());
    REQUIRE(response->size() == 258);
    bool pattern = true;
    for (std::size_t i = 0; i < 256; ++i) pattern = pattern && (*response)[i] == static_cast<std::uint8_t>(i);
    CHECK(pattern);
    CHECK((*response)[256] == 0x90);
}

}  // namespace

TEST_CASE("emulated: cards with deviating ATRs power up at every level and exchange APDUs") {
    for (const FieldCard& card : field_cards()) {
        for (const Profile profile : {Profile::character, Profile::tpdu, Profile::tpdu_auto_pps,
                                      Profile::short_apdu, Profile::extended_apdu}) {
            CAPTURE(std::string(card.name));
            CAPTURE(std::string(to_string(profile)));
            Emulated e(reader_with(profile, card));
            auto atr = e.slot().power_on();
            REQUIRE_MESSAGE(atr.has_value(), atr.error().message(), " / ", e.slot().last_cause().message());
            CHECK(*atr == hex(card.atr));  // for pcscd: the ATR as the card sent it
            const auto link = e.slot().link();
            REQUIRE(link.has_value());
            CHECK(link->protocol == card.runs.protocols.front());
            if (card.ta1_unusable) {
                CHECK(link->fi_di == iso7816::kDefaultFiDi);
                CHECK_FALSE(link->pps_sent_by_host);
                CHECK(e.xfr_blocks() == 0);  // no PPS went out
            }
            if (link->protocol == 1 && (profile == Profile::character || profile == Profile::tpdu ||
                                        profile == Profile::tpdu_auto_pps)) {
                CHECK(link->ifsc == 32);  // the engine's I-blocks stay within the card's IFSC
            }
            exchange_apdus(e.slot());
            // A warm reset brings the same ATR back and the card stays usable.
            auto again = e.slot().reset();
            REQUIRE_MESSAGE(again.has_value(), again.error().message(), " / ", e.slot().last_cause().message());
            CHECK(*again == hex(card.atr));
            exchange_apdus(e.slot());
        }
    }
}

TEST_CASE("emulated: a conforming TA1 on the same reader does get its PPS (the count above means something)") {
    ReaderConfig config = make_profile(Profile::tpdu);  // dual_protocol_card(): TA1 13
    Emulated e(std::move(config));
    REQUIRE(e.slot().power_on().has_value());
    CHECK(e.slot().link()->pps_sent_by_host);
    CHECK(e.xfr_blocks() == 1);
}
