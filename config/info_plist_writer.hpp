// The bundle's Info.plist, written from the reader database (build time: gen_info_plist.cpp).
//
// pcscd's libudev hotplug binds a USB reader only to a bundle whose Info.plist lists the
// reader's VID/PID, so every reader of the database goes into the three arrays
// ifdVendorID, ifdProductID and ifdFriendlyName (info_plist_readers.hpp), in database
// order. pcscd reads the file with a line lexer, not an XML parser: each <string> is
// written on a line of its own and comments hold no markup. The option keys carry the
// driver's defaults (driver_options.hpp), so an administrator finds them to edit.
//
// Pure code, no state, no I/O.
#pragma once

#include <cstdint>
#include <string>

#include "config/reader_database.hpp"
#include "base/result.hpp"

namespace tessera::config {

/// What the build puts into the Info.plist besides the readers.
struct InfoPlistSettings {
    std::string executable;  // CFBundleExecutable: the library's file name
    std::string version;     // CFBundleShortVersionString and CFBundleVersion
    std::string identifier = "org.tessera.ifdhandler";  // CFBundleIdentifier
    std::uint16_t log_level = 0x0003;       // ifdLogLevel (LogCategory bits)
    std::uint16_t driver_options = 0x0000;  // ifdDriverOptions
};

/// The whole Info.plist text (LF line ends, a final LF). Errors:
/// std::errc::invalid_argument when executable, version or identifier is empty or has a
/// character pcscd's lexer would not keep (reader_name_character_allowed()).
Result<std::string> info_plist_text(const ReaderDatabase& database,
                                    const InfoPlistSettings& settings);

}  // namespace tessera::config
