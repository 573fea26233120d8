/* libusb client for the emulated CCID reader.  Uses only libusb-1.0 and drives
 * libusb the way the real driver will: async transfers, libusb_get_pollfds +
 * poll(), then libusb_handle_events_timeout_completed() with a zero timeout. */
#define _GNU_SOURCE
#include "client_lib.h"

#include <errno.h>
#include <inttypes.h>
#include <libusb-1.0/libusb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define VID 0x1209
#define PID 0x0001
#define EP_OUT 0x01
#define EP_IN 0x82
#define EP_INT 0x83

static int failures;
#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (cond) { printf("PASS "); printf(__VA_ARGS__); printf("\n"); } \
        else { printf("FAIL "); printf(__VA_ARGS__); printf("\n"); failures++; } \
        fflush(stdout);                                                    \
    } while (0)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru); /* whole process: all threads, emulator too when in-process */
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* ------------------------------------------------------------ event loop */

static libusb_context *ctx;
static unsigned long poll_wakeups;

/* Wait until *done becomes non-zero, driving libusb from our own poll(). */
static int run_until(int *done, int timeout_ms)
{
    uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;
    while (!*done) {
        const struct libusb_pollfd **lfds = libusb_get_pollfds(ctx);
        struct pollfd pfd[16];
        int n = 0;
        for (; lfds && lfds[n] && n < 16; n++) {
            pfd[n].fd = lfds[n]->fd;
            pfd[n].events = lfds[n]->events;
            pfd[n].revents = 0;
        }
        libusb_free_pollfds(lfds);
        int64_t left = (int64_t)(deadline - now_ns()) / 1000000;
        if (left <= 0) return -1;
        int r = poll(pfd, n, (int)left);
        poll_wakeups++;
        if (r < 0 && errno != EINTR) return -1;
        struct timeval zero = {0, 0};
        libusb_handle_events_timeout_completed(ctx, &zero, done);
    }
    return 0;
}

static void LIBUSB_CALL cb_done(struct libusb_transfer *t)
{
    *(int *)t->user_data = 1;
}

/* async bulk transfer, driven by run_until */
static int xfer(libusb_device_handle *h, unsigned char ep, uint8_t *buf, int len, int *actual)
{
    int done = 0;
    struct libusb_transfer *t = libusb_alloc_transfer(0);
    libusb_fill_bulk_transfer(t, h, ep, buf, len, cb_done, &done, 5000);
    int r = libusb_submit_transfer(t);
    if (r == 0) {
        if (run_until(&done, 6000) != 0) {
            libusb_cancel_transfer(t);
            run_until(&done, 1000);
            r = LIBUSB_ERROR_TIMEOUT;
        } else {
            r = t->status == LIBUSB_TRANSFER_COMPLETED ? 0 : -100 - (int)t->status;
            *actual = t->actual_length;
        }
    }
    libusb_free_transfer(t);
    return r;
}

static uint8_t seq;
/* one CCID exchange: PC_to_RDR out, RDR_to_PC in */
static int ccid(libusb_device_handle *h, uint8_t type, const uint8_t *data, uint32_t dlen,
                uint8_t *resp, int rsz, int *rlen)
{
    uint8_t cmd[10 + 300] = {type, dlen & 0xff, (dlen >> 8) & 0xff, 0, 0, 0, seq++, 0, 0, 0};
    if (dlen) memcpy(cmd + 10, data, dlen);
    int n;
    int r = xfer(h, EP_OUT, cmd, 10 + (int)dlen, &n);
    if (r) return r;
    r = xfer(h, EP_IN, resp, rsz, rlen);
    if (r) return r;
    if (*rlen < 10 || resp[6] != cmd[6]) return -99; /* bSeq must match */
    return 0;
}

