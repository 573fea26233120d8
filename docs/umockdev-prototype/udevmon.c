/* udevmon: what pcscd's libudev hotplug would see.  Enumerates subsystem "usb"
 * (usb_device + usb_interface with INTERFACE=11/...), then listens on a udev
 * monitor and prints uevents until `udevmon N_EVENTS TIMEOUT_MS` is satisfied. */
#include <libudev.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    int want = argc > 1 ? atoi(argv[1]) : 1, timeout = argc > 2 ? atoi(argv[2]) : 5000;
    struct udev *u = udev_new();
    struct udev_enumerate *en = udev_enumerate_new(u);
    udev_enumerate_add_match_subsystem(en, "usb");
    udev_enumerate_scan_devices(en);
    int nccid = 0;
    struct udev_list_entry *e;
    udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
        struct udev_device *d = udev_device_new_from_syspath(u, udev_list_entry_get_name(e));
        const char *type = udev_device_get_devtype(d), *iface = udev_device_get_property_value(d, "INTERFACE");
        printf("ENUM %s devtype=%s devnode=%s", udev_device_get_syspath(d), type ? type : "-",
               udev_device_get_devnode(d) ? udev_device_get_devnode(d) : "-");
        if (type && !strcmp(type, "usb_interface")) {
            struct udev_device *p = udev_device_get_parent_with_subsystem_devtype(d, "usb", "usb_device");
            printf(" INTERFACE=%s bInterfaceClass=%s parent=%s idVendor=%s idProduct=%s", iface ? iface : "-",
                   udev_device_get_sysattr_value(d, "bInterfaceClass"), p ? udev_device_get_sysname(p) : "-",
                   p ? udev_device_get_sysattr_value(p, "idVendor") : "-",
                   p ? udev_device_get_sysattr_value(p, "idProduct") : "-");
            if (iface && !strncmp(iface, "11/", 3)) nccid++;
        }
        printf("\n");
        udev_device_unref(d);
    }
    udev_enumerate_unref(en);
    printf("%s enumerate: %d CCID interface(s)\n", nccid == 1 ? "PASS" : "FAIL", nccid);

    struct udev_monitor *m = udev_monitor_new_from_netlink(u, "udev");
    udev_monitor_filter_add_match_subsystem_devtype(m, "usb", NULL);
    udev_monitor_enable_receiving(m);
    printf("MONITORING\n");
    fflush(stdout);
    struct pollfd pfd = {udev_monitor_get_fd(m), POLLIN, 0};
    int got = 0;
    while (got < want && poll(&pfd, 1, timeout) > 0) {
        struct udev_device *d = udev_monitor_receive_device(m);
        if (!d) continue;
        printf("UEVENT %s %s devtype=%s\n", udev_device_get_action(d), udev_device_get_syspath(d),
               udev_device_get_devtype(d) ? udev_device_get_devtype(d) : "-");
        fflush(stdout);
        udev_device_unref(d);
        got++;
    }
    printf("%s monitor: %d/%d uevent(s)\n", got >= want ? "PASS" : "FAIL", got, want);
    udev_monitor_unref(m);
    udev_unref(u);
    return got >= want && nccid == 1 ? 0 : 1;
}
