// Slot: one card slot of a CCID reader (CCID 5.1 bMaxSlotIndex + 1 slots) and the card in
// it: presence, power (with class selection), protocol and rate setup (PPS /
// SetParameters), and APDU exchange at the reader's exchange level.
//
// What it does, by operation:
//   card_present()   presence from the interrupt endpoint when the reader has one (no
//                    USB transfer), otherwise PC_to_RDR_GetSlotStatus (CCID 6.1.3).
//   power_on()       PC_to_RDR_IccPowerOn (6.1.1) trying the voltages of voltage_order()
//                    (ISO 7816-3 6.2.4: lowest class first; a class indicator in the ATR
//                    moves to a class it lists), with IccPowerOff between tries, on
//                    ICC_MUTE, bad ATR, hardware error or a refused voltage; then, unless
//                    told not to, select_protocol().
//   select_protocol() iso7816::choose_rates() with the reader's clocks and rates, carried
//                    out as protocol_setup.hpp says for dwFeatures: PPS by the host through
//                    XfrBlock or by the reader, SetParameters (6.1.7), falling back to the
//                    next candidate after a cold reset when the card refuses (ISO 7816-3
//                    9.3); a warm reset first when the card is in a specific mode this
//                    reader can not use (TA2 b8 = 0). Prepares the T=0 / T=1 engine.
//   transmit()       the APDU at the reader's exchange level: character (t0/t1 engines
//                    byte by byte), TPDU (T=0 TPDU mapping, T=1 blocks), short APDU,
//                    extended APDU (CCID 6.1.4 chaining). The driver never sends GET
//                    RESPONSE for T=0 61xx / 6Cxx: those go back to the caller.
//   power_off()      PC_to_RDR_IccPowerOff (6.1.2); no transfer when the card this slot
//                    powered was taken out since: the reader deactivated it on removal and
//                    a card inserted after is inactive (unless dwFeatures 0x04 activates
//                    cards on insertion, then the command is sent).
//   reset()          warm reset: IccPowerOn again while powered, new ATR, new setup.
// Every error is a ReaderError (reader_error.hpp); last_cause() keeps the lower-layer code.
//
// Threads: every function may be called from any thread. Those that talk to the reader
// take the reader's command lock, so one CCID command is in flight per reader (slots of a
// multi-slot reader take turns, whatever bMaxCCIDBusySlots allows); they block at most for
// the bounded exchange. atr(), link(), last_cause() only read a copy under a short lock.
// Ownership: created and owned by CcidReader; valid while the reader lives.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <system_error>

#include "base/bytes.hpp"
#include "iso7816/pps.hpp"
#include "iso7816/rate_choice.hpp"
#include "base/result.hpp"
#include "t0/engine.hpp"
#include "t1/engine.hpp"
#include "transport/ccid_command.hpp"
#include "transport/ccid_response.hpp"
#include "transport/reader/card_parameters.hpp"
#include "transport/reader/command_channel.hpp"
#include "transport/reader/protocol_setup.hpp"
#include "transport/reader/xfr_channel.hpp"

namespace tessera::reader {

struct ReaderContext;

/// PC/SC protocol mask bits (bit T).
inline constexpr std::uint16_t kProtocolT0 = 0x0001;
inline constexpr std::uint16_t kProtocolT1 = 0x0002;

struct PowerOnOptions {
    std::uint16_t protocols = kProtocolT0 | kProtocolT1;  // acceptable protocols (bit T)
    bool select_protocol = true;  // false: stop after the ATR (select_protocol() later)
};

/// The link in force after select_protocol().
struct ActiveLink {
    std::uint8_t protocol = 0;
    iso7816::FiDi fi_di = iso7816::kDefaultFiDi;
    std::uint32_t clock_khz = 0;
    std::uint32_t bps = 0;
    bool pps_sent_by_host = false;
    std::uint8_t ifsc = 0;  // T=1: the card's IFSC (from the ATR)
    std::uint8_t ifsd = 0;  // T=1: the IFSD the engine asks for / assumes
    std::size_t fallbacks = 0;  // candidates refused before this one
};

/// The answer of PC_to_RDR_GetSlotStatus (CCID 6.2.2).
struct SlotStatus {
    transport::IccStatus icc = transport::IccStatus::absent;
    std::optional<transport::ClockStatus> clock;
};

class Slot {
public:
    Slot(std::size_t index, ReaderContext& context);
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

    std::size_t index() const noexcept { return index_; }

    /// Errors: reader_gone, timeout, reader_failed.
    Result<bool> card_present();
    /// PC_to_RDR_GetSlotStatus, always a USB exchange.
    Result<SlotStatus> query_status();

    /// Powers the card and returns its ATR (logical bytes: TS 3B or 3F). Errors: no_card,
    /// card_mute, bad_atr, not_supported (no class the card lists), and those of
    /// select_protocol().
    Result<Bytes> power_on(PowerOnOptions options = {});
    /// Chooses protocol and rates (see the file comment). Needs a powered card; when
    /// exchanges already followed the ATR and the host sends the PPS, the card is reset
    /// first (ISO 7816-3 9.1). Errors: card_inactive, no_card, not_supported (no common
    /// protocol), protocol_error (every candidate refused), transport errors.
    Result<ActiveLink> select_protocol(std::uint16_t protocols);
    /// PC_to_RDR_IccPowerOff (6.1.2), or none after a removal (see the file comment).
    /// Forgets ATR and link.
    std::error_code power_off();
    /// Warm reset (ISO 7816-3 6.2.3) through IccPowerOn at the voltage in use, then the
    /// same protocol setup as power_on() with the last protocols asked for. A card not
    /// powered is powered. Returns the new ATR.
    Result<Bytes> reset();