static void hex(const char *label, const uint8_t *d, int n)
{
    printf("     %s (%d):", label, n);
    for (int i = 0; i < n; i++) printf(" %02X", d[i]);
    printf("\n");
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* reads the emulator's event timestamp from $UMOCKDEV_DIR/event_ts */
static uint64_t read_event_ts(void)
{
    const char *dir = getenv("UMOCKDEV_DIR");
    char path[512];
    unsigned long long v = 0;
    if (!dir) return 0;
    snprintf(path, sizeof path, "%s/event_ts", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    if (fscanf(f, "%llu", &v) != 1) v = 0;
    fclose(f);
    return v;
}

/* ------------------------------------------------------------ the test */

int run_client(const ClientOptions *opt)
{
    failures = 0;
    int r = libusb_init(&ctx);
    CHECK(r == 0, "libusb_init (%s)", libusb_strerror(r));
    if (r) return 1;
    const struct libusb_version *v = libusb_get_version();
    printf("INFO libusb %u.%u.%u.%u\n", v->major, v->minor, v->micro, v->nano);

    libusb_device_handle *h = libusb_open_device_with_vid_pid(ctx, VID, PID);
    CHECK(h != NULL, "open %04x:%04x by VID/PID", VID, PID);
    if (!h) { libusb_exit(ctx); return 1; }
    libusb_device *dev = libusb_get_device(h);
    printf("INFO bus %u addr %u speed %d\n", libusb_get_bus_number(dev),
           libusb_get_device_address(dev), libusb_get_device_speed(dev));

    /* --- descriptors (from sysfs "descriptors") */
    struct libusb_config_descriptor *cfg = NULL;
    r = libusb_get_active_config_descriptor(dev, &cfg);
    CHECK(r == 0, "get_active_config_descriptor (%s)", libusb_strerror(r));
    const uint8_t *cd = NULL;
    int cdlen = 0;
    if (cfg) {
        for (int i = 0; i < cfg->bNumInterfaces; i++) {
            const struct libusb_interface_descriptor *id = &cfg->interface[i].altsetting[0];
            if (id->bInterfaceClass == 0x0B) {
                /* libusb puts unknown class descriptors of the interface in ->extra */
                for (int o = 0; o + 2 <= id->extra_length; o += id->extra[o]) {
                    if (id->extra[o] < 2) break;
                    if (id->extra[o + 1] == 0x21) { cd = id->extra + o; cdlen = id->extra[o]; }
                }
                printf("INFO interface %d class 0B, %d endpoints:", i, id->bNumEndpoints);
                for (int e = 0; e < id->bNumEndpoints; e++)
                    printf(" %02X/%d", id->endpoint[e].bEndpointAddress, id->endpoint[e].bmAttributes & 3);
                printf("\n");
            }
        }
    }
    CHECK(cd && cdlen == 54, "CCID class descriptor found, %d bytes", cdlen);
    if (cd && cdlen == 54) {
        uint32_t maxmsg = cd[44] | cd[45] << 8 | cd[46] << 16 | (uint32_t)cd[47] << 24;
        uint32_t feat = cd[40] | cd[41] << 8 | cd[42] << 16 | (uint32_t)cd[43] << 24;
        printf("INFO bcdCCID %x.%02x dwFeatures %08X dwMaxCCIDMessageLength %u bNumClock %u bNumRates %u\n",
               cd[3], cd[2], feat, maxmsg, cd[18], cd[27]);
    }

    /* --- EP0: string descriptor and CCID class requests (control URBs) */
    unsigned char s[128];
    struct libusb_device_descriptor dd;
    libusb_get_device_descriptor(dev, &dd);
    r = libusb_get_string_descriptor_ascii(h, dd.iProduct, s, sizeof s);
    CHECK(r > 0 && strcmp((char *)s, "Tessera Emulated CCID") == 0, "string descriptor iProduct = \"%s\"",
          r > 0 ? (char *)s : "?");

    r = libusb_claim_interface(h, 0);
    CHECK(r == 0, "claim_interface(0) (%s)", libusb_strerror(r));

    uint8_t buf[512];
    r = libusb_control_transfer(h, 0xA1, 0x02, 0, 0, buf, 2 * 4, 1000);
    CHECK(r == 8 && buf[0] == 0xA0 && buf[1] == 0x0F, "GET_CLOCK_FREQUENCIES -> %d bytes (%u, %u kHz)", r,
          buf[0] | buf[1] << 8, buf[4] | buf[5] << 8);
    r = libusb_control_transfer(h, 0xA1, 0x03, 0, 0, buf, 2 * 4, 1000);
    CHECK(r == 8, "GET_DATA_RATES -> %d bytes (%u, %u bps)", r, buf[0] | buf[1] << 8, buf[4] | buf[5] << 8);
    r = libusb_control_transfer(h, 0xC0, 0x77, 0, 0, buf, 4, 1000);
    CHECK(r == LIBUSB_ERROR_PIPE, "unknown vendor request stalls (%s)", libusb_strerror(r));

    /* --- bulk: GetSlotStatus with no card */
    int n;
    r = ccid(h, 0x65, NULL, 0, buf, sizeof buf, &n);
    CHECK(r == 0 && buf[0] == 0x81 && (buf[7] & 3) == 2, "GetSlotStatus (no card) -> SlotStatus bStatus=%02X",
          r == 0 ? buf[7] : 0xff);

    /* --- interrupt: hold until the emulator inserts the card */
    int int_done = 0;
    uint8_t ibuf[8];
    struct libusb_transfer *it = libusb_alloc_transfer(0);
    libusb_fill_interrupt_transfer(it, h, EP_INT, ibuf, sizeof ibuf, cb_done, &int_done, 0);
    r = libusb_submit_transfer(it);
    CHECK(r == 0, "submit interrupt-IN transfer (no timeout)");

    unsigned long w0 = poll_wakeups;
    uint64_t c0 = cpu_us(), t0 = now_ns();
    r = run_until(&int_done, opt->insert_wait_ms);
    uint64_t t1 = now_ns(), c1 = cpu_us();
    uint64_t ev = read_event_ts();
    double idle_s = (t1 - t0) / 1e9;
    CHECK(r == 0 && it->status == LIBUSB_TRANSFER_COMPLETED && it->actual_length == 2 && ibuf[0] == 0x50 &&
              ibuf[1] == 0x03,
          "NotifySlotChange received: %02X %02X", ibuf[0], ibuf[1]);
    printf("INFO idle wait %.3f s: CPU %.3f ms (%.3f%%), poll wakeups %lu\n", idle_s, (c1 - c0) / 1e3,
           100.0 * (c1 - c0) / 1e6 / idle_s, poll_wakeups - w0);
    CHECK(idle_s > 1.0 && (c1 - c0) < 20000 && poll_wakeups - w0 <= 3,
          "idle wait costs ~0 CPU (%.1f ms CPU over %.2f s, %lu wakeups)", (c1 - c0) / 1e3, idle_s,
          poll_wakeups - w0);
    if (ev && ev < t1)
        printf("TIME notification latency (emulator event -> libusb callback): %.1f us\n", (t1 - ev) / 1e3);

    /* re-arm the interrupt pipe, as a driver would, and keep it pending */
    int_done = 0;
    r = libusb_submit_transfer(it);
    CHECK(r == 0, "re-submit interrupt-IN transfer");

    /* --- bulk: card present now */
    r = ccid(h, 0x65, NULL, 0, buf, sizeof buf, &n);
    CHECK(r == 0 && buf[0] == 0x81 && (buf[7] & 3) == 1, "GetSlotStatus -> SlotStatus bStatus=%02X (present, inactive)",
          r == 0 ? buf[7] : 0xff);
    r = ccid(h, 0x62, NULL, 0, buf, sizeof buf, &n);
    uint32_t dl = buf[1] | buf[2] << 8;
    CHECK(r == 0 && buf[0] == 0x80 && buf[7] == 0 && dl > 1 && buf[10] == 0x3B && (int)dl == n - 10,
          "IccPowerOn -> DataBlock with %u-byte ATR", dl);
    if (r == 0) hex("ATR", buf + 10, n - 10);
    static const uint8_t select[] = {0x00, 0xA4, 0x04, 0x00, 0x00};
    r = ccid(h, 0x6F, select, sizeof select, buf, sizeof buf, &n);
    CHECK(r == 0 && buf[0] == 0x80 && n == 12 && buf[10] == 0x90 && buf[11] == 0x00, "XfrBlock -> 90 00");

    /* --- latency: N bulk exchanges (OUT + IN each), with a small and a
     * pcscd-sized (64 KiB + header) bulk-IN buffer */
    static uint8_t big[65536 + 10];
    const int sizes[2] = {512, (int)sizeof big};
    for (int k = 0; k < 2; k++) {
        int N = opt->iterations;
        uint64_t *lat = calloc(N, sizeof *lat);
        int bad = 0;
        unsigned long wb = poll_wakeups;
        uint64_t cb0 = cpu_us(), tb0 = now_ns();
        for (int i = 0; i < N; i++) {
            uint64_t a = now_ns();
            if (ccid(h, 0x65, NULL, 0, big, sizes[k], &n) != 0 || big[0] != 0x81) bad++;
            lat[i] = now_ns() - a;
        }
        uint64_t tb1 = now_ns(), cb1 = cpu_us();
        qsort(lat, N, sizeof *lat, cmp_u64);
        CHECK(bad == 0, "%d GetSlotStatus round trips (IN buffer %d bytes), %d bad", N, sizes[k], bad);
        printf("TIME bulk round trip, IN buffer %d B, N=%d: min %.1f us, median %.1f us, p99 %.1f us, max %.1f us;"
               " %.0f exchanges/s; CPU %.1f us/exchange; %.1f poll wakeups/exchange\n",
               sizes[k], N, lat[0] / 1e3, lat[N / 2] / 1e3, lat[N * 99 / 100] / 1e3, lat[N - 1] / 1e3,
               N / ((tb1 - tb0) / 1e9), (double)(cb1 - cb0) / N, (double)(poll_wakeups - wb) / N);
        free(lat);
    }

    /* --- raw cost of one forwarded ioctl (GETDRIVER -> ENODATA, no memory access) */
    {
        int N = opt->iterations;
        uint64_t a = now_ns(), c = cpu_us();
        for (int i = 0; i < N; i++) libusb_kernel_driver_active(h, 0);
        printf("TIME one forwarded ioctl (USBDEVFS_GETDRIVER): %.1f us wall, %.1f us CPU\n",
               (now_ns() - a) / 1e3 / N, (double)(cpu_us() - c) / N);
    }

    /* --- removal through the vendor test hook (control OUT 0x41/0xE0, wValue 0) */
    r = libusb_control_transfer(h, 0x41, 0xE0, 0, 0, NULL, 0, 1000);
    r = run_until(&int_done, 2000);
    uint64_t tr1 = now_ns(), evr = read_event_ts();
    CHECK(r == 0 && it->actual_length == 2 && ibuf[0] == 0x50 && ibuf[1] == 0x02,
          "card removal (vendor test hook) -> NotifySlotChange %02X %02X", ibuf[0], ibuf[1]);
    if (evr && evr < tr1)
        printf("TIME removal notification (emulator event -> libusb callback; completes in the same\n"
               "     event-loop pass as the hook's control transfer): %.1f us\n", (tr1 - evr) / 1e3);

    /* --- cancellation of a held interrupt URB (DISCARDURB) */
    int_done = 0;
    libusb_submit_transfer(it);
    r = libusb_cancel_transfer(it);
    int rr = run_until(&int_done, 2000);
    CHECK(r == 0 && rr == 0 && it->status == LIBUSB_TRANSFER_CANCELLED, "cancel held interrupt URB -> CANCELLED");

    if (opt->test_unplug_hook) {
        /* unplug with an interrupt URB held: it must fail promptly */
        int_done = 0;
        libusb_submit_transfer(it);
        opt->test_unplug_hook(opt->hook_data);
        r = run_until(&int_done, 2000);
        CHECK(r == 0 && it->status == LIBUSB_TRANSFER_NO_DEVICE, "unplug: held interrupt URB -> NO_DEVICE (status %d)",
              it->status);
        int_done = 0;
        r = libusb_submit_transfer(it);
        CHECK(r == LIBUSB_ERROR_NO_DEVICE || r == LIBUSB_ERROR_IO, "unplug: submit fails (%s)", libusb_strerror(r));
    }

    libusb_free_transfer(it);
    libusb_release_interface(h, 0);
    libusb_close(h);
    libusb_free_config_descriptor(cfg);
    libusb_exit(ctx);
    printf("%s client: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
