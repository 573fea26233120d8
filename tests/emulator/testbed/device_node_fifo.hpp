// The emulated /dev/bus/usb/BBB/DDD node, made a FIFO so that poll() tells the truth.
//
// The preload forwards ioctl() on the node to the testbed but not poll(): libusb polls
// the real file. umockdev's own node is a regular file, always writable, and libusb
// would reap in a loop at 100% CPU. This FIFO (one page) is kept full, so not writable,
// except while completed URBs wait to be reaped: exactly usbfs's POLLOUT rule. The
// client opens it read-write, so it never sees POLLHUP or blocks on open.
//
// Not thread-safe: the owner serialises every call (the testbed's device lock).
#pragma once

#include <string>

namespace tessera::emulator {

class DeviceNodeFifo {
public:
    /// Creates the FIFO at `path` (a path inside the testbed's root directory), opens our
    /// end and fills it. Throws std::runtime_error when the system refuses.
    explicit DeviceNodeFifo(std::string path);
    ~DeviceNodeFifo();
    DeviceNodeFifo(const DeviceNodeFifo&) = delete;
    DeviceNodeFifo& operator=(const DeviceNodeFifo&) = delete;

    /// true: drain it (the client's poll() reports POLLOUT); false: fill it again.
    void set_reapable(bool reapable);

    /// Removes the node from the file system (clients that have it open keep it).
    void unlink_node();

private:
    std::string path_;
    int fd_ = -1;
    bool reapable_ = true;  // so that the constructor's set_reapable(false) fills it
};

}  // namespace tessera::emulator
