#!/bin/sh
# Build the umockdev CCID prototype.  Debian 12 packages:
#   apt-get install -y umockdev libumockdev-dev libusb-1.0-0-dev libudev-dev pkg-config gcc
set -eu
cd "$(dirname "$0")"
CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Werror"
cc $CFLAGS -o emu emu.c ccid_emu.c client_lib.c $(pkg-config --cflags --libs umockdev-1.0 glib-2.0 libusb-1.0) -lpthread
cc $CFLAGS -o client client.c client_lib.c $(pkg-config --cflags --libs libusb-1.0)
cc $CFLAGS -o udevmon udevmon.c $(pkg-config --cflags --libs libudev)
echo "built: emu client udevmon"
