// The IFD handler API v3 entry points pcscd looks up (pcsc-lite ifdhandler.h), plus
// IFDHCreateChannel of v2, which pcscd also requires. Each forwards to the process's
// Driver; no exception crosses into pcscd. The polling callbacks are handed out through
// IFDHGetCapabilities only for readers whose slot changes arrive by interrupt.
#include "ifdhandler/pcsc_api.hpp"

#include <cstring>
#include <exception>

#include "ifdhandler/process_driver.hpp"

#define TESSERA_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

using tessera::ifd::process_driver;

template <class Call>
RESPONSECODE guarded(const char* function, Call&& call) noexcept {
    try {
        return call();
    } catch (const std::exception& error) {
        try {
            process_driver().log().write(tessera::ifd::LogCategory::critical,
                                         std::string(function) + ": " + error.what());
        } catch (...) {
        }
    } catch (...) {
    }
    return IFD_COMMUNICATION_ERROR;
}

RESPONSECODE poll_callback(DWORD lun, int timeout_ms) {
    return guarded("polling callback", [&] { return process_driver().poll(lun, timeout_ms); });
}

RESPONSECODE stop_polling_callback(DWORD lun) {
    return guarded("stop polling", [&] { return process_driver().stop_polling(lun); });
}

using PollFunction = RESPONSECODE (*)(DWORD, int);
using StopFunction = RESPONSECODE (*)(DWORD);

template <class Function>
RESPONSECODE hand_out(Function function, PDWORD length, PUCHAR value) {
    if (length == nullptr || value == nullptr || *length < sizeof(Function)) {
        return IFD_ERROR_INSUFFICIENT_BUFFER;
    }
    std::memcpy(value, &function, sizeof(Function));
    *length = sizeof(Function);
    return IFD_SUCCESS;
}

}  // namespace

TESSERA_EXPORT RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName) {
    return guarded("IFDHCreateChannelByName", [&] {
        return process_driver().create_channel_by_name(Lun, DeviceName ? DeviceName : "");
    });
}

TESSERA_EXPORT RESPONSECODE IFDHCreateChannel(DWORD Lun, DWORD Channel) {
    return guarded("IFDHCreateChannel", [&] { return process_driver().create_channel(Lun, Channel); });
}

TESSERA_EXPORT RESPONSECODE IFDHCloseChannel(DWORD Lun) {
    return guarded("IFDHCloseChannel", [&] { return process_driver().close_channel(Lun); });
}

TESSERA_EXPORT RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value) {
    return guarded("IFDHGetCapabilities", [&]() -> RESPONSECODE {
        auto& driver = process_driver();
        if (Tag == TAG_IFD_POLLING_THREAD_WITH_TIMEOUT || Tag == TAG_IFD_STOP_POLLING_THREAD) {
            if (!driver.interrupt_events(Lun)) return IFD_ERROR_TAG;
            return Tag == TAG_IFD_POLLING_THREAD_WITH_TIMEOUT
                       ? hand_out<PollFunction>(poll_callback, Length, Value)
                       : hand_out<StopFunction>(stop_polling_callback, Length, Value);
        }
        return driver.get_capabilities(Lun, Tag, Length, Value);
    });
}

TESSERA_EXPORT RESPONSECODE IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length, PUCHAR Value) {
    return guarded("IFDHSetCapabilities",
                   [&] { return process_driver().set_capabilities(Lun, Tag, Length, Value); });
}

TESSERA_EXPORT RESPONSECODE IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol, UCHAR Flags,
                                                      UCHAR PTS1, UCHAR PTS2, UCHAR PTS3) {
    return guarded("IFDHSetProtocolParameters", [&] {
        return process_driver().set_protocol_parameters(Lun, Protocol, Flags, PTS1, PTS2, PTS3);
    });
}

TESSERA_EXPORT RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength) {
    return guarded("IFDHPowerICC", [&] { return process_driver().power_icc(Lun, Action, Atr, AtrLength); });
}

TESSERA_EXPORT RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer,
                                              DWORD TxLength, PUCHAR RxBuffer, PDWORD RxLength,
                                              PSCARD_IO_HEADER RecvPci) {
    return guarded("IFDHTransmitToICC", [&]() -> RESPONSECODE {
        if (TxBuffer == nullptr && TxLength != 0) return IFD_COMMUNICATION_ERROR;
        return process_driver().transmit_to_icc(Lun, SendPci, tessera::ByteView(TxBuffer, TxLength),
                                                RxBuffer, RxLength, RecvPci);
    });
}

TESSERA_EXPORT RESPONSECODE IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer, DWORD TxLength,
                                        PUCHAR RxBuffer, DWORD RxLength, LPDWORD pdwBytesReturned) {
    return guarded("IFDHControl", [&]() -> RESPONSECODE {
        if (TxBuffer == nullptr && TxLength != 0) return IFD_COMMUNICATION_ERROR;
        return process_driver().control(Lun, dwControlCode, tessera::ByteView(TxBuffer, TxLength),
                                        RxBuffer, RxLength, pdwBytesReturned);
    });
}

TESSERA_EXPORT RESPONSECODE IFDHICCPresence(DWORD Lun) {
    return guarded("IFDHICCPresence", [&] { return process_driver().icc_presence(Lun); });
}
