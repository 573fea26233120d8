#include "tests/sim/card_t0.hpp"

#include <algorithm>
#include <utility>

#include "tests/sim/wire/character.hpp"

namespace tessera::sim {

namespace {
constexpr std::uint8_t kNullByte = 0x60;  // ISO 7816-3 10.3.3

enum class Transfer { outgoing, incoming, none, unknown };

// The direction of each command's data as this card knows it (T=0 leaves it to the card).
Transfer transfer_of(std::uint8_t cla, std::uint8_t ins) {
    if (cla == 0x00 && (ins == 0xB0 || ins == 0x84 || ins == kInsGetResponse)) {
        return Transfer::outgoing;
    }
    if ((cla == 0x00 && (ins == 0xA4 || ins == 0xD6)) || (cla == 0x80 && ins == kInsEcho)) {
        return Transfer::incoming;
    }
    if (cla == 0x80 && ins == kInsSlow) {
        return Transfer::none;
    }
    return Transfer::unknown;
}

std::uint8_t length_byte(std::size_t length) {
    return static_cast<std::uint8_t>(length & 0xFF);
}
}  // namespace

const char* to_string(CardFault fault) {
    switch (fault) {
        case CardFault::none:
            return "none";
        case CardFault::mute:
            return "mute";
        case CardFault::truncate:
            return "truncate";
        case CardFault::extra_byte:
            return "extra_byte";
        case CardFault::endless_null:
            return "endless_null";
        case CardFault::invalid_procedure_byte:
            return "invalid_procedure_byte";
        case CardFault::wrong_ins_ack:
            return "wrong_ins_ack";
        case CardFault::extra_data:
            return "extra_data";
        case CardFault::extra_ack:
            return "extra_ack";
        case CardFault::no_sw2:
            return "no_sw2";
    }
    return "unknown";
}

CardT0::CardT0(CardApplication& application, CardT0Options options)
    : application_(application), options_(options) {}

void CardT0::receive(ByteView wire_bytes) {
    for (std::uint8_t byte : wire_bytes) {
        on_byte(options_.convention == iso7816::Convention::inverse ? wire::inverse_character(byte)
                                                                    : byte);
    }
}

std::optional<Bytes> CardT0::next_burst() {
    std::optional<Bytes> sent;
    while (!silenced_ && !sent) {
        if (nulls_forever_) {
            sent = Bytes{kNullByte};
        } else if (outbox_.empty()) {
            return std::nullopt;
        } else {
            Burst burst = std::move(outbox_.front());
            outbox_.pop_front();
            if (auto faulty = apply_fault(std::move(burst))) {
                sent = std::move(faulty->bytes);
            }
        }
    }
    if (!sent) {
        return std::nullopt;
    }
    ++bursts_sent_;
    return wire::line_bytes(*sent, options_.convention);
}

std::optional<CardT0::Burst> CardT0::apply_fault(Burst burst) {
    if (bursts_sent_ + 1 < options_.fault_at) {
        return burst;
    }
    const bool procedure = burst.kind == BurstKind::ack || burst.kind == BurstKind::sw1;
    switch (options_.fault) {
        case CardFault::none:
            break;
        case CardFault::mute:
            silenced_ = true;
            return std::nullopt;
        case CardFault::truncate:
            burst.bytes.pop_back();
            silenced_ = true;
            if (burst.bytes.empty()) {
                return std::nullopt;
            }
            break;
        case CardFault::extra_byte:
            if (!fault_fired_) {
                fault_fired_ = true;
                burst.bytes.push_back(options_.fault_byte);
            }
            break;
        case CardFault::endless_null:
            nulls_forever_ = true;
            burst.bytes = {kNullByte};
            break;
        case CardFault::invalid_procedure_byte:
            if (procedure) {
                burst.bytes = {options_.fault_byte};
            }
            break;
        case CardFault::wrong_ins_ack:
            if (burst.kind == BurstKind::ack) {
                burst.bytes[0] ^= 0x01;
            }
            break;
        case CardFault::extra_data:
            if (burst.kind == BurstKind::data) {
                burst.bytes.push_back(options_.fault_byte);
            }
            break;
        case CardFault::extra_ack:
            if (burst.kind == BurstKind::sw1 && burst.after_data) {
                burst.after_data = false;
                const std::uint8_t ins = burst.ins;
                outbox_.push_front(std::move(burst));
                return Burst{BurstKind::ack, {ins}, ins, false};
            }
            break;
        case CardFault::no_sw2:
            if (burst.kind == BurstKind::sw2) {
                silenced_ = true;
                return std::nullopt;
            }
            break;
    }
    return burst;
}

void CardT0::on_byte(std::uint8_t byte) {
    if (phase_ == Phase::header) {
        header_.push_back(byte);
        if (header_.size() == 5) {  // CLA INS P1 P2 P3, ISO 7816-3 10.3.2
            on_header();
        }
        return;
    }
    command_data_.push_back(byte);
    if (--awaited_ == 0) {
        if (command_data_.size() < lc_) {
            ack_next_incoming();
        } else {
            on_data_complete();
        }
    }
}

void CardT0::on_header() {
    const std::uint8_t cla = header_[0];
    const std::uint8_t p3 = header_[4];
    command_.assign(header_.begin(), header_.begin() + 4);
    header_.clear();
    moved_data_ = false;
    if (cla == 0x00 && ins() == kInsGetResponse) {
        answer_get_response(p3);
        return;
    }
    pending_.reset();
    switch (transfer_of(cla, ins())) {
        case Transfer::outgoing: {
            Bytes apdu = command_;
            apdu.push_back(p3);
            answer_outgoing(application_.process(apdu), p3 == 0 ? 256 : p3);
            return;
        }
        case Transfer::incoming:
            if (p3 != 0) {
                lc_ = p3;
                command_data_.clear();
                phase_ = Phase::data_in;
                ack_next_incoming();
                return;
            }
            answer_incoming(application_.process(command_));
            return;
        case Transfer::none:
            for (std::size_t i = application_.time_units_needed(command_); i > 0; --i) {
                push(BurstKind::null, {kNullByte});
            }
            answer_incoming(application_.process(command_));
            return;
        case Transfer::unknown: {
            const Bytes response = application_.process(command_);
            send_status(ByteView(response).last(2));
            return;
        }
    }
}

void CardT0::on_data_complete() {
    phase_ = Phase::header;
    moved_data_ = true;
    Bytes apdu = command_;
    apdu.push_back(length_byte(lc_));
    apdu.insert(apdu.end(), command_data_.begin(), command_data_.end());
    if (ins() == kInsEcho) {
        apdu.push_back(0x00);  // case 4: T=0 does not carry Le; ask for everything
    }
    answer_incoming(application_.process(apdu));
}

// ISO 7816-3 10.3.3: ACK = INS moves all remaining bytes, INS ^ FF the next one.
void CardT0::ack_next_incoming() {
    const std::size_t moved = command_data_.size();
    if (moved < options_.single_byte_acks) {
        awaited_ = 1;
        push_procedure(BurstKind::ack, static_cast<std::uint8_t>(ins() ^ 0xFF));
    } else {
        awaited_ = lc_ - moved;
        push_procedure(BurstKind::ack, ins());
    }
}

void CardT0::answer_outgoing(const Bytes& response, std::size_t le) {
    const ByteView sw = ByteView(response).last(2);
    const ByteView data = ByteView(response).first(response.size() - 2);
    if (data.empty()) {
        send_status(sw);
    } else if (data.size() != le) {
        // ISO 7816-3 12.2.3: wrong Le, the card tells the available length with 6C La.
        const Bytes wrong_length{0x6C, length_byte(data.size())};
        send_status(wrong_length);
    } else {
        send_outgoing_data(data);
        send_status(sw);
    }
}

// ISO 7816-3 12.2.5 / ISO 7816-4 7.6.1: GET RESPONSE serves the pending response.
void CardT0::answer_get_response(std::uint8_t p3) {
    const Bytes wrong_parameters{0x6A, 0x86};
    const Bytes not_allowed{0x69, 0x85};
    if (command_[2] != 0 || command_[3] != 0) {
        send_status(wrong_parameters);
        return;
    }
    if (!pending_) {
        send_status(not_allowed);
        return;
    }
    const std::size_t le = p3 == 0 ? 256 : p3;
    const std::size_t available = pending_->size() - 2;
    if (le > available) {
        const Bytes wrong_length{0x6C, length_byte(available)};
        send_status(wrong_length);
        return;
    }
    send_outgoing_data(ByteView(*pending_).first(le));
    if (le == available) {
        const Bytes sw(pending_->end() - 2, pending_->end());
        pending_.reset();
        send_status(sw);
        return;
    }
    pending_->erase(pending_->begin(), pending_->begin() + static_cast<std::ptrdiff_t>(le));
    const Bytes more{0x61, length_byte(available - le)};
    send_status(more);
}

void CardT0::answer_incoming(Bytes response) {
    if (response.size() > 2) {
        // ISO 7816-3 12.2.5: case 4 data waits for GET RESPONSE; 61 La announces it.
        const Bytes more{0x61, length_byte(response.size() - 2)};
        pending_ = std::move(response);
        send_status(more);
        return;
    }
    send_status(response);
}

void CardT0::send_outgoing_data(ByteView data) {
    moved_data_ = true;
    std::size_t moved = 0;
    while (moved < data.size()) {
        if (moved < options_.single_byte_acks) {
            push_procedure(BurstKind::ack, static_cast<std::uint8_t>(ins() ^ 0xFF));
            push(BurstKind::data, {data[moved]});
            ++moved;
        } else {
            push_procedure(BurstKind::ack, ins());
            push(BurstKind::data,
                 Bytes(data.begin() + static_cast<std::ptrdiff_t>(moved), data.end()));
            moved = data.size();
        }
    }
}

void CardT0::send_status(ByteView sw) {
    push_procedure(BurstKind::sw1, sw[0]);
    push(BurstKind::sw2, {sw[1]});
}

void CardT0::push_procedure(BurstKind kind, std::uint8_t byte) {
    for (std::size_t i = 0; i < options_.nulls_before_procedure; ++i) {
        push(BurstKind::null, {kNullByte});
    }
    push(kind, {byte});
}

void CardT0::push(BurstKind kind, Bytes bytes) {
    outbox_.push_back(Burst{kind, std::move(bytes), ins(), kind == BurstKind::sw1 && moved_data_});
}

}  // namespace tessera::sim
