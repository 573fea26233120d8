// udev_probe: what pcscd's libudev hotplug sees of the emulator's devices, from a process
// of its own (run under the umockdev preload with the emulator's UMOCKDEV_DIR).
//
//   udev_probe                          enumerate subsystem "usb", one line per device:
//     DEVICE <syspath> devtype=<DEVTYPE> devnode=<node|-> idVendor=<..> idProduct=<..>
//     INTERFACE <syspath> devtype=<DEVTYPE> INTERFACE=<..> bInterfaceClass=<..>
//              bInterfaceNumber=<..> parent=<usb_device syspath|->
//   udev_probe --monitor N TIMEOUT_MS   then print "MONITORING" and one line per uevent,
//     UEVENT <action> <devtype> <syspath>, until N arrived or TIMEOUT_MS (at most 60000)
//     passed without one; exits 1 if fewer than N arrived.
// Exit 0 on success, 1 on failure, 2 on bad arguments.
#include <libudev.h>
#include <poll.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "number_text.hpp"

namespace {

struct UdevUnref {
    void operator()(udev* u) const noexcept { udev_unref(u); }
    void operator()(udev_enumerate* e) const noexcept { udev_enumerate_unref(e); }
    void operator()(udev_device* d) const noexcept { udev_device_unref(d); }
    void operator()(udev_monitor* m) const noexcept { udev_monitor_unref(m); }
};
template <class T>
using UdevPtr = std::unique_ptr<T, UdevUnref>;

const char* or_dash(const char* text) {
    return text != nullptr ? text : "-";
}

void print_device(udev_device* device) {
    const std::string_view devtype = or_dash(udev_device_get_devtype(device));
    if (devtype == "usb_interface") {
        // Not owned: a parent belongs to its child.
        udev_device* parent =
            udev_device_get_parent_with_subsystem_devtype(device, "usb", "usb_device");
        std::printf(
            "INTERFACE %s devtype=%s INTERFACE=%s bInterfaceClass=%s "
            "bInterfaceNumber=%s parent=%s\n",
            udev_device_get_syspath(device), devtype.data(),
            or_dash(udev_device_get_property_value(device, "INTERFACE")),
            or_dash(udev_device_get_sysattr_value(device, "bInterfaceClass")),
            or_dash(udev_device_get_sysattr_value(device, "bInterfaceNumber")),
            parent != nullptr ? udev_device_get_syspath(parent) : "-");
    } else {
        std::printf("DEVICE %s devtype=%s devnode=%s idVendor=%s idProduct=%s\n",
                    udev_device_get_syspath(device), devtype.data(),
                    or_dash(udev_device_get_devnode(device)),
                    or_dash(udev_device_get_sysattr_value(device, "idVendor")),
                    or_dash(udev_device_get_sysattr_value(device, "idProduct")));
    }
}

int enumerate(udev* context) {
    UdevPtr<udev_enumerate> enumeration(udev_enumerate_new(context));
    if (!enumeration) {
        return 1;
    }
    udev_enumerate_add_match_subsystem(enumeration.get(), "usb");
    udev_enumerate_scan_devices(enumeration.get());
    udev_list_entry* entry = nullptr;
    udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(enumeration.get())) {
        UdevPtr<udev_device> device(
            udev_device_new_from_syspath(context, udev_list_entry_get_name(entry)));
        if (device) {
            print_device(device.get());
        }
    }
    std::fflush(stdout);
    return 0;
}

int monitor(udev* context, std::uint64_t wanted, int timeout_ms) {
    UdevPtr<udev_monitor> events(udev_monitor_new_from_netlink(context, "udev"));
    if (!events) {
        std::printf("FAIL no udev monitor\n");
        return 1;
    }
    udev_monitor_filter_add_match_subsystem_devtype(events.get(), "usb", nullptr);
    udev_monitor_enable_receiving(events.get());
    std::printf("MONITORING\n");
    std::fflush(stdout);
    std::uint64_t got = 0;
    pollfd watch{udev_monitor_get_fd(events.get()), POLLIN, 0};
    while (got < wanted && poll(&watch, 1, timeout_ms) > 0) {
        UdevPtr<udev_device> device(udev_monitor_receive_device(events.get()));
        if (!device) {
            continue;
        }
        std::printf("UEVENT %s %s %s\n", or_dash(udev_device_get_action(device.get())),
                    or_dash(udev_device_get_devtype(device.get())),
                    udev_device_get_syspath(device.get()));
        std::fflush(stdout);
        ++got;
    }
    std::printf("%s %llu of %llu uevents\n", got >= wanted ? "PASS" : "FAIL",
                static_cast<unsigned long long>(got), static_cast<unsigned long long>(wanted));
    return got >= wanted ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t wanted = 0;
    int timeout_ms = 0;
    if (argc == 4 && std::string_view(argv[1]) == "--monitor") {
        const auto count = tessera::emulator::serve::parse_decimal(argv[2], 1000);
        const auto timeout = tessera::emulator::serve::parse_decimal(argv[3], 60'000);
        if (!count || !timeout) {
            std::fprintf(stderr,
                         "udev_probe: --monitor N TIMEOUT_MS (N <= 1000, "
                         "TIMEOUT_MS <= 60000)\n");
            return 2;
        }
        wanted = *count;
        timeout_ms = static_cast<int>(*timeout);
    } else if (argc != 1) {
        std::fprintf(stderr, "usage: udev_probe [--monitor N TIMEOUT_MS]\n");
        return 2;
    }
    UdevPtr<udev> context(udev_new());
    if (!context) {
        std::printf("FAIL udev_new\n");
        return 1;
    }
    if (wanted == 0) {
        return enumerate(context.get());
    }
    return monitor(context.get(), wanted, timeout_ms);
}
