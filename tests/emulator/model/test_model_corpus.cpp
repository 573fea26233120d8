// Every real reader in $TESSERA_READER_CORPUS (tests/data/readers) as an emulated reader:
// each CCID/ICCD interface of each dump becomes a CcidDevice whose configuration the
// transport parser reads back as the dumped class descriptor, whose class requests answer
// the dumped lists, and through which a card powers on. The dumps that cannot be modelled
// are pinned below with their reason: a new failure, or a listed dump that starts to work,
// fails the test.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "tests/emulator/model/config_from_dump.hpp"
#include "tests/emulator/model/model_test_support.hpp"
#include "transport/class_descriptor.hpp"
#include "tools/reader_dump.hpp"

using namespace tessera;
using namespace tessera::emulator;
using namespace tessera::emulator::testing;

namespace {

// ICCD devices that move APDUs over control transfers (no bulk endpoints; all are
// bInterfaceProtocol 2, ICCD version B): the model serves CCID over bulk pipes only.
const std::map<std::string, DumpModelError> kNotModelled = {
    {"Gemalto_PDT.txt", DumpModelError::control_transfer_iccd},
    {"GnD_StarSignCardToken350.txt", DumpModelError::control_transfer_iccd},
    {"GnD_StarSignCardToken550.txt", DumpModelError::control_transfer_iccd},
    {"JCOP41V221.txt", DumpModelError::control_transfer_iccd},
    {"KEBTechnology_KONA_USB_SmartCard.txt", DumpModelError::control_transfer_iccd},
    {"Oberthur-CosmoCard1.txt", DumpModelError::control_transfer_iccd},
    {"Philips_SmartMX.txt", DumpModelError::control_transfer_iccd},
};

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::uint32_t> dwords(const Bytes& data) {
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i + 4 <= data.size(); i += 4) {
        out.push_back(transport::read_le32(data, i));
    }
    return out;
}

void check_device(CcidDevice& device, const ReaderConfig& config) {
    // The configuration as a host reads it.
    transport::DescriptorOptions options;
    options.accept_proprietary_type = true;
    options.accept_vendor_interface_class = true;
    const auto found = transport::find_class_descriptor(device.identity().config_descriptor, options);
    REQUIRE_MESSAGE(found.has_value(), found.error().message());
    CHECK(found->descriptor == config.descriptor);
    CHECK(found->bInterfaceNumber == config.interface_number);
    CHECK(found->bNumEndpoints == (config.endpoints.interrupt_in ? 3 : 2));

    // GET_CLOCK_FREQUENCIES / GET_DATA_RATES answer the dumped lists, or stall.
    const std::pair<std::uint8_t, const std::vector<std::uint32_t>*> requests[] = {
        {transport::kRequestGetClockFrequencies, &config.clocks_khz},
        {transport::kRequestGetDataRates, &config.data_rates_bps},
    };
    for (const auto& [request, list] : requests) {
        const SetupPacket setup{0xA1, request, 0, config.interface_number, 1024};
        const UsbAnswer answer = device.control(setup, {});
        if (list->empty()) {
            CHECK(answer.status == Completion::stall);
        } else {
            REQUIRE(answer.status == Completion::done);
            CHECK(dwords(answer.data) == *list);
        }
    }

    // A card powers on through it.
    Host host(device);
    const auto response = host.power_on();
    REQUIRE(response.processed());
    CHECK(response.abData == device.card(0)->atr());
    CHECK(host.slot_status().bmICCStatus == transport::IccStatus::present_active);
    const auto parameters = host.get_parameters();
    CHECK(parameters.processed());
}

}  // namespace

TEST_CASE("every corpus reader can be emulated and powers a card on") {
    const char* corpus = std::getenv("TESSERA_READER_CORPUS");
    REQUIRE_MESSAGE(corpus != nullptr, "TESSERA_READER_CORPUS is not set");
    std::size_t files = 0;
    std::size_t interfaces_modelled = 0;
    std::map<std::string, DumpModelError> not_modelled;
    for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
        if (entry.path().extension() != ".txt" || entry.path().filename() == "README.md") {
            continue;
        }
        const std::string name = entry.path().filename().string();
        CAPTURE(name);
        ++files;
        const auto dumps = corpus::parse_reader_dumps(read_text(entry.path()));
        REQUIRE_MESSAGE(dumps.has_value(), dumps.error().message());
        REQUIRE_FALSE(dumps->empty());
        const corpus::ReaderDump& dump = dumps->front();
        std::size_t ccid_interfaces = 0;
        for (const auto& interface : dump.interfaces) {
            ccid_interfaces += interface.ccid ? 1 : 0;
        }
        for (std::size_t index = 0; index < ccid_interfaces; ++index) {
            CAPTURE(index);
            DumpModelOptions options;
            options.ccid_interface = index;
            const auto config = from_dump(dump, options);
            if (!config) {
                const auto error = static_cast<DumpModelError>(config.error().value());
                REQUIRE(config.error().category() == make_error_code(error).category());
                not_modelled.emplace(name, error);
                continue;
            }
            auto device = CcidDevice::create(*config);
            REQUIRE(device.has_value());
            check_device(**device, *config);
            ++interfaces_modelled;
        }
    }
    MESSAGE(files << " dumps, " << interfaces_modelled << " CCID interfaces emulated, "
                  << not_modelled.size() << " dumps not modelled");
    CHECK(files >= 500);
    CHECK(interfaces_modelled >= files - kNotModelled.size());
    CHECK(not_modelled == kNotModelled);
    for (const auto& [name, error] : not_modelled) {
        if (kNotModelled.count(name) == 0) {
            FAIL_CHECK(name << ": " << std::string(describe(error)));
        }
    }
}
