// pcsc-lite's IFD handler API header (ifdhandler.h), included with C linkage: the header
// has no extern "C" guard of its own, and the IFDH* functions this library defines must
// be the C symbols pcscd looks up. Include this, never <PCSC/ifdhandler.h> directly.
#pragma once

extern "C" {
#include <PCSC/ifdhandler.h>
}
