// Every reader of the corpus through the real libusb: each CCID interface that
// config_from_dump.hpp models is plugged into a UsbTestbed as an emulated reader, opened
// by its pcscd device name through UsbContext, and a CcidReader runs a card session
// (card_session.hpp) for each card variant the reader can take: T=0 and T=1 as its
// dwProtocols allow, each in direct and inverse convention (the reader model passes
// convention to the card at every exchange level). Every failure is listed with its
// reason; any failure fails the test.
//
// Cost. Readers are served in batches: one testbed and one UsbContext per batch, the
// batch's readers plugged before the context starts (no hotplug wait). Readers that share
// a behaviour key (corpus_readers.hpp: same class descriptor, lists and endpoints) run the
// whole matrix once; the others of the group run one variant (the first), which still
// checks their enumeration, open and a full session.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "card_session.hpp"
#include "corpus_readers.hpp"
#include "usb_reader_fixture.hpp"

namespace tessera::usbreader {

namespace {

constexpr std::size_t kBatchSize = 32;

struct Variant {
    std::uint8_t protocol;
    iso7816::Convention convention;
};

std::string describe(const Variant& variant) {
    return std::string("T=") + std::to_string(variant.protocol) +
           (variant.convention == iso7816::Convention::inverse ? " inverse" : " direct");
}

std::vector<Variant> variants_for(const transport::ClassDescriptor& descriptor) {
    const bool t0 = (descriptor.dwProtocols & 0x01) != 0;
    const bool t1 = (descriptor.dwProtocols & 0x02) != 0;
    std::vector<std::uint8_t> protocols;
    if (t1) protocols.push_back(1);
    if (t0 || !t1) protocols.push_back(0);  // neither named: T=0, as card_for() does
    std::vector<Variant> variants;
    for (const auto convention : {iso7816::Convention::direct, iso7816::Convention::inverse}) {
        for (const auto protocol : protocols) variants.push_back({protocol, convention});
    }
    return variants;
}

reader::ReaderOptions corpus_options() {
    reader::ReaderOptions options = fast_options();
    // What config/ sets for the few readers whose descriptor needs it.
    options.descriptor.accept_proprietary_type = true;
    options.descriptor.accept_vendor_interface_class = true;
    return options;
}

struct ReaderOutcome {
    std::size_t variants_run = 0;
    std::size_t variants_passed = 0;
    std::vector<std::string> failures;
};

// Inserts the variant's card and waits until the reader has seen it (its NotifySlotChange
// could otherwise arrive after power on and read as a removal).
std::string insert_card(emulator::UsbTestbed& testbed, emulator::DeviceId id,
                        reader::CcidReader& reader, const Variant& variant) {
    const auto before = reader.presence(0);
    if (!before) return "presence: " + before.error().message();
    const auto inserted = with_device(testbed, id, [&](emulator::CcidDevice& device) {
        return device.insert_card(0, session_card(variant.protocol, variant.convention));
    });
    if (inserted) return "insert card: " + inserted.message();
    if (!reader.notifies_slot_changes()) return {};
    const auto waited = reader.wait_for_slot_change(0, before->generation, 2000ms);
    if (!waited) return "wait for insertion: " + waited.error().message();
    if (*waited != reader::WaitOutcome::changed) return "no NotifySlotChange for the insertion";
    return {};
}

ReaderOutcome run_reader(usb::UsbContext& context, emulator::UsbTestbed& testbed,
                         emulator::DeviceId id, const CorpusReader& corpus_reader,
                         bool whole_matrix) {
    ReaderOutcome outcome;
    std::string failure;
    auto opened = try_open_reader(context, testbed, id, corpus_reader.config.interface_number,
                                  corpus_options(), failure);
    auto variants = variants_for(corpus_reader.config.descriptor);
    if (!whole_matrix) variants.resize(1);
    if (!opened) {
        outcome.variants_run = variants.size();
        outcome.failures.push_back(failure);
        return outcome;
    }
    const auto level = opened->reader->capabilities().exchange_level;
    for (const Variant& variant : variants) {
        ++outcome.variants_run;
        std::string result = insert_card(testbed, id, *opened->reader, variant);
        if (result.empty()) {
            const SessionPlan plan{variant.protocol, variant.convention,
                                   extended_apdus_expected(level, variant.protocol)};
            result = run_card_session(opened->slot(), plan);
        }
        if (result.empty()) {
            ++outcome.variants_passed;
        } else {
            outcome.failures.push_back(describe(variant) + " at " + to_string(level) + " level: " + result);
        }
    }
    return outcome;
}

}  // namespace

TEST_CASE("every corpus reader through libusb: power on, protocol, SELECT, ECHO, READ BINARY") {
    const char* directory = std::getenv("TESSERA_READER_CORPUS");
    REQUIRE_MESSAGE(directory != nullptr, "TESSERA_READER_CORPUS is not set");
    const Corpus corpus = load_corpus(directory);
    CHECK(corpus.files >= 500);
    CHECK(corpus.unreadable.empty());
    for (const auto& line : corpus.unreadable) FAIL_CHECK(line);
    // The ICCDs that move APDUs over control transfers are not emulated; nothing else may
    // be left out.
    for (const auto& [name, error] : corpus.not_modelled) {
        CHECK_MESSAGE(error == emulator::DumpModelError::control_transfer_iccd, name, ": ",
                      emulator::describe(error));
    }

    const auto started = Clock::now();
    std::set<std::string> seen_keys;
    std::size_t variants_run = 0, variants_passed = 0, readers_passed = 0, full_matrix = 0;
    std::vector<std::string> failed_readers;
    for (std::size_t first = 0; first < corpus.readers.size(); first += kBatchSize) {
        const std::size_t last = std::min(first + kBatchSize, corpus.readers.size());
        emulator::UsbTestbed testbed;
        std::vector<emulator::DeviceId> ids;
        for (std::size_t i = first; i < last; ++i) {
            ids.push_back(plug_reader(testbed, corpus.readers[i].config));
        }
        auto context = make_context();
        for (std::size_t i = first; i < last; ++i) {
            const CorpusReader& corpus_reader = corpus.readers[i];
            const bool whole_matrix = seen_keys.insert(behaviour_key(corpus_reader.config)).second;
            full_matrix += whole_matrix ? 1 : 0;
            const auto outcome = run_reader(context, testbed, ids[i - first], corpus_reader, whole_matrix);
            variants_run += outcome.variants_run;
            variants_passed += outcome.variants_passed;
            if (outcome.failures.empty()) {
                ++readers_passed;
                continue;
            }
            failed_readers.push_back(corpus_reader.name);
            for (const auto& failure : outcome.failures) {
                FAIL_CHECK(corpus_reader.name << ": " << failure);
                std::printf("FAILED %s: %s\n", corpus_reader.name.c_str(), failure.c_str());
            }
        }
    }
    std::printf("corpus: %zu dumps, %zu CCID interfaces emulated (%zu not modelled: control-"
                "transfer ICCD), %zu with the whole matrix; %zu/%zu readers and %zu/%zu "
                "variants passed in %.1f s\n",
                corpus.files, corpus.readers.size(), corpus.not_modelled.size(), full_matrix,
                readers_passed, corpus.readers.size(), variants_passed, variants_run,
                to_ms(Clock::now() - started) / 1000.0);
    CHECK(corpus.readers.size() >= corpus.files - corpus.not_modelled.size());
    CHECK(failed_readers.empty());
}

}  // namespace tessera::usbreader
