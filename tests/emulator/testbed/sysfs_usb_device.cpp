#include "sysfs_usb_device.hpp"

#include <cstdarg>
#include <cstdio>
#include <stdexcept>
#include <string_view>

#include "gobject_ptr.hpp"
#include "transport/usb/usb_descriptor.hpp"

namespace tessera::emulator {
namespace {

[[gnu::format(printf, 1, 2)]] std::string format(const char* pattern, ...) {
    char buffer[64];
    va_list arguments;
    va_start(arguments, pattern);
    std::vsnprintf(buffer, sizeof buffer, pattern, arguments);
    va_end(arguments);
    return buffer;
}

// umockdev wants NULL-terminated name/value arrays of mutable strings.
class StringList {
public:
    void add(std::string name, std::string value) {
        items_.push_back(std::move(name));
        items_.push_back(std::move(value));
    }
    gchar** get() {
        pointers_.clear();
        for (auto& item : items_) pointers_.push_back(item.data());
        pointers_.push_back(nullptr);
        return pointers_.data();
    }

private:
    std::vector<std::string> items_;
    std::vector<gchar*> pointers_;
};

std::string add_device(UMockdevTestbed* testbed, const std::string& name,
                       const std::string* parent, StringList& attributes,
                       StringList& properties) {
    GCharPtr path(umockdev_testbed_add_devicev(testbed, "usb", name.c_str(),
                                               parent != nullptr ? parent->c_str() : nullptr,
                                               attributes.get(), properties.get()));
    if (!path) throw std::runtime_error("umockdev refused sysfs device " + name);
    return path.get();
}

}  // namespace

SysfsUsbDevice add_sysfs_usb_device(UMockdevTestbed* testbed, const UsbIdentity& identity,
                                    std::uint8_t bus, std::uint8_t address,
                                    const std::string& port) {
    auto device = usb::parse_device_descriptor(identity.device_descriptor);
    auto config = usb::parse_config_descriptor(identity.config_descriptor);
    if (!device || !config) {
        throw std::runtime_error("model " + port + ": malformed device or config descriptor");
    }
    const unsigned minor = (bus - 1u) * 128u + (address - 1u);
    const std::string product = format("%x/%x/%x", device->idVendor, device->idProduct,
                                       device->bcdDevice);

    StringList attributes;
    attributes.add("busnum", format("%u\n", bus));
    attributes.add("devnum", format("%u\n", address));
    attributes.add("speed", "12\n");
    attributes.add("idVendor", format("%04x\n", device->idVendor));
    attributes.add("idProduct", format("%04x\n", device->idProduct));
    attributes.add("bcdDevice", format("%04x\n", device->bcdDevice));
    attributes.add("bDeviceClass", format("%02x\n", device->bDeviceClass));
    attributes.add("bConfigurationValue", format("%u\n", config->bConfigurationValue));
    attributes.add("bNumConfigurations", format("%u\n", device->bNumConfigurations));
    attributes.add("bNumInterfaces", format("%2u\n", config->bNumInterfaces));
    attributes.add("version", format("%2x.%02x\n", device->bcdUSB >> 8, device->bcdUSB & 0xFF));
    if (!identity.manufacturer.empty()) attributes.add("manufacturer", identity.manufacturer + "\n");
    if (!identity.product.empty()) attributes.add("product", identity.product + "\n");
    if (!identity.serial.empty()) attributes.add("serial", identity.serial + "\n");
    attributes.add("dev", format("189:%u", minor));

    const std::string node = format("/dev/bus/usb/%03u/%03u", bus, address);
    StringList properties;
    properties.add("DEVTYPE", "usb_device");
    properties.add("DEVNAME", node);
    properties.add("BUSNUM", format("%03u", bus));
    properties.add("DEVNUM", format("%03u", address));
    properties.add("MAJOR", "189");
    properties.add("MINOR", format("%u", minor));
    properties.add("PRODUCT", product);
    properties.add("TYPE", format("%u/%u/%u", device->bDeviceClass, device->bDeviceSubClass,
                                  device->bDeviceProtocol));
    properties.add("ID_VENDOR_ID", format("%04x", device->idVendor));
    properties.add("ID_MODEL_ID", format("%04x", device->idProduct));

    SysfsUsbDevice result;
    result.device_path = add_device(testbed, port, nullptr, attributes, properties);

    Bytes descriptors = identity.device_descriptor;
    descriptors.resize(18);
    descriptors.insert(descriptors.end(), identity.config_descriptor.begin(),
                       identity.config_descriptor.end());
    umockdev_testbed_set_attribute_binary(testbed, result.device_path.c_str(), "descriptors",
                                          descriptors.data(),
                                          static_cast<gint>(descriptors.size()));

    for (const auto& interface : config->interfaces) {
        if (interface.bAlternateSetting != 0) continue;
        StringList interface_attributes;
        interface_attributes.add("bInterfaceNumber", format("%02x\n", interface.bInterfaceNumber));
        interface_attributes.add("bAlternateSetting", " 0\n");
        interface_attributes.add("bNumEndpoints",
                                 format("%02x\n", static_cast<unsigned>(interface.endpoints.size())));
        interface_attributes.add("bInterfaceClass", format("%02x\n", interface.bInterfaceClass));
        interface_attributes.add("bInterfaceSubClass",
                                 format("%02x\n", interface.bInterfaceSubClass));
        interface_attributes.add("bInterfaceProtocol",
                                 format("%02x\n", interface.bInterfaceProtocol));
        StringList interface_properties;
        interface_properties.add("DEVTYPE", "usb_interface");
        interface_properties.add("INTERFACE",
                                 format("%u/%u/%u", interface.bInterfaceClass,
                                        interface.bInterfaceSubClass,
                                        interface.bInterfaceProtocol));
        interface_properties.add("PRODUCT", product);
        interface_properties.add("TYPE", "0/0/0");
        const std::string name = port + format(":%u.%u", config->bConfigurationValue,
                                               interface.bInterfaceNumber);
        result.interface_paths.push_back(add_device(testbed, name, &result.device_path,
                                                    interface_attributes, interface_properties));
    }
    return result;
}

void send_uevents(UMockdevTestbed* testbed, const SysfsUsbDevice& device, const char* action) {
    const bool removing = std::string_view(action) == "remove";
    if (!removing) umockdev_testbed_uevent(testbed, device.device_path.c_str(), action);
    for (const auto& interface : device.interface_paths) {
        umockdev_testbed_uevent(testbed, interface.c_str(), action);
    }
    if (removing) umockdev_testbed_uevent(testbed, device.device_path.c_str(), action);
}

void remove_sysfs_usb_device(UMockdevTestbed* testbed, const SysfsUsbDevice& device) {
    umockdev_testbed_remove_device(testbed, device.device_path.c_str());
}

}  // namespace tessera::emulator
