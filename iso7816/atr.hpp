// Answer-to-Reset (ISO/IEC 7816-3:2006 section 8): the parsed bytes and the parameters
// an interface device uses with the card.
//
// One rule for every user (the driver at power-up, the `tessera atr` tool): an ATR whose
// structure is complete is valid, and its derived parameters are usable as they stand.
// A value the card sent that is reserved, invalid or contradictory does not make the ATR
// invalid: it is listed in Atr::warnings and the derived parameter holds the ISO default
// instead (atr_error.hpp names each case and its default). Only structural errors are
// errors (AtrError). The bytes themselves are always kept as the card sent them.
//
// The parser reads untrusted bytes: it never reads outside the given span, never loops
// more than the 33 bytes an ATR may have, and accepts any input size. It neither chooses
// the parameters to negotiate (see rate_choice / PPS) nor knows about readers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "iso7816/atr_error.hpp"
#include "base/bytes.hpp"
#include "iso7816/convention.hpp"
#include "base/result.hpp"

namespace tessera::iso7816 {

/// TS plus at most 32 characters (ISO 7816-3 8.1).
inline constexpr std::size_t kMaxAtrSize = 33;
/// K in T0 is 4 bits (ISO 7816-3 8.2.2).
inline constexpr std::size_t kMaxHistoricalBytes = 15;

/// Defaults of the parameters when their interface byte is absent.
inline constexpr std::uint8_t kDefaultN = 0;      // TC1 (8.3)
inline constexpr std::uint8_t kDefaultWi = 10;    // TC2 (10.2)
inline constexpr std::uint8_t kDefaultIfsc = 32;  // first TA for T=1 (11.4.2)
inline constexpr std::uint8_t kDefaultBwi = 4;    // first TB for T=1 (11.4.3)
inline constexpr std::uint8_t kDefaultCwi = 13;   // first TB for T=1 (11.4.3)
inline constexpr std::uint8_t kProtocolT15 = 15;  // TDi: global interface bytes follow

/// The interface bytes of one level i: TAi, TBi, TCi, TDi (ISO 7816-3 8.2.3).
struct InterfaceLevel {
    std::optional<std::uint8_t> ta{}, tb{}, tc{}, td{};
    bool operator==(const InterfaceLevel&) const = default;
};

/// TA2, the specific mode byte (ISO 7816-3 8.3). Its presence means specific mode.
struct SpecificMode {
    std::uint8_t protocol = 0;         // b4-b1: T to use
    bool can_change = true;            // b8 = 0: the card can change to negotiable mode
    bool implicit_parameters = false;  // b5 = 1: Fi/Di defined implicitly, not by TA1
    bool operator==(const SpecificMode&) const = default;

    static constexpr SpecificMode from_ta2(std::uint8_t ta2) noexcept {
        return {static_cast<std::uint8_t>(ta2 & 0x0F), (ta2 & 0x80) == 0, (ta2 & 0x10) != 0};
    }
};

/// Clock stop indicator X, b8-b7 of the first TA for T=15 (ISO 7816-3 8.3).
enum class ClockStop : std::uint8_t {
    not_supported = 0,
    state_low = 1,
    state_high = 2,
    no_preference = 3,
};

/// First TA for T=15 (ISO 7816-3 8.3): class indicator Y and clock stop indicator X.
struct ClassIndicator {
    std::uint8_t classes = 0x01;  // Y, b6-b1: b1 class A (5 V), b2 class B (3 V), b3 C (1.8 V)
    ClockStop clock_stop = ClockStop::not_supported;
    bool class_a() const { return (classes & 0x01) != 0; }
    bool class_b() const { return (classes & 0x02) != 0; }
    bool class_c() const { return (classes & 0x04) != 0; }
    bool operator==(const ClassIndicator&) const = default;
};

/// Error detection code of T=1, b1 of the first TC for T=1 (ISO 7816-3 11.4.4).
enum class Edc : std::uint8_t { lrc, crc };

/// A decoded ATR. The first group holds the bytes exactly as received (logical values,
/// after convention decoding); the second the parameters to use with the card: the value
/// a byte announces, the ISO default where the byte is absent, and also the ISO default
/// where the byte's value can not be used (then `warnings` says so). parse_atr() fills
/// both consistently.
struct Atr {
    Convention convention = Convention::direct;
    std::uint8_t ts = kTsDirect;
    std::uint8_t t0 = 0;
    std::vector<InterfaceLevel> levels{};  // levels[0] holds TA1 TB1 TC1 TD1, and so on
    Bytes historical{};                    // T1 .. TK
    std::optional<std::uint8_t> tck{};

