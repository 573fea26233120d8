#include "tests/emulator/model/secure_command.hpp"

#include "tests/emulator/model/slot_errors.hpp"

namespace tessera::emulator {

SecureVerdict answer_secure(ByteView message) {
    (void)message;
    return SecureVerdict{true, kErrorCommandNotSupported, {}};
}

}  // namespace tessera::emulator
