#include "device_node_fifo.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace tessera::emulator {
namespace {

constexpr int kPipeSize = 4096;

[[noreturn]] void fail(const std::string& what, const std::string& path) {
    throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

DeviceNodeFifo::DeviceNodeFifo(std::string path) : path_(std::move(path)) {
    if (mkfifo(path_.c_str(), 0666) != 0) fail("mkfifo", path_);
    fd_ = open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) fail("open", path_);
    if (fcntl(fd_, F_SETPIPE_SZ, kPipeSize) < 0) {
        close(fd_);
        fail("F_SETPIPE_SZ", path_);
    }
    set_reapable(false);
}

DeviceNodeFifo::~DeviceNodeFifo() {
    if (fd_ >= 0) close(fd_);
}

void DeviceNodeFifo::set_reapable(bool reapable) {
    if (reapable == reapable_) return;
    std::array<char, kPipeSize> page{};
    if (reapable) {
        while (read(fd_, page.data(), page.size()) > 0) {
        }
    } else {
        while (write(fd_, page.data(), page.size()) > 0) {
        }
    }
    reapable_ = reapable;
}

void DeviceNodeFifo::unlink_node() { unlink(path_.c_str()); }

}  // namespace tessera::emulator
