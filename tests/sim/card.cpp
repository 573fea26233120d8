#include "tests/sim/card.hpp"

#include <utility>

#include "iso7816/convention.hpp"
#include "tests/sim/t0_tpdu_reader.hpp"
#include "tests/sim/wire/character.hpp"

namespace tessera::sim {

namespace {

// TA2, the specific mode byte (ISO 7816-3 8.3): b8 = 1 when the card can not change
// mode, b5 = 1 for implicit Fi/Di, b4..b1 the protocol.
std::uint8_t ta2_byte(const iso7816::SpecificMode& mode) {
    return static_cast<std::uint8_t>((mode.can_change ? 0x00 : 0x80) |
                                     (mode.implicit_parameters ? 0x10 : 0x00) |
                                     (mode.protocol & 0x0F));
}

// What the ATR announces, as the PPS side of the card needs it (ISO 7816-3 8.3, 9).
CardPpsConfig pps_config(const CardConfig& config) {
    CardPpsConfig pps;
    if (config.atr.ta1) {
        pps.ta1 = iso7816::FiDi::from_byte(*config.atr.ta1);
    }
    pps.offered_protocols = 0;
    for (const std::uint8_t protocol : config.atr.protocols) {
        pps.offered_protocols = static_cast<std::uint16_t>(pps.offered_protocols | 1u << protocol);
    }
    pps.first_offered_protocol = config.atr.protocols.front();
    if (config.atr.specific_mode) {
        pps.ta2 = ta2_byte(*config.atr.specific_mode);
    }
    pps.behaviour = config.pps;
    pps.fastest_supported = config.fastest_supported;
    pps.unsupported = config.unsupported;
    pps.echoes_pps2 = config.echoes_pps2;
    return pps;
}

CardT0Options t0_options(const CardConfig& config) {
    CardT0Options options = config.t0;
    options.convention = config.atr.convention;
    return options;
}

// The T=1 parameters of the ATR (ISO 7816-3 11.4): IFSC, EDC; the rest from the config.
CardT1Config t1_config(const CardConfig& config) {
    CardT1Config settings;
    settings.ifsc = config.atr.ifsc;
    settings.ifsd = config.t1_initial_ifsd;
    settings.edc = config.atr.edc == iso7816::Edc::crc ? t1::EdcType::crc : t1::EdcType::lrc;
    settings.supports_ifs_request = config.t1_supports_ifs_request;
    settings.wtx_multiplier = config.t1_wtx_multiplier;
    return settings;
}

}  // namespace

struct Card::Parts {
    Parts(CardConfig card_config, Bytes cold, Bytes warm)
        : config(std::move(card_config)),
          cold_atr(std::move(cold)),
          warm_atr(std::move(warm)),
          application(config.aid),
          pps(pps_config(config)),
          t1(application, t1_config(config)) {
        for (const T1FaultPlan& plan : config.t1_faults) {
            t1.add_fault(plan);
        }
    }

    // Volatile protocol state back to what follows an ATR.
    void restart() {
        application.on_reset();
        t0.emplace(application, t0_options(config));
        t1.reset();
        powered = true;
    }

    // The card is about to take part in an exchange other than PPS (9.1).
    bool begin_other_exchange() {
        if (powered) {
            pps.on_other_exchange();
        }
        return powered;
    }

