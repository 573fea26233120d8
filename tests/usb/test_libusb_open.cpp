// Opening devices through the libusb backend: selectors, pcscd names, interface choice.
#include "libusb_fixture.hpp"

namespace tessera::usbtest {

TEST_CASE("open by VID/PID finds the device and its CCID endpoints") {
    emulator::UsbTestbed testbed;
    auto plugged = plug_loopback(testbed);
    auto context = make_context();

    usb::UsbDeviceSelector selector;
    selector.vendor_id = 0x1209;
    selector.product_id = 0x7E57;
    auto device = context.open(selector);
    REQUIRE_MESSAGE(device, device.error().message());
    const auto& info = (*device)->info();
    CHECK(info.vendor_id == 0x1209);
    CHECK(info.product_id == 0x7E57);
    CHECK(info.bus == testbed.bus(plugged.id));
    CHECK(info.address == testbed.address(plugged.id));
    CHECK(info.interface.bInterfaceClass == 0x0B);
    CHECK(info.bulk_in == kBulkIn);
    CHECK(info.bulk_out == kBulkOut);
    CHECK(info.interrupt_in == kInterruptIn);
    CHECK(info.interrupt_max_packet == kInterruptPacketSize);
    CHECK(info.interface.extra.size() == 54);
}

TEST_CASE("open by pcscd device name") {
    emulator::UsbTestbed testbed;
    auto first = plug_loopback(testbed);
    auto second = plug_loopback(testbed);  // same VID/PID: the name picks bus/address
    auto context = make_context();

    auto device = context.open(testbed.pcscd_device_name(second.id));
    REQUIRE_MESSAGE(device, device.error().message());
    CHECK((*device)->info().address == testbed.address(second.id));
    CHECK((*device)->info().address != testbed.address(first.id));
    CHECK(context.devices().size() >= 2);
}

TEST_CASE("open fails cleanly for absent devices and bad names") {
    emulator::UsbTestbed testbed;
    plug_loopback(testbed);
    auto context = make_context();

    usb::UsbDeviceSelector selector;
    selector.vendor_id = 0x1209;
    selector.product_id = 0x0001;
    CHECK(context.open(selector).error() == UsbError::not_found);
    CHECK(context.open("usb:1209/7e57:libudev:0:/dev/bus/usb/001/099").error() ==
          UsbError::not_found);
    CHECK(context.open("not a device").error() == UsbError::bad_device_name);
}

TEST_CASE("the CCID interface is chosen, not the first one") {
    emulator::UsbTestbed testbed;
    LoopbackOptions options;
    options.hid_interface_first = true;  // its 9-byte HID descriptor is type 0x21 too
    options.product_id = 0x0002;
    auto plugged = plug_loopback(testbed, options);
    auto context = make_context();

    usb::UsbDeviceSelector selector;
    selector.vendor_id = 0x1209;
    selector.product_id = 0x0002;
    auto device = context.open(selector);
    REQUIRE_MESSAGE(device, device.error().message());
    CHECK((*device)->info().interface.bInterfaceNumber == 1);
    CHECK((*device)->info().bulk_in == kBulkIn);
    (void)plugged;
}

TEST_CASE("a vendor-class interface is CCID only with a CCID class descriptor") {
    emulator::UsbTestbed testbed;
    LoopbackOptions with;
    with.interface_class = 0xFF;
    with.product_id = 0x0003;
    LoopbackOptions without = with;
    without.ccid_class_descriptor = false;
    without.product_id = 0x0004;
    plug_loopback(testbed, with);
    plug_loopback(testbed, without);
    auto context = make_context();

    usb::UsbDeviceSelector selector;
    selector.vendor_id = 0x1209;
    selector.product_id = 0x0003;
    auto device = context.open(selector);
    REQUIRE_MESSAGE(device, device.error().message());
    CHECK((*device)->info().interface.bInterfaceClass == 0xFF);
    selector.product_id = 0x0004;
    CHECK(context.open(selector).error() == UsbError::not_found);
}

TEST_CASE("an interface claimed by another handle is busy") {
    OneDevice one;
    CHECK(one.context.open(one.testbed.pcscd_device_name(one.plugged.id)).error() ==
          UsbError::busy);
}

}  // namespace tessera::usbtest
