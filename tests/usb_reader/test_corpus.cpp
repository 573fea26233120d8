// Every reader of the corpus through the real libusb: each CCID interface that
// config_from_dump.hpp models is plugged into a UsbTestbed as an emulated reader, opened
// by its pcscd device name through UsbContext, and a CcidReader runs a card session
// (card_session.hpp) for each card variant the reader can take: T=0 and T=1 as its
// dwProtocols allow, each in direct and inverse convention (the reader model passes
// convention to the card at every exchange level). Every failure is listed with its
// reason; any failure fails the test.
//
// Sizes: ECHO and READ BINARY are cut to what the reader can carry where CCID has no way
// to split them (card_session.hpp plan_for). A reader whose dwProtocols names neither
// T=0 nor T=1 is only opened.
//
// Cost. Plugging a device into the umockdev testbed costs about 0.1 s, the largest part
// of the run, so: only the first reader of each behaviour key (corpus_readers.hpp: same
// class descriptor, clock and data-rate lists, interface class and endpoints) is plugged
// and runs the whole matrix; the others differ from it only in USB ids and strings, which
// no code under test looks at. Readers are served in batches: one testbed and one
// UsbContext per batch, the batch's readers plugged before the context starts (no hotplug
// wait). TESSERA_CORPUS_SHARD=K/N runs every N-th selected reader from the K-th, so that
// meson runs the corpus as parallel tests.
//
// Diagnosis: TESSERA_CORPUS_READER=<part of a name> runs only the readers whose name
// contains it, with the whole matrix, and logs every USB transfer to stderr.
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

constexpr std::size_t kBatchSize = 40;

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
    if (t0) protocols.push_back(0);
    std::vector<Variant> variants;  // none when neither is named: the reader is only opened
    for (const auto convention : {iso7816::Convention::direct, iso7816::Convention::inverse}) {
        for (const auto protocol : protocols) variants.push_back({protocol, convention});
    }
    return variants;
}

// The readers one run covers: the first reader of each behaviour key (the others are the
// same reader to the code under test: only USB ids and strings differ), then the shard's
// share of them ("K/N": every N-th from the K-th, 1-based), or the readers whose name
// contains `only` (all of them, for diagnosis).
struct Selection {
    std::vector<const CorpusReader*> readers;
    std::size_t covered = 0;  // left out: same behaviour key as a selected reader
    std::size_t shard = 0;
    std::size_t shards = 1;
};

Selection select_readers(const Corpus& corpus, const char* only, const char* shard) {
    Selection selection;
    if (only != nullptr) {
        for (const auto& reader : corpus.readers) {
            if (reader.name.find(only) != std::string::npos) selection.readers.push_back(&reader);
        }
        return selection;
    }
    unsigned k = 1, n = 1;
    if (shard != nullptr && std::sscanf(shard, "%u/%u", &k, &n) == 2 && n > 0 && k >= 1 && k <= n) {
        selection.shard = k - 1;
        selection.shards = n;
    }
    std::set<std::string> keys;
    std::size_t unique = 0;
    for (const auto& reader : corpus.readers) {
        if (!keys.insert(behaviour_key(reader.config)).second) {
            ++selection.covered;
            continue;
        }
        if (unique++ % selection.shards == selection.shard) selection.readers.push_back(&reader);
    }
    return selection;
}

reader::ReaderOptions corpus_options() {
    reader::ReaderOptions options = fast_options();
    // What config/ sets for the few readers whose descriptor needs it.
    options.descriptor.accept_proprietary_type = true;
    options.descriptor.accept_vendor_interface_class = true;
    return options;
}

struct ReaderOutcome {
    Clock::duration open_time{};  // UsbContext::open and CcidReader::open
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
                         emulator::DeviceId id, const CorpusReader& corpus_reader, bool trace) {
    ReaderOutcome outcome;
    std::string failure;
    usb::TraceSink sink;
    if (trace) {
        sink = [](std::string_view line) {
            std::fprintf(stderr, "  %.*s\n", static_cast<int>(line.size()), line.data());
        };
    }
    const auto open_started = Clock::now();
    auto opened = try_open_reader(context, testbed, id, corpus_reader.config.interface_number,
                                  corpus_options(), failure, sink);
    outcome.open_time = Clock::now() - open_started;
    const auto variants = variants_for(corpus_reader.config.descriptor);
    if (!opened) {
        outcome.variants_run = variants.size();
        outcome.failures.push_back(failure);
        return outcome;
    }
    const auto& caps = opened->reader->capabilities();
    const auto level = caps.exchange_level;
    for (const Variant& variant : variants) {
        ++outcome.variants_run;
        std::string result = insert_card(testbed, id, *opened->reader, variant);
        if (result.empty()) {
            result = run_card_session(opened->slot(), plan_for(caps, variant.protocol, variant.convention));
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
    CHECK(corpus.readers.size() >= corpus.files - corpus.not_modelled.size());
    CHECK(corpus.unreadable.empty());
    for (const auto& line : corpus.unreadable) FAIL_CHECK(line);
    // The ICCDs that move APDUs over control transfers are not emulated; nothing else may
    // be left out.
    for (const auto& entry : corpus.not_modelled) {
        CHECK_MESSAGE(entry.second == emulator::DumpModelError::control_transfer_iccd, entry.first,
                      ": ", emulator::describe(entry.second));
    }

    const Selection selection = select_readers(corpus, std::getenv("TESSERA_CORPUS_READER"),
                                               std::getenv("TESSERA_CORPUS_SHARD"));
    const bool trace = std::getenv("TESSERA_CORPUS_READER") != nullptr;
    std::printf("corpus shard %zu/%zu: %zu of %zu emulated readers (%zu more share a behaviour key "
                "with one of them and are covered by it)\n",
                selection.shard + 1, selection.shards, selection.readers.size(), corpus.readers.size(),
                selection.covered);

    const auto started = Clock::now();
    std::size_t variants_run = 0, variants_passed = 0, readers_passed = 0, open_only = 0;
    std::vector<std::string> failed_readers;
    Clock::duration setup_time{}, open_time{};
    for (std::size_t first = 0; first < selection.readers.size(); first += kBatchSize) {
        const std::size_t last = std::min(first + kBatchSize, selection.readers.size());
        const auto setup_started = Clock::now();
        emulator::UsbTestbed testbed;
        std::vector<emulator::DeviceId> ids;
        for (std::size_t i = first; i < last; ++i) {
            ids.push_back(plug_reader(testbed, selection.readers[i]->config));
        }
        auto context = make_context();
        setup_time += Clock::now() - setup_started;
        for (std::size_t i = first; i < last; ++i) {
            const CorpusReader& corpus_reader = *selection.readers[i];
            const auto outcome = run_reader(context, testbed, ids[i - first], corpus_reader, trace);
            open_time += outcome.open_time;
            variants_run += outcome.variants_run;
            variants_passed += outcome.variants_passed;
            open_only += outcome.variants_run == 0 ? 1 : 0;
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
    std::printf("corpus shard %zu/%zu: %zu/%zu readers passed (%zu opened only: dwProtocols names "
                "neither T=0 nor T=1), %zu/%zu variants passed, in %.1f s (%.1f s plugging readers "
                "and starting contexts, %.1f s opening readers)\n",
                selection.shard + 1, selection.shards, readers_passed, selection.readers.size(),
                open_only, variants_passed, variants_run, to_ms(Clock::now() - started) / 1000.0,
                to_ms(setup_time) / 1000.0, to_ms(open_time) / 1000.0);
    CHECK(failed_readers.empty());
}

}  // namespace tessera::usbreader
