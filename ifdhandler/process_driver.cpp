#include "ifdhandler/process_driver.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "config/builtin_database.hpp"
#include "config/bundle.hpp"
#include "config/driver_options.hpp"
#include "config/file_io.hpp"
#include "ifdhandler/ccid_channel.hpp"

extern char** environ;

namespace tessera::ifd {
namespace {

// pcscd's debuglog.h: void log_msg(const int priority, const char *fmt, ...).
using LogMsg = void (*)(int, const char*, ...);

constexpr std::size_t kMaxInfoPlistBytes = 4 * 1024 * 1024;

LogSink make_sink() {
    if (auto* pcscd_log = reinterpret_cast<LogMsg>(dlsym(RTLD_DEFAULT, "log_msg"))) {
        return [pcscd_log](LogPriority priority, std::string_view text) {
            const std::string line = "tessera: " + std::string(text);
            pcscd_log(static_cast<int>(priority), "%s", line.c_str());
        };
    }
    return [](LogPriority, std::string_view text) {
        std::fprintf(stderr, "tessera: %.*s\n", static_cast<int>(text.size()), text.data());
    };
}

// The Info.plist of the bundle this library sits in (found with dladdr), read as text.
std::optional<std::string> own_info_plist(std::string& where) {
    Dl_info info{};
    if (dladdr(reinterpret_cast<const void*>(&process_driver), &info) == 0 || info.dli_fname == nullptr) {
        where = "dladdr failed";
        return std::nullopt;
    }
    const auto bundle = config::bundle_of_library(info.dli_fname);
    if (!bundle) {
        where = std::string(info.dli_fname) + " is not inside a bundle";
        return std::nullopt;
    }
    const auto path = config::info_plist_path(*bundle);
    where = path.string();
    auto text = config::read_text_file(path, kMaxInfoPlistBytes);
    if (!text) return std::nullopt;
    return std::move(*text);
}

struct Loaded {
    config::DriverOptions options;
    std::vector<std::string> notes;  // logged once the log exists
};

Loaded load_options() {
    Loaded loaded;
    std::string where;
    const auto environment = config::tessera_environment(environ);
    const auto text = own_info_plist(where);
    config::OptionsDiagnostics diagnostics;
    auto options = config::load_driver_options(text ? *text : std::string("<plist><dict/></plist>"),
                                               environment, diagnostics);
    if (!text) loaded.notes.push_back("no Info.plist (" + where + "): default options");
    if (options) {
        loaded.options = *options;
    } else {
        loaded.notes.push_back("driver options (" + diagnostics.source + "): " +
                               diagnostics.message + "; running with defaults");
    }
    return loaded;
}

std::optional<transport::PowerSelect> power_select(config::PowerOnVoltage voltage) {
    switch (voltage) {
        case config::PowerOnVoltage::automatic: return std::nullopt;
        case config::PowerOnVoltage::v5_0: return transport::PowerSelect::volts_5_0;
        case config::PowerOnVoltage::v3_0: return transport::PowerSelect::volts_3_0;
        case config::PowerOnVoltage::v1_8: return transport::PowerSelect::volts_1_8;
    }
    return std::nullopt;
}

// The reader database's flags for the device being opened (CcidChannel applies them with
// apply_quirks), each logged once with what it makes the driver do.
config::QuirkSet lookup_quirks(const config::ReaderDatabase* database, const usb::UsbPortInfo& port,
                               const Log& log) {
    if (database == nullptr) return {};
    const auto quirks = database->quirks(port.vendor_id, port.product_id, port.bcd_device);
    for (const config::Quirk quirk : config::kAllQuirks) {
        if (quirks.has(quirk)) {
            log.write(LogCategory::info, port.name + ": quirk " + std::string(config::quirk_name(quirk)) +
                                             ": " + std::string(config::describe(quirk)));
        }
    }
    return quirks;
}

// Everything the opener needs, created on the first open and shared by every channel.
struct UsbWorld {
    std::mutex mutex;
    std::optional<usb::UsbContext> context;
    std::optional<config::ReaderDatabase> database;
    CcidChannelSettings settings;
};

Driver make_driver() {
    Loaded loaded = load_options();
    Log log(loaded.options.log_level.bits, make_sink());
    for (const auto& note : loaded.notes) log.write(LogCategory::critical, note);

    auto world = std::make_shared<UsbWorld>();
    world->settings.reader.power_on_voltage = power_select(loaded.options.power_on_voltage);
    world->settings.reader.exchange.max_total_wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(loaded.options.max_transfer_timeout);
    if (auto database = config::builtin_reader_database()) world->database = std::move(*database);

    ChannelOpener opener = [world, log](std::string_view name) -> Result<std::shared_ptr<Channel>> {
        std::lock_guard lock(world->mutex);
        if (!world->context) {
            usb::UsbContextOptions usb_options;
            usb_options.log = [log](std::string_view text) { log.write(LogCategory::critical, text); };
            auto context = usb::UsbContext::create(std::move(usb_options));
            if (!context) {
                log.write(LogCategory::critical, "libusb: " + context.error().message());
                return make_error(ChannelError::communication);
            }
            world->context.emplace(std::move(*context));
        }
        CcidChannelSettings settings = world->settings;
        const config::ReaderDatabase* database = world->database ? &*world->database : nullptr;
        settings.quirks = [database, log](const usb::UsbPortInfo& port) {
            return lookup_quirks(database, port, log);
        };
        auto channel = CcidChannel::open(*world->context, name, settings);
        if (!channel) return channel.error();
        return std::shared_ptr<Channel>(std::move(*channel));
    };
    DriverSettings settings;
    settings.escape_allowed = loaded.options.escape_commands_allowed;
    return Driver(std::move(opener), settings, std::move(log));
}

}  // namespace

Driver& process_driver() {
    static Driver driver = make_driver();
    return driver;
}

}  // namespace tessera::ifd