    /// Sends a command APDU and writes the response APDU (data, SW1 SW2) into `response`;
    /// returns its size. Errors: no_card (also when the card was removed since power on),
    /// card_inactive, buffer_too_small, invalid_apdu, not_supported (e.g. an extended APDU
    /// at short APDU level or with T=0), card_mute, protocol_error, timeout, reader_gone.
    Result<std::size_t> transmit(ByteView apdu, std::span<std::uint8_t> response);
    /// The same with a response of up to 65536 + 2 bytes.
    Result<Bytes> transmit(ByteView apdu);

    /// PIN entry on the reader's keypad: PC_to_RDR_Secure (CCID 6.1.11) with the PIN
    /// verification (6.1.11.7) or modification (6.1.11.8) structure; writes the card's
    /// response APDU into `response`. The wait covers bTimeOut (or 30 s when 0) plus the
    /// APDU wait; the reader's time extensions extend it within the exchange's cap.
    /// Supported at short / extended APDU level and at TPDU level: with T=0 the reader
    /// answers with the response APDU; with T=1 bTeoPrologue is the slot's (NAD, PCB
    /// with the engine's N(S), LEN), the reader answers with the card's block and the
    /// slot's T=1 engine completes the exchange (the structure's own bTeoPrologue is
    /// ignored). At character level: not_supported. Errors: as transmit(), plus timeout
    /// (PIN_TIMEOUT), cancelled (PIN_CANCELLED), not_supported (bPINSupport lacks the
    /// operation).
    Result<std::size_t> verify_pin(const transport::PinVerification& pin,
                                   std::span<std::uint8_t> response);
    Result<std::size_t> modify_pin(const transport::PinModification& pin,
                                   std::span<std::uint8_t> response);

    std::optional<Bytes> atr() const;
    std::optional<ActiveLink> link() const;
    /// The lower-layer error behind the last failure (UsbError, CcidError, T0Error, ...).
    std::error_code last_cause() const;

private:
    class Xfr;  // this slot's XfrChannel
    friend class Xfr;

    // slot.cpp: commands (caller holds the command lock)
    Result<transport::Response> command(const CommandEncoder& encode,
                                        std::chrono::milliseconds timeout);
    std::error_code fail(std::error_code cause);
    bool card_removed_since_power_on() const;
    void forget_card();
    // slot_power.cpp
    // The *_locked functions and their helpers return lower-layer causes; the public
    // functions translate them once through fail().
    Result<Bytes> activate(transport::PowerSelect voltage);
    void adopt_atr(CardParameters card, transport::PowerSelect voltage);
    Result<Bytes> power_on_locked(PowerOnOptions options);
    Result<Bytes> reactivate(bool cold);
    std::error_code power_off_locked();
    // slot_protocol.cpp
    Result<ActiveLink> select_protocol_locked(std::uint16_t protocols);
    Result<ActiveLink> try_candidates(const iso7816::RatePlan& plan, const SetupPolicy& policy);
    std::optional<iso7816::LinkChoice> link_in_force(std::uint16_t protocols);
    ActiveLink prepare_engines(const iso7816::LinkChoice& link, const SetupPolicy& policy);
    // slot_transmit.cpp
    Result<Bytes> transmit_locked(ByteView apdu, std::size_t max_response);
    std::chrono::milliseconds t0_tpdu_timeout() const;
    std::chrono::milliseconds apdu_level_timeout() const;
    // slot_secure.cpp
    using TeoPrologue = std::array<std::uint8_t, 3>;
    using SecureEncoder =
        std::function<Result<Bytes>(transport::Address, const TeoPrologue& prologue)>;
    Result<std::size_t> secure(const SecureEncoder& encode, std::size_t apdu_length,
                               std::uint8_t bTimeOut, std::span<std::uint8_t> response);
    Result<std::size_t> finish_secure_t1(const Result<transport::Response>& answer,
                                         std::span<std::uint8_t> response);

    const std::size_t index_;
    ReaderContext& context_;

    // Guarded by the reader's command lock.
    bool powered_ = false;
    transport::PowerSelect voltage_ = transport::PowerSelect::automatic;
    std::uint64_t removals_at_power_on_ = 0;
    std::optional<CardParameters> parsed_atr_;
    std::uint16_t protocols_ = kProtocolT0 | kProtocolT1;
    std::size_t exchanges_since_atr_ = 0;
    std::optional<iso7816::LinkChoice> active_;  // set by select_protocol
    iso7816::LinkRate rate_{};
    std::optional<t0::Engine> t0_engine_;
    std::optional<t1::Engine> t1_engine_;
    t1::EdcType edc_ = t1::EdcType::lrc;

    // Copies for the readers of state; guarded by state_mutex_.
    mutable std::mutex state_mutex_;
    std::optional<Bytes> atr_;
    std::optional<ActiveLink> link_;
    std::error_code last_cause_;
};

}  // namespace tessera::reader
