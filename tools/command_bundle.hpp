// `tessera bundle`: looks at and edits the readers an installed driver bundle lists, so
// that an administrator can add a class-compliant reader without a rebuild.
//
//   tessera bundle list [--bundle DIR]
//       prints the readers the bundle's Contents/Info.plist lists for pcscd's hotplug,
//       one per line: "VVVV:PPPP name" (IDs as 4 upper-case hex digits).
//   tessera bundle add-reader [--bundle DIR] VID PID NAME
//       appends the reader to the three lists (config/bundle.hpp: the file is replaced
//       atomically and is unchanged on any error), then says to restart pcscd.
//
// DIR defaults to the installed bundle, <usbdropdir>/tessera.bundle
// (tools/install_paths.hpp). VID and PID are hex (1209 or 0x1209); NAME is one argument
// and may hold only the characters pcscd reads (config/reader_name.hpp).
// Exit: 0 done; 1 the bundle cannot be read, is not valid, cannot be written, or already
// lists the VID/PID (message on stderr, file untouched); 2 usage (bad option, ID or name:
// nothing was read or written).
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace tessera::tools {

int run_bundle_command(std::span<const std::string_view> args, std::ostream& out,
                       std::ostream& err);

}  // namespace tessera::tools
