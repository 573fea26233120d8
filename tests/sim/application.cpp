#include "tests/sim/application.hpp"

#include <algorithm>
#include <optional>

namespace tessera::sim {

namespace {
Bytes status(std::uint16_t sw) {
    return {static_cast<std::uint8_t>(sw >> 8), static_cast<std::uint8_t>(sw & 0xFF)};
}

Bytes with_status(Bytes data, std::uint16_t sw) {
    data.push_back(static_cast<std::uint8_t>(sw >> 8));
    data.push_back(static_cast<std::uint8_t>(sw & 0xFF));
    return data;
}
}  // namespace

// ISO/IEC 7816-4:2013 5.1 (command-response pairs), Table 1 and 2.
std::optional<CommandApdu> parse_command_apdu(ByteView apdu) {
    if (apdu.size() < 4) {
        return std::nullopt;
    }
    CommandApdu c;
    c.cla = apdu[0];
    c.ins = apdu[1];
    c.p1 = apdu[2];
    c.p2 = apdu[3];
    const ByteView body = apdu.subspan(4);
    if (body.empty()) {  // case 1
        return c;
    }
    if (body.size() == 1) {  // case 2S
        c.has_le = true;
        c.ne = body[0] == 0 ? 256 : body[0];
        return c;
    }
    if (body[0] != 0) {  // short Lc: case 3S or 4S
        const std::size_t lc = body[0];
        if (body.size() == 1 + lc) {
            c.data.assign(body.begin() + 1, body.end());
            return c;
        }
        if (body.size() == 2 + lc) {
            c.data.assign(body.begin() + 1, body.begin() + 1 + static_cast<long>(lc));
            c.has_le = true;
            c.ne = body.back() == 0 ? 256 : body.back();
            return c;
        }
        return std::nullopt;
    }
    // body[0] == 0 and at least two bytes: extended length.
    c.extended = true;
    if (body.size() == 3) {  // case 2E
        const std::size_t le = static_cast<std::size_t>(body[1]) << 8 | body[2];
        c.has_le = true;
        c.ne = le == 0 ? 65536 : le;
        return c;
    }
    if (body.size() < 3) {
        return std::nullopt;
    }
    const std::size_t lc = static_cast<std::size_t>(body[1]) << 8 | body[2];
    if (lc == 0) {
        return std::nullopt;
    }
    if (body.size() == 3 + lc) {  // case 3E
        c.data.assign(body.begin() + 3, body.end());
        return c;
    }
    if (body.size() == 5 + lc) {  // case 4E
        c.data.assign(body.begin() + 3, body.begin() + 3 + static_cast<long>(lc));
        const std::size_t le = static_cast<std::size_t>(body[3 + lc]) << 8 | body[4 + lc];
        c.has_le = true;
        c.ne = le == 0 ? 65536 : le;
        return c;
    }
    return std::nullopt;
}

namespace {
Bytes pattern_file(std::size_t size) {
    Bytes file(size);
    for (std::size_t i = 0; i < size; ++i) {
        file[i] = static_cast<std::uint8_t>(i & 0xFF);
    }
    return file;
}
}  // namespace

CardApplication::CardApplication(Bytes aid)
    : aid_(std::move(aid)), ef_(pattern_file(kEfSize)), small_ef_(pattern_file(kSmallEfSize)) {}

std::size_t CardApplication::time_units_needed(ByteView command) const {
    if (command.size() >= 4 && command[0] == 0x80 && command[1] == kInsSlow) {
        return command[2];
    }
    return 0;
}

Bytes CardApplication::process(ByteView command) {
    const auto parsed = parse_command_apdu(command);
    if (!parsed) {
        return status(0x6700);
    }
    const CommandApdu& c = *parsed;
    if (c.cla == 0x00) {
        switch (c.ins) {
            case 0xA4: {  // SELECT
                if (c.p1 == 0x04) {
                    return status(c.data == aid_ ? 0x9000 : 0x6A82);
                }
                if (c.p1 == 0x00 && c.data.size() == 2) {
                    const unsigned fid = static_cast<unsigned>(c.data[0]) << 8 | c.data[1];
                    if (fid != kEfId && fid != kSmallEfId) {
                        return status(0x6A82);
                    }
                    selected_small_ = fid == kSmallEfId;
                    return status(0x9000);
                }
                return status(0x6A86);
            }
            case 0xB0: {  // READ BINARY
                const Bytes& ef = selected();
                if (!c.has_le || !c.data.empty()) {
                    return status(0x6700);
                }
                const std::size_t offset = static_cast<std::size_t>(c.p1 & 0x7F) << 8 | c.p2;
                if (offset >= ef.size()) {
                    return status(0x6B00);
                }
                const std::size_t available = ef.size() - offset;
                if (available < c.ne && !c.extended && available < 256) {
                    return status(static_cast<std::uint16_t>(0x6C00 | available));
                }
                const std::size_t n = std::min(available, c.ne);
                return with_status(Bytes(ef.begin() + static_cast<long>(offset),
                                         ef.begin() + static_cast<long>(offset + n)),
                                   0x9000);
            }
            case 0xD6: {  // UPDATE BINARY
                Bytes& ef = selected();
                if (c.data.empty() || c.has_le) {
                    return status(0x6700);
                }
                const std::size_t offset = static_cast<std::size_t>(c.p1 & 0x7F) << 8 | c.p2;
                if (offset >= ef.size() || c.data.size() > ef.size() - offset) {
                    return status(0x6B00);
                }
                std::copy(c.data.begin(), c.data.end(), ef.begin() + static_cast<long>(offset));
                return status(0x9000);
            }
            case 0x84: {  // GET CHALLENGE
                if (!c.has_le || !c.data.empty()) {
                    return status(0x6700);
                }
                Bytes challenge(c.ne);
                for (auto& byte : challenge) {
                    // xorshift32: deterministic, so traces are reproducible.
                    challenge_state_ ^= challenge_state_ << 13;
                    challenge_state_ ^= challenge_state_ >> 17;
                    challenge_state_ ^= challenge_state_ << 5;
                    byte = static_cast<std::uint8_t>(challenge_state_);
                }
                return with_status(std::move(challenge), 0x9000);
            }
            case kInsVerify:
                return pin_.verify(c);
            case kInsChangeReferenceData:
                return pin_.change(c);
            default:
                return status(0x6D00);
        }
    }
    if (c.cla == 0x80) {
        switch (c.ins) {
            case kInsEcho: {
                Bytes data = c.data;
                if (c.has_le && data.size() > c.ne) {
                    data.resize(c.ne);
                }
                return with_status(std::move(data), 0x9000);
            }
            case kInsSlow:
                return status(0x9000);
            default:
                return status(0x6D00);
        }
    }
    return status(0x6E00);
}

}  // namespace tessera::sim
