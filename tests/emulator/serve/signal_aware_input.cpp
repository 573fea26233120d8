#include "signal_aware_input.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace tessera::emulator::serve {
namespace {

sigset_t ending_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    return signals;
}

}  // namespace

SignalAwareInput::SignalAwareInput(int fd) : fd_(fd) {
    const sigset_t signals = ending_signals();
    if (const int error = pthread_sigmask(SIG_BLOCK, &signals, nullptr); error != 0) {
        throw std::system_error(error, std::generic_category(), "pthread_sigmask");
    }
    signal_fd_ = signalfd(-1, &signals, SFD_CLOEXEC);
    if (signal_fd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "signalfd");
    }
}

SignalAwareInput::~SignalAwareInput() {
    if (signal_fd_ >= 0) {
        close(signal_fd_);
    }
}

SignalAwareInput::int_type SignalAwareInput::underflow() {
    if (gptr() < egptr()) {
        return traits_type::to_int_type(*gptr());
    }
    if (signal_received_ != 0) {
        return traits_type::eof();
    }
    for (;;) {
        pollfd fds[2] = {{fd_, POLLIN, 0}, {signal_fd_, POLLIN, 0}};
        // Waits for the next command without bound: input, its end, or a signal ends it.
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return traits_type::eof();
        }
        if ((fds[1].revents & POLLIN) != 0) {
            signalfd_siginfo info{};
            if (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
                signal_received_ = static_cast<int>(info.ssi_signo);
                return traits_type::eof();
            }
        }
        if (fds[0].revents == 0) {
            continue;
        }
        const ssize_t got = read(fd_, buffer_.data(), buffer_.size());
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (got <= 0) {
            return traits_type::eof();
        }
        setg(buffer_.data(), buffer_.data(), buffer_.data() + got);
        return traits_type::to_int_type(*gptr());
    }
}

}  // namespace tessera::emulator::serve
