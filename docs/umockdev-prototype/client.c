/* client: the libusb test client as a separate process.  Needs UMOCKDEV_DIR
 * (printed by `emu --serve`) and runs itself under libumockdev-preload. */
#define _GNU_SOURCE
#include "client_lib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *pre = getenv("LD_PRELOAD");
    if (!pre || !strstr(pre, "libumockdev-preload")) {
        setenv("LD_PRELOAD", "libumockdev-preload.so.0", 1);
        execv("/proc/self/exe", argv);
        perror("execv");
        return 2;
    }
    if (!getenv("UMOCKDEV_DIR")) { fprintf(stderr, "client: UMOCKDEV_DIR not set\n"); return 2; }
    ClientOptions o = {.insert_wait_ms = 8000, .iterations = argc > 1 ? atoi(argv[1]) : 1000};
    return run_client(&o);
}
