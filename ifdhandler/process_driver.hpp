// The one Driver of a process that loaded the IFD handler library (pcscd), built on first
// use: driver options from the bundle's Info.plist (found next to the library with
// dladdr) and the environment, the log going to pcscd's log_msg when pcscd provides it
// (stderr otherwise), and channels opened over the CCID transport.
//
// This is the only process-wide object of the library: pcsc-lite's C API carries no
// context pointer, so the exports reach the Driver through it. It is created thread-safely
// (a function-local static) and destroyed when the library is unloaded.
#pragma once

#include "ifdhandler/driver.hpp"

namespace tessera::ifd {

Driver& process_driver();

}  // namespace tessera::ifd
