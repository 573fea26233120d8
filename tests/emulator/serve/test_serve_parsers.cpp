// The emulator's two parsers: the command line (options -> EmulatorSetup) and the
// command protocol (one line -> ServeCommand), with their error messages. No umockdev.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "card_spec.hpp"
#include "command_line.hpp"
#include "number_text.hpp"
#include "serve_command.hpp"
#include "tests/sim/card.hpp"

namespace tessera::emulator::serve {
namespace {

Parsed<CommandLine> parse(std::vector<std::string_view> arguments) {
    return parse_command_line(arguments);
}

// The error of a command line that must fail.
std::string error_of(std::vector<std::string_view> arguments) {
    auto line = parse(std::move(arguments));
    REQUIRE_FALSE(line.has_value());
    return line.error();
}

EmulatorSetup setup_of(std::vector<std::string_view> arguments) {
    auto line = parse(std::move(arguments));
    REQUIRE_MESSAGE(line.has_value(), line.error());
    auto setup = make_setup(line.value());
    REQUIRE_MESSAGE(setup.has_value(), setup.error());
    return std::move(setup).value();
}

std::string setup_error_of(std::vector<std::string_view> arguments) {
    auto line = parse(std::move(arguments));
    REQUIRE_MESSAGE(line.has_value(), line.error());
    auto setup = make_setup(line.value());
    REQUIRE_FALSE(setup.has_value());
    return setup.error();
}

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

std::string corpus_file(const char* name) {
    const char* corpus = std::getenv("TESSERA_READER_CORPUS");
    REQUIRE_MESSAGE(corpus != nullptr, "TESSERA_READER_CORPUS is not set (meson test sets it)");
    return std::string(corpus) + "/" + name;
}

// A file under the test's temporary directory, removed at the end of the scope.
struct TemporaryFile {
    explicit TemporaryFile(const std::string& text)
        : path(std::filesystem::temp_directory_path() /
               ("tessera-serve-test-" + std::to_string(std::rand()) + ".txt")) {
        std::ofstream(path) << text;
    }
    ~TemporaryFile() { std::filesystem::remove(path); }
    std::filesystem::path path;
};

}  // namespace

TEST_CASE("numbers are strict: whole text, no sign, bounded") {
    CHECK(parse_decimal("17", 100) == 17u);
    CHECK(parse_decimal("0", 0) == 0u);
    CHECK_FALSE(parse_decimal("", 100));
    CHECK_FALSE(parse_decimal("-1", 100));
    CHECK_FALSE(parse_decimal("+1", 100));
    CHECK_FALSE(parse_decimal("1x", 100));
    CHECK_FALSE(parse_decimal("101", 100));
    CHECK_FALSE(parse_decimal("99999999999999999999999", UINT64_MAX));
    CHECK(parse_hex("0x1209", 0xFFFF) == 0x1209u);
    CHECK(parse_hex("1209", 0xFFFF) == 0x1209u);
    CHECK(parse_hex("0XfF", 0xFF) == 0xFFu);
    CHECK_FALSE(parse_hex("0x", 0xFFFF));
    CHECK_FALSE(parse_hex("0x10000", 0xFFFF));
    CHECK_FALSE(parse_hex("12g", 0xFFFF));
}

TEST_CASE("card specs: kinds, options and the cards they make") {
    transport::ClassDescriptor t0_and_t1;
    t0_and_t1.dwProtocols = 0x03;
    transport::ClassDescriptor t0_only;
    t0_only.dwProtocols = 0x01;

    const auto protocols = [&](std::string_view text, const transport::ClassDescriptor& d) {
        auto spec = parse_card_spec(text);
        REQUIRE_MESSAGE(spec.has_value(), spec.error());
        auto card = make_card(spec.value(), d);
        REQUIRE(card.has_value());
        return card->card.atr.protocols;
    };
    CHECK(protocols("t0", t0_and_t1) == std::vector<std::uint8_t>{0});
    CHECK(protocols("t1", t0_and_t1) == std::vector<std::uint8_t>{1});
    CHECK(protocols("t0-t1", t0_and_t1) == std::vector<std::uint8_t>{0, 1});
    CHECK(protocols("auto", t0_and_t1) == std::vector<std::uint8_t>{1});
    CHECK(protocols("auto", t0_only) == std::vector<std::uint8_t>{0});

    auto inverse = parse_card_spec("t1-inverse");
    REQUIRE(inverse.has_value());
    CHECK(inverse->inverse);
    CHECK(make_card(inverse.value(), t0_and_t1)->card.atr.convention ==
          iso7816::Convention::inverse);
    CHECK(make_card(parse_card_spec("t0-inverse").value(), t0_and_t1)->card.atr.convention ==
          iso7816::Convention::inverse);
    CHECK(make_card(parse_card_spec("t0").value(), t0_and_t1)->card.atr.convention ==
          iso7816::Convention::direct);

    auto none = parse_card_spec("none");
    REQUIRE(none.has_value());
    CHECK(none->empty_slot());
    CHECK_FALSE(make_card(none.value(), t0_and_t1).has_value());

    auto options = parse_card_spec("t1,ta1=96,ifsc=254");
    REQUIRE_MESSAGE(options.has_value(), options.error());
    const auto card = make_card(options.value(), t0_and_t1);
    CHECK(card->card.atr.ta1 == std::optional<std::uint8_t>(0x96));
    CHECK(card->card.atr.ifsc == 254);
    CHECK(make_card(parse_card_spec("t1").value(), t0_and_t1)->card.atr.ta1 ==
          std::optional<std::uint8_t>(0x13));
    CHECK_FALSE(make_card(parse_card_spec("t1,ta1=none").value(), t0_and_t1)->card.atr.ta1);
    CHECK(make_card(parse_card_spec("t1").value(), t0_and_t1)->card.aid ==
          Bytes{0xA0, 0x00, 0x00, 0x05, 0x27, 0x54, 0x45, 0x53});
}

TEST_CASE("card specs: atr= sends a field card's ATR, reserved values and all") {
    const transport::ClassDescriptor t0_and_t1{.dwProtocols = 0x03};
    auto conax = parse_card_spec("t0,ta1=none,atr=3B34000030423030");
    REQUIRE_MESSAGE(conax.has_value(), conax.error());
    const auto card = make_card(conax.value(), t0_and_t1);
    REQUIRE(card.has_value());
    CHECK(card->card.atr_bytes == Bytes{0x3B, 0x34, 0x00, 0x00, 0x30, 0x42, 0x30, 0x30});
    CHECK_FALSE(card->card.atr.ta1.has_value());  // how it runs: Fd/Dd
    auto sim_card = sim::Card::create(card->card);
    REQUIRE(sim_card.has_value());
    CHECK((*sim_card)->cold_reset() == *card->card.atr_bytes);
    // An inverse-convention card: TS 3F with a -inverse kind.
    CHECK(parse_card_spec("t0-inverse,ta1=none,atr=3FFDFF250250800F54B00469FF4A50D08000495403")
              .has_value());
    CHECK_FALSE(make_card(parse_card_spec("t1").value(), t0_and_t1)->card.atr_bytes.has_value());
}

TEST_CASE("card specs: bad ones say what is wrong") {
    const auto error = [](std::string_view text) {
        auto spec = parse_card_spec(text);
        REQUIRE_FALSE(spec.has_value());
        return spec.error();
    };
    CHECK(contains(error("t3"), "unknown card kind 't3'"));
    CHECK(contains(error("t3"), "t0-t1"));  // lists the kinds
    CHECK(contains(error(""), "unknown card kind ''"));
    CHECK(contains(error("T1"), "unknown card kind 'T1'"));
    CHECK(contains(error("t1,"), "ends with ','"));
    CHECK(contains(error("t1,,ifsc=3"), "needs a value"));
    CHECK(contains(error("t1,ifsc"), "needs a value"));
    CHECK(contains(error("t1,ifsc=0"), "1 to 254"));
    CHECK(contains(error("t1,ifsc=255"), "1 to 254"));
    CHECK(contains(error("t1,ifsc=x"), "1 to 254"));
    CHECK(contains(error("t1,ta1=1FF"), "not a byte in hex"));
    CHECK(contains(error("t1,ta1="), "needs a value"));
    CHECK(contains(error("t1,ta1=13,ta1=13"), "ta1 given twice"));
    CHECK(contains(error("t1,ifsc=3,ifsc=4"), "ifsc given twice"));
    CHECK(contains(error("t1,speed=9"), "unknown option 'speed'"));
    CHECK(contains(error("t0,atr=3B 00"), "not hex bytes"));
    CHECK(contains(error("t0,atr=3B0"), "not hex bytes"));
    CHECK(contains(error("t0,atr=3B8001"), "not a valid ATR: TCK missing"));
    CHECK(contains(error("t0,atr=3B00,atr=3B00"), "atr given twice"));
    CHECK(contains(error("t0,atr=3F00"), "does not match the kind 't0'"));
    CHECK(contains(error("t0-inverse,atr=3B00"), "does not match the kind 't0-inverse'"));
}

TEST_CASE("command line: defaults") {
    auto line = parse({});
    REQUIRE(line.has_value());
    CHECK(line->action == CliAction::serve);
    const EmulatorSetup setup = setup_of({});
    REQUIRE(setup.readers.size() == 1);
    const ReaderConfig& config = setup.readers[0].config;
    CHECK(config.vendor_id == 0x1209);
    CHECK(config.product_id == 0x0001);
    CHECK(config.manufacturer == "tessera");
    CHECK(contains(config.product, "tessera"));
    CHECK(transport::exchange_level(config.descriptor.dwFeatures) ==
          transport::ExchangeLevel::extended_apdu);
    REQUIRE(config.cards.size() == 1);
    REQUIRE(config.cards[0].has_value());
    CHECK(config.cards[0]->card.atr.protocols == std::vector<std::uint8_t>{1});
    CHECK(setup.readers[0].card_for_slot(0).kind == CardKind::automatic);
    CHECK(setup.readers[0].card_for_slot(5).kind == CardKind::automatic);
}

TEST_CASE("command line: profiles, readers, cards and identity") {
    const EmulatorSetup two = setup_of({"--profile", "two_slot", "--readers=3", "--card", "t0",
                                        "--card", "t1-inverse", "--serial", "SN"});
    REQUIRE(two.readers.size() == 3);
    for (std::size_t r = 0; r < 3; ++r) {
        const ReaderConfig& config = two.readers[r].config;
        CHECK(config.serial == "SN-" + std::to_string(r));
        REQUIRE(config.cards.size() == 2);
        CHECK(config.cards[0]->card.atr.protocols == std::vector<std::uint8_t>{0});
        CHECK(config.cards[1]->card.atr.convention == iso7816::Convention::inverse);
        CHECK(two.readers[r].card_for_slot(1).text == "t1-inverse");
    }

    const EmulatorSetup empty = setup_of({"--no-card-at-start", "--card", "t0-t1"});
    CHECK(empty.readers[0].config.cards.empty());
    CHECK(empty.readers[0].card_for_slot(0).kind == CardKind::t0_t1);

    const EmulatorSetup pin_pad = setup_of({"--profile", "tpdu", "--pinpad", "--card", "t1"});
    const ReaderConfig& keypad = pin_pad.readers[0].config;
    REQUIRE(keypad.pin_pad.has_value());
    CHECK(keypad.descriptor.bPINSupport == 0x03);
    CHECK(keypad.descriptor.wLcdLayout == 0x0210);
    CHECK((keypad.descriptor.dwFeatures & transport::kFeatureTpduLevel) != 0);
    CHECK_FALSE(setup_of({"--profile", "tpdu"}).readers[0].config.pin_pad.has_value());

    const EmulatorSetup none = setup_of({"--card", "none"});
    REQUIRE(none.readers[0].config.cards.size() == 1);
    CHECK_FALSE(none.readers[0].config.cards[0].has_value());
    CHECK(none.readers[0].card_for_slot(0).kind == CardKind::automatic);

    const EmulatorSetup ids =
        setup_of({"--vid", "0x04e6", "--pid=5116", "--product", "X tessera Y", "--serial=7"});
    CHECK(ids.readers[0].config.vendor_id == 0x04E6);
    CHECK(ids.readers[0].config.product_id == 0x5116);
    CHECK(ids.readers[0].config.product == "X tessera Y");
    CHECK(ids.readers[0].config.serial == "7");

    CHECK(parse({"--help"})->action == CliAction::help);
    CHECK(parse({"-h"})->action == CliAction::help);
    CHECK(parse({"--list-profiles"})->action == CliAction::list_profiles);
    for (const char* name :
         {"tpdu", "tpdu_auto_pps", "short_apdu", "extended_apdu", "character", "two_slot",
          "short_apdu_263", "short_apdu_264"}) {
        CHECK(contains(profile_list_text(), name));
        CHECK(parse({"--profile", name}).has_value());
    }
    CHECK(contains(profile_list_text(), "dwMaxCCIDMessageLength 264 (whole answers beyond it)"));
    CHECK(contains(usage_text(), "--card SPEC"));
    CHECK(contains(usage_text(), "insert [R [S [SPEC]]]"));
    CHECK(contains(usage_text(), "endless_time_extension"));
}

TEST_CASE("command line: bad options say what is wrong") {
    CHECK(contains(error_of({"--bogus"}), "unknown option '--bogus'"));
    CHECK(contains(error_of({"stray"}), "unknown option 'stray'"));
    CHECK(contains(error_of({"--profile"}), "--profile needs a value"));
    CHECK(contains(error_of({"--profile", "nope"}), "unknown profile 'nope'"));
    CHECK(contains(error_of({"--profile", "nope"}), "extended_apdu"));
    CHECK(contains(error_of({"--profile", "tpdu", "--profile", "tpdu"}), "given twice"));
    CHECK(contains(error_of({"--profile", "tpdu", "--dump", "x"}), "exclude each other"));
    CHECK(contains(error_of({"--interface", "1"}), "no --dump given"));
    CHECK(contains(error_of({"--readers", "0"}), "from 1 to 16"));
    CHECK(contains(error_of({"--readers", "17"}), "from 1 to 16"));
    CHECK(contains(error_of({"--readers", "two"}), "from 1 to 16"));
    CHECK(contains(error_of({"--vid", "0x10000"}), "16-bit hex"));
    CHECK(contains(error_of({"--pid", "zz"}), "--pid 'zz'"));
    CHECK(contains(error_of({"--card", "t3"}), "--card: card spec 't3'"));
    CHECK(contains(error_of({"--help=yes"}), "takes no value"));
    CHECK(contains(error_of({"--pinpad=yes"}), "takes no value"));
    CHECK(contains(error_of({"--product", ""}), "non-empty"));
    CHECK(contains(setup_error_of({"--card", "t1", "--card", "t1"}),
                   "2 --card specs given, but the reader has 1 slot"));
}

TEST_CASE("command line: reader dumps") {
    const EmulatorSetup twin = setup_of({"--dump", corpus_file("GemPCTwin.txt").c_str()});
    const ReaderConfig& config = twin.readers[0].config;
    CHECK(config.vendor_id == 0x08E6);
    CHECK(config.product_id == 0x3437);
    CHECK(config.product == "USB SmartCard Reader");
    REQUIRE(config.cards.size() == 1);
    CHECK(config.cards[0]->card.atr.protocols == std::vector<std::uint8_t>{1});
    CHECK(setup_of({"--dump", corpus_file("GemPCTwin.txt").c_str(), "--vid", "1209"})
              .readers[0]
              .config.vendor_id == 0x1209);

    CHECK(contains(setup_error_of({"--dump", "/nonexistent/reader.txt"}),
                   "cannot open dump '/nonexistent/reader.txt'"));
    CHECK(contains(
        setup_error_of({"--dump", corpus_file("GemPCTwin.txt").c_str(), "--interface", "3"}),
        "has 1 CCID interface(s): --interface 3 is out of range (0..0)"));
    const TemporaryFile garbage("this is not a reader dump\n");
    const std::string garbage_error = setup_error_of({"--dump", garbage.path.c_str()});
    CHECK(contains(garbage_error, "dump '" + garbage.path.string() + "'"));
}

TEST_CASE("commands: the protocol's words and defaults") {
    const EmulatorSetup setup = setup_of({"--profile", "two_slot", "--readers", "2"});
    const auto command = [&](std::string_view line) {
        auto parsed = parse_serve_command(line, setup);
        REQUIRE_MESSAGE(parsed.has_value(), parsed.error());
        return parsed.value();
    };
    CHECK(command("").verb == Verb::nothing);
    CHECK(command("   \t").verb == Verb::nothing);
    CHECK(command("# a comment").verb == Verb::nothing);

    const ServeCommand insert = command("insert");
    CHECK(insert.verb == Verb::insert);
    CHECK(insert.reader == 0);
    CHECK(insert.slot == 0);
    CHECK_FALSE(insert.card);
    const ServeCommand spaced = command("  insert\t1   1 \r");
    CHECK(spaced.reader == 1);
    CHECK(spaced.slot == 1);
    const ServeCommand with_card = command("insert 1 0 t0-inverse,ta1=11");
    REQUIRE(with_card.card);
    CHECK(with_card.card->kind == CardKind::t0);
    CHECK(with_card.card->inverse);
    CHECK(command("remove 1 1").verb == Verb::remove);
    CHECK(command("unplug 1").reader == 1);
    CHECK(command("plug").verb == Verb::plug);
    CHECK(command("hwerror 0 1").slot == 1);
    CHECK(command("stats 1").verb == Verb::stats);
    CHECK(command("quit").verb == Verb::quit);
    CHECK(std::string_view(command_word(Verb::fault_clear)) == "fault");
    CHECK(std::string_view(command_word(Verb::hwerror)) == "hwerror");

    const ServeCommand fault = command("fault 1 no_answer");
    CHECK(fault.verb == Verb::fault);
    CHECK(fault.reader == 1);
    CHECK(fault.fault.what == FaultKind::no_answer);
    CHECK(fault.fault.after == 0);
    CHECK(fault.fault.times == 1);
    const ServeCommand full =
        command("fault 0 wrong_bseq after=2 times=forever slot=1 message=0x6F");
    CHECK(full.fault.what == FaultKind::wrong_bseq);
    CHECK(full.fault.after == 2);
    CHECK(full.fault.times == kPersistent);
    CHECK(full.fault.slot == std::optional<std::uint8_t>(1));
    CHECK(full.fault.message_type == wire::MessageType::PC_to_RDR_XfrBlock);
    CHECK(command("fault 0 unplug times=3").fault.times == 3);
    CHECK(command("fault 0 bulk_out_stall").fault.what == FaultKind::bulk_out_stall);
    CHECK(command("fault 0 endless_time_extension").fault.what ==
          FaultKind::endless_time_extension);
    CHECK(command("fault 0 clear").verb == Verb::fault_clear);
    for (std::size_t kind = 0; kind < kFaultKindCount; ++kind) {
        const std::string name = fault_kind_name(static_cast<FaultKind>(kind));
        CHECK(command("fault 0 " + name).fault.what == static_cast<FaultKind>(kind));
        CHECK(contains(fault_kind_names(), name));
    }
}

TEST_CASE("commands: bad lines say what is wrong") {
    const EmulatorSetup setup = setup_of({"--profile", "two_slot", "--readers", "2"});
    const auto error = [&](std::string_view line) {
        auto parsed = parse_serve_command(line, setup);
        REQUIRE_FALSE(parsed.has_value());
        return parsed.error();
    };
    CHECK(contains(error("frobnicate"), "unknown command 'frobnicate'"));
    CHECK(contains(error("frobnicate"), "insert [R [S [SPEC]]]"));
    CHECK(contains(error("INSERT"), "unknown command 'INSERT'"));
    CHECK(contains(error("insert 2"), "insert: no reader 2 (2 readers: 0..1)"));
    CHECK(contains(error("insert x"), "insert: reader 'x' is not a number"));
    CHECK(contains(error("insert -1"), "is not a number"));
    CHECK(contains(error("insert 99999999999999999999"), "is not a number"));
    CHECK(contains(error("remove 0 2"), "reader 0 has no slot 2 (2 slots: 0..1)"));
    CHECK(contains(error("insert 0 0 t1 extra"), "too many arguments"));
    CHECK(contains(error("insert 0 0 t9"), "unknown card kind 't9'"));
    CHECK(contains(error("insert 0 0 none"), "use remove"));
    CHECK(contains(error("quit now"), "quit: too many arguments"));
    CHECK(contains(error("stats 0 0"), "stats: too many arguments"));
    CHECK(contains(error("unplug 5"), "no reader 5"));
    CHECK(contains(error("fault"), "fault needs a reader and a fault kind"));
    CHECK(contains(error("fault 0"), "no_answer"));  // lists the kinds
    CHECK(contains(error("fault 0 melt"), "unknown fault kind 'melt'"));
    CHECK(contains(error("fault 0 no_answer times=0"), "positive number or 'forever'"));
    CHECK(contains(error("fault 0 no_answer after=-1"), "after='-1' is not a number"));
    CHECK(contains(error("fault 0 no_answer slot=9"), "has no slot 9"));
    CHECK(contains(error("fault 0 no_answer message=0x100"), "bMessageType in hex"));
    CHECK(contains(error("fault 0 no_answer color=red"), "unknown option 'color'"));
    CHECK(contains(error("fault 0 no_answer after"), "needs a value"));
    CHECK(contains(error("fault 0 clear now"), "takes nothing more"));
    CHECK(contains(error("fault 9 clear"), "no reader 9"));
    // Control bytes are shown as '?', long words are cut.
    CHECK(contains(error("ins\x01rt"), "'ins?rt'"));
    CHECK(contains(error(std::string(100, 'x')), "...'"));
}

}  // namespace tessera::emulator::serve