    /// Transmission protocols offered by the TDi, ascending, without duplicates, T=15
    /// excluded; {0} when no TDi offers one (TD1 absent, 8.2.3, or only T=15).
    std::vector<std::uint8_t> protocols{0};
    /// The first offered protocol (the first TDi's T other than 15), T=0 when none.
    std::uint8_t default_protocol = 0;
    std::optional<SpecificMode> specific_mode{};      // TA2, unless it names T=15 or
                                                      // follows a TD1 indicating T=15
    std::uint8_t fi_index = 1;                        // FI of usable_ta1() (Table 7), else 1
    std::uint8_t di_index = 1;                        // DI of usable_ta1() (Table 8), else 1
    std::uint16_t fi = 372;                           // Fi of fi_index
    std::uint8_t di = 1;                              // Di of di_index
    std::uint32_t fmax_khz = 5000;                    // fmax of TA1's FI when it is defined
                                                      // (also with a reserved DI), else 5 MHz
    std::uint8_t n = kDefaultN;                       // extra guard time, TC1 (8.3)
    std::uint8_t wi = kDefaultWi;                     // waiting time integer, TC2 (10.2)
    std::uint8_t ifsc = kDefaultIfsc;                 // T=1 (11.4.2)
    std::uint8_t bwi = kDefaultBwi;                   // T=1 (11.4.3)
    std::uint8_t cwi = kDefaultCwi;                   // T=1 (11.4.3)
    Edc edc = Edc::lrc;                               // T=1 (11.4.4)
    std::optional<ClassIndicator> class_indicator{};  // first TA for T=15, if it names a
                                                      // class A, B or C
    std::optional<std::uint8_t> spu{};                // first TB for T=15 (use of C6)

    /// Each value that could not be used as sent, in byte order; empty for an ATR that
    /// follows ISO 7816-3 throughout.
    std::vector<AtrWarning> warnings{};

    /// Interface bytes by their ISO names, i >= 1; nullopt when absent.
    std::optional<std::uint8_t> ta(std::size_t i) const;
    std::optional<std::uint8_t> tb(std::size_t i) const;
    std::optional<std::uint8_t> tc(std::size_t i) const;
    std::optional<std::uint8_t> td(std::size_t i) const;

    /// TA1 when the card sent one whose FI and DI are both defined (Tables 7 and 8);
    /// nullopt otherwise: then Fd/Dd are used and no PPS proposes other values.
    std::optional<std::uint8_t> usable_ta1() const;
    bool has(AtrWarning warning) const;
    bool offers(std::uint8_t protocol) const;
    /// Number of bytes TS .. TCK.
    std::size_t size() const;
};

/// Parses an ATR given as logical bytes (TS = 3B or 3F, every byte already decoded).
/// The span must hold exactly one ATR: extra bytes are an error (trailing_bytes).
/// Errors: AtrError, for a structurally broken ATR only; deviating values are warnings.
Result<Atr> parse_atr(ByteView atr);

/// Parses an ATR as a direct-convention receiver read it: a first byte 03 is TS of an
/// inverse-convention card, and every byte is then decoded (convention.hpp); 3B and 3F
/// are taken as logical bytes. Errors: AtrError.
Result<Atr> parse_atr_from_wire(ByteView raw);

/// How far the parser got: the last part read completely.
enum class AtrProgress : std::uint8_t {
    none,              // nothing (empty input)
    ts,                // TS read (possibly invalid: see error)
    t0,                // T0 read
    interface_bytes,   // every announced interface byte read: derived values are set
    historical_bytes,  // the K historical bytes read
    complete,          // TCK read, or TCK not required
};

/// Everything the parser learned, also from an invalid ATR (for tools and logs).
/// `atr` holds the bytes read so far; its derived values and warnings are meaningful only
/// from progress >= interface_bytes. `tck_ok` is set whenever a TCK byte was read.
struct AtrInspection {
    Atr atr;
    std::error_code error;  // empty when the ATR is valid
    AtrProgress progress = AtrProgress::none;
    std::optional<bool> tck_ok;
    bool valid() const { return !error; }
};

/// parse_atr / parse_atr_from_wire, keeping the partial result on error.
AtrInspection inspect_atr(ByteView atr);
AtrInspection inspect_atr_from_wire(ByteView raw);

/// True when ISO 7816-3 8.2.5 requires TCK: a TDi indicates a T other than 0. The parser
/// accepts its absence, with AtrWarning::tck_absent, when that T is only ever 15.
bool tck_required(std::span<const InterfaceLevel> levels);

/// The TCK value for the bytes T0 .. last historical byte: their XOR (ISO 7816-3 8.2.5).
std::uint8_t compute_tck(ByteView t0_to_historical);

/// The logical bytes TS .. TCK of `atr`, from its byte fields only (the derived values
/// are ignored). For a successfully parsed ATR this is exactly the parsed input.
Bytes serialize_atr(const Atr& atr);

}  // namespace tessera::iso7816
