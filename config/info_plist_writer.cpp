#include "config/info_plist_writer.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "config/driver_options.hpp"
#include "config/info_plist_readers.hpp"
#include "config/reader_name.hpp"
#include "config/usb_id.hpp"

namespace tessera::config {

namespace {

bool lexer_safe(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), reader_name_character_allowed);
}

std::string hex4(std::uint16_t value) {
    char text[8];
    std::snprintf(text, sizeof text, "0x%04X", static_cast<unsigned>(value));
    return text;
}

class Writer {
  public:
    void line(std::string_view text) {
        out_ += text;
        out_ += '\n';
    }
    void key_string(std::string_view key, std::string_view value) {
        line("\t<key>" + std::string(key) + "</key>");
        line("\t<string>" + std::string(value) + "</string>");
    }
    void open_array(std::string_view key) {
        line("\t<key>" + std::string(key) + "</key>");
        line("\t<array>");
    }
    void item(std::string_view value) { line("\t\t<string>" + std::string(value) + "</string>"); }
    void close_array() { line("\t</array>"); }
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

}  // namespace

Result<std::string> info_plist_text(const ReaderDatabase& database,
                                    const InfoPlistSettings& settings) {
    if (!lexer_safe(settings.executable) || !lexer_safe(settings.version) ||
        !lexer_safe(settings.identifier)) {
        return std::make_error_code(std::errc::invalid_argument);
    }
    const DriverOptions defaults;
    Writer w;
    w.line(R"(<?xml version="1.0" encoding="UTF-8"?>)");
    w.line(R"(<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" )"
           R"("http://www.apple.com/DTDs/PropertyList-1.0.dtd">)");
    w.line(R"(<plist version="1.0">)");
    w.line("<!-- Generated from config/readers.conf by config/gen_info_plist.cpp: change those.");
    w.line("     The command tessera bundle add-reader appends a reader to the three lists below");
    w.line("     of an installed copy. -->");
    w.line("<dict>");
    w.key_string("CFBundleDevelopmentRegion", "English");
    w.key_string("CFBundleExecutable", settings.executable);
    w.key_string("CFBundleIdentifier", settings.identifier);
    w.key_string("CFBundleInfoDictionaryVersion", "6.0");
    // Not CCIDCLASSDRIVER: pcscd prefers a bundle with another name for a VID/PID that
    // several bundles list, and falls back to the class driver if this one fails.
    w.key_string("CFBundleName", "tessera");
    w.key_string("CFBundlePackageType", "BNDL");
    w.key_string("CFBundleShortVersionString", settings.version);
    w.key_string("CFBundleSignature", "????");
    w.key_string("CFBundleVersion", settings.version);
    w.key_string("ifdCapabilities", "0x00000000");
    w.line("\t<!-- ifdLogLevel, a sum of: 1 critical, 2 information, 4 communication with the");
    w.line("\t     reader (PIN blocks masked), 8 card presence polling. Environment variable");
    w.line("\t     TESSERA_LOG_LEVEL overrides it. -->");
    w.key_string(kLogLevelKey, hex4(settings.log_level));
    w.line("\t<!-- ifdDriverOptions: 0x0001 allows CCID escape commands through");
    w.line("\t     SCardControl (off by default). TESSERA_ESCAPE=1 or 0 overrides it. -->");
    w.key_string(kDriverOptionsKey, hex4(settings.driver_options));
    w.line("\t<!-- First power-on voltage: auto, 5V, 3V or 1.8V (TESSERA_POWER_ON_VOLTAGE). -->");
    w.key_string(kPowerOnVoltageKey, "auto");  // the default, PowerOnVoltage::automatic
    w.line("\t<!-- Longest wait for one reader answer, time extensions included, in seconds");
    w.line("\t     (TESSERA_MAX_TRANSFER_TIMEOUT). -->");
    w.key_string(kMaxTransferTimeoutKey, std::to_string(defaults.max_transfer_timeout.count()));
    w.open_array(kVendorIdKey);
    for (const ReaderEntry& entry : database.entries()) w.item("0x" + usb_id_text(entry.vendor_id));
    w.close_array();
    w.open_array(kProductIdKey);
    for (const ReaderEntry& entry : database.entries()) w.item("0x" + usb_id_text(entry.product_id));
    w.close_array();
    w.open_array(kFriendlyNameKey);
    for (const ReaderEntry& entry : database.entries()) w.item(entry.name);
    w.close_array();
    w.key_string("Copyright", "tessera, LGPL-2.1-or-later");
    w.line("</dict>");
    w.line("</plist>");
    return w.take();
}

}  // namespace tessera::config