    CardConfig config;
    const Bytes cold_atr;
    const Bytes warm_atr;
    const Bytes no_atr;
    const Bytes* current_atr = &no_atr;
    CardApplication application;
    CardPps pps;
    std::optional<CardT0> t0;
    CardT1 t1;
    bool powered = false;
    std::size_t exchanges = 0;
};

Result<std::unique_ptr<Card>> Card::create(CardConfig config) {
    if (config.atr_bytes) {
        Bytes sent = *config.atr_bytes;
        return std::make_unique<Card>(Key{}, std::move(config), sent, sent);
    }
    auto cold = build_atr(config.atr);
    if (!cold) {
        return cold.error();
    }
    Bytes warm = *cold;
    if (config.atr.specific_mode && config.atr.specific_mode->can_change) {
        AtrConfig negotiable = config.atr;
        negotiable.specific_mode.reset();
        auto built = build_atr(negotiable);
        if (!built) {
            return built.error();
        }
        warm = std::move(*built);
    }
    return std::make_unique<Card>(Key{}, std::move(config), std::move(*cold), std::move(warm));
}

Card::Card(Key, CardConfig config, Bytes cold_atr, Bytes warm_atr)
    : parts_(std::make_unique<Parts>(std::move(config), std::move(cold_atr),
                                     std::move(warm_atr))) {}

Card::~Card() = default;

const Bytes& Card::cold_reset() {
    parts_->pps.cold_reset();
    parts_->restart();
    parts_->current_atr = &parts_->cold_atr;
    return *parts_->current_atr;
}

// ISO 7816-3 6.3.1: a warm reset leaves specific mode when TA2 b8 = 0; CardPps decides.
const Bytes& Card::warm_reset() {
    if (!parts_->powered) {
        return parts_->no_atr;
    }
    parts_->pps.warm_reset();
    parts_->restart();
    const bool left_specific_mode =
        parts_->config.atr.specific_mode && !parts_->pps.specific_mode();
    parts_->current_atr = left_specific_mode ? &parts_->warm_atr : &parts_->cold_atr;
    return *parts_->current_atr;
}

void Card::deactivate() {
    parts_->application.on_reset();
    parts_->powered = false;
    parts_->t0.reset();
    parts_->current_atr = &parts_->no_atr;
}

bool Card::powered() const noexcept { return parts_->powered; }

const Bytes& Card::atr() const noexcept { return *parts_->current_atr; }

Bytes Card::atr_wire() const { return wire::line_bytes(atr(), convention()); }

iso7816::Convention Card::convention() const noexcept { return parts_->config.atr.convention; }

Bytes Card::answer_pps(ByteView request) {
    if (!parts_->powered) {
        return {};
    }
    Bytes answer = parts_->pps.answer_pps(request);
    if (!answer.empty()) {
        ++parts_->exchanges;
    }
    return answer;
}

CardLink Card::link() const noexcept { return parts_->pps.link(); }

iso7816::CardRates Card::atr_rates() const { return parts_->pps.atr_rates(); }

bool Card::pps_window_open() const noexcept {
    return parts_->powered && parts_->pps.pps_window_open();
}

void Card::t0_receive(ByteView bytes) {
    if (!parts_->begin_other_exchange()) {
        return;
    }
    parts_->t0->receive(wire::line_bytes(bytes, convention()));
}

std::optional<Bytes> Card::t0_next_burst() {
    if (!parts_->powered) {
        return std::nullopt;
    }
    auto burst = parts_->t0->next_burst();
    if (!burst) {
        return std::nullopt;
    }
    ++parts_->exchanges;
    return wire::line_bytes(*burst, convention());
}

// A TPDU reader runs the T=0 procedure itself (CCID 6.1.4 at TPDU level): the emulated
// reader's own procedure-byte handling (t0_tpdu_reader) plays it against the card side,
// reading the card's bytes as a UART does.
TpduAnswer Card::t0_tpdu(ByteView tpdu) {
    if (!parts_->begin_other_exchange()) {
        return std::nullopt;
    }
    auto answer = run_t0_tpdu(*parts_->t0, tpdu, convention());
    if (!answer) {
        return std::nullopt;
    }
    ++parts_->exchanges;
    return answer;
}

std::optional<Bytes> Card::t1_block(ByteView block) {
    if (!parts_->begin_other_exchange()) {
        return std::nullopt;
    }
    auto answer = parts_->t1.receive(block);
    if (answer) {
        ++parts_->exchanges;
    }
    return answer;
}

void Card::add_t1_fault(T1FaultPlan plan) { parts_->t1.add_fault(plan); }

std::optional<Bytes> Card::apdu(ByteView command) {
    if (!parts_->begin_other_exchange()) {
        return std::nullopt;
    }
    ++parts_->exchanges;
    return parts_->application.process(command);
}

CardApplication& Card::application() noexcept { return parts_->application; }

const CardConfig& Card::config() const noexcept { return parts_->config; }

std::size_t Card::exchanges() const noexcept { return parts_->exchanges; }

}  // namespace tessera::sim
