// SignalAwareInput: a std::streambuf reading a file descriptor (the emulator's stdin)
// that reports end of input as soon as SIGINT, SIGTERM or SIGHUP arrives, so that a
// signalled emulator leaves its command loop and cleans up (the testbed directory under
// /tmp is removed only by the testbed's destructor) instead of dying in place.
//
// How: the constructor blocks those signals in the calling thread and opens a signalfd
// for them; underflow() polls the input and the signalfd together. Threads started
// afterwards (umockdev's worker) inherit the blocked mask, so the signals can only
// arrive through the signalfd: construct it in main() before any thread exists.
// The mask stays blocked after destruction (the process is about to exit).
//
// Not thread-safe (one reader); does not own `fd`.
#pragma once

#include <array>
#include <streambuf>

namespace tessera::emulator::serve {

class SignalAwareInput final : public std::streambuf {
  public:
    /// Throws std::system_error when the signals cannot be blocked or the signalfd fails.
    explicit SignalAwareInput(int fd);
    ~SignalAwareInput() override;
    SignalAwareInput(const SignalAwareInput&) = delete;
    SignalAwareInput& operator=(const SignalAwareInput&) = delete;

    /// The signal that ended the input, 0 if none did.
    int signal_received() const noexcept { return signal_received_; }

  protected:
    int_type underflow() override;

  private:
    int fd_;
    int signal_fd_ = -1;
    int signal_received_ = 0;
    std::array<char, 4096> buffer_{};
};

}  // namespace tessera::emulator::serve
