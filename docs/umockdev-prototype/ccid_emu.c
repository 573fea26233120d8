/* Prototype: a software USB CCID reader served to libusb through umockdev's
 * ioctl API.  Written from the public umockdev API docs, the Linux usbdevfs
 * header and the CCID 1.1 spec; see NOTES.md for the reasoning. */
#define _GNU_SOURCE
#include "ccid_emu.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <umockdev.h>
#include <unistd.h>

#define DEVNODE "/dev/bus/usb/001/002"

/* ---------------------------------------------------------------- descriptors */

static const uint8_t dev_desc[18] = {
    18, 0x01, 0x10, 0x01, /* bcdUSB 1.10 */
    0x00, 0x00, 0x00, 64, /* class per interface, EP0 64 */
    EMU_VID & 0xff, EMU_VID >> 8, EMU_PID & 0xff, EMU_PID >> 8,
    0x00, 0x01, /* bcdDevice 1.00 */
    1, 2, 3,    /* iManufacturer, iProduct, iSerialNumber */
    1,          /* bNumConfigurations */
};

#define CFG_TOTAL (9 + 9 + 54 + 7 * 3)
static const uint8_t cfg_desc[CFG_TOTAL] = {
    /* configuration */
    9, 0x02, CFG_TOTAL & 0xff, CFG_TOTAL >> 8, 1, 1, 0, 0x80, 50,
    /* interface 0: CCID, 3 endpoints */
    9, 0x04, 0, 0, 3, 0x0B, 0x00, 0x00, 0,
    /* CCID class descriptor, CCID 1.1 table 5.1-1 (54 bytes) */
    0x36, 0x21,
    0x10, 0x01,             /* bcdCCID 1.10 */
    0x00,                   /* bMaxSlotIndex */
    0x07,                   /* bVoltageSupport 5V/3V/1.8V */
    0x03, 0x00, 0x00, 0x00, /* dwProtocols T=0|T=1 */
    0xA0, 0x0F, 0x00, 0x00, /* dwDefaultClock 4000 kHz */
    0xE0, 0x2E, 0x00, 0x00, /* dwMaximumClock 12000 kHz */
    0x02,                   /* bNumClockSupported */
    0x80, 0x25, 0x00, 0x00, /* dwDataRate 9600 bps */
    0xE7, 0x4C, 0x06, 0x00, /* dwMaxDataRate 412903 bps */
    0x02,                   /* bNumDataRatesSupported */
    0xFE, 0x00, 0x00, 0x00, /* dwMaxIFSD 254 */
    0x00, 0x00, 0x00, 0x00, /* dwSynchProtocols */
    0x00, 0x00, 0x00, 0x00, /* dwMechanical */
    0xBA, 0x04, 0x04, 0x00, /* dwFeatures: auto params, ext. APDU level */
    0x0F, 0x01, 0x00, 0x00, /* dwMaxCCIDMessageLength 271 */
    0xFF, 0xFF,             /* bClassGetResponse, bClassEnvelope */
    0x00, 0x00,             /* wLcdLayout */
    0x00,                   /* bPINSupport */
    0x01,                   /* bMaxCCIDBusySlots */
    /* endpoints */
    7, 0x05, 0x01, 0x02, 64, 0, 0,  /* bulk OUT 0x01 */
    7, 0x05, 0x82, 0x02, 64, 0, 0,  /* bulk IN 0x82 */
    7, 0x05, 0x83, 0x03, 8, 0, 16,  /* interrupt IN 0x83 */
};

static const uint32_t clocks_khz[2] = {4000, 8000};
static const uint32_t rates_bps[2] = {10752, 21505};
static const char *strings[] = {NULL, "Tessera", "Tessera Emulated CCID", "0001"};
static const uint8_t atr[] = {0x3B, 0xF8, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x15,
                              0x59, 0x75, 0x62, 0x69, 0x6B, 0x65, 0x79, 0x34, 0xD4};

/* ------------------------------------------------------------------- state */

typedef struct {
    UMockdevIoctlClient *client; /* owner: only this client may reap it */
    UMockdevIoctlData *urb;      /* resolved struct usbdevfs_urb (local copy) */
    UMockdevIoctlData *buf;      /* resolved urb->buffer (OUT and control only) */
    GBytes *in_data;             /* IN data, copied to the client at reap time */
    gulong client_addr;          /* the client's struct usbdevfs_urb * */
} Urb;

struct Emu {
    GMutex lock;
    UMockdevTestbed *tb;
    UMockdevIoctlBase *handler;
    char *root, *node_path, *sys_dev, *sys_intf, *ts_path;
    int fifo_fd;     /* our end of the device node FIFO */
    gboolean fifo_full;

    GQueue bulk_in;   /* held bulk-IN URBs (waiting for a response) */
    GQueue intr_in;   /* held interrupt-IN URBs (waiting for a slot change) */
    GQueue done;      /* completed URBs waiting for REAPURBNDELAY */
    GQueue responses; /* GBytes: RDR_to_PC messages not yet read by bulk-IN */

    gboolean card_present, card_powered, slot_changed, unplugged;
    guint auto_insert_ms;
    gboolean auto_insert_armed;

    GMainContext *timer_ctx;
    GMainLoop *timer_loop;
    GThread *timer_thread;

    EmuStats st;
};

guint64 mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (guint64)ts.tv_sec * 1000000000u + (guint64)ts.tv_nsec;
}

static struct usbdevfs_urb *URB(Urb *u) { return (struct usbdevfs_urb *)u->urb->data; }

static void urb_free(Urb *u)
{
    if (u->in_data) g_bytes_unref(u->in_data);
    g_clear_object(&u->buf);
    g_clear_object(&u->urb);
    g_clear_object(&u->client);
    g_free(u);
}

/* ------------------------------------------------------------ FIFO device node
 * poll() on the client's fd is not forwarded by the preload: it sees the real
 * file.  A regular file is always POLLOUT (libusb would spin); a FIFO reports
 * POLLOUT only while it has room.  We keep it full (no POLLOUT) while nothing
 * waits to be reaped and drain it when a URB completes, which is exactly what
 * usbfs does (POLLOUT == "URB ready to reap"). */

static void fifo_update_locked(Emu *emu)
{
    gboolean want_full = g_queue_is_empty(&emu->done);
    char buf[4096];
    if (emu->fifo_fd < 0) return; /* EMU_REGULAR_NODE demo */
    if (want_full && !emu->fifo_full) {
        memset(buf, 0, sizeof buf);
        while (write(emu->fifo_fd, buf, sizeof buf) > 0)
            ;
        emu->fifo_full = TRUE;
    } else if (!want_full && emu->fifo_full) {
        while (read(emu->fifo_fd, buf, sizeof buf) > 0)
            ;
        emu->fifo_full = FALSE;
    }
}

static void complete_urb_locked(Emu *emu, Urb *u, int status, int actual)
{
    URB(u)->status = status;
    URB(u)->actual_length = actual;
    g_queue_push_tail(&emu->done, u);
    fifo_update_locked(emu);
}

/* ---------------------------------------------------------------- CCID logic */

static guint8 icc_status(Emu *emu)
{
    return !emu->card_present ? 2 : emu->card_powered ? 0 : 1; /* bmICCStatus */
}

static GBytes *rdr_msg(guint8 type, guint8 slot, guint8 seq, guint8 status, guint8 error,
                       guint8 b9, const guint8 *data, guint32 len)
{
    guint8 *m = g_malloc0(10 + len);
    m[0] = type;
    m[1] = len & 0xff; m[2] = (len >> 8) & 0xff; m[3] = (len >> 16) & 0xff; m[4] = len >> 24;
    m[5] = slot; m[6] = seq; m[7] = status; m[8] = error; m[9] = b9;
    if (len) memcpy(m + 10, data, len);
    return g_bytes_new_take(m, 10 + len);
}

/* One PC_to_RDR message in, one RDR_to_PC message queued (CCID 6.1 / 6.2). */
static void ccid_command_locked(Emu *emu, const guint8 *cmd, gsize len)
{
    if (len < 10) return; /* a real reader would stall; ignore in the prototype */
    guint8 type = cmd[0], slot = cmd[5], seq = cmd[6];
    GBytes *r;
    switch (type) {
    case 0x65: /* PC_to_RDR_GetSlotStatus -> RDR_to_PC_SlotStatus */
        r = rdr_msg(0x81, slot, seq, icc_status(emu), 0, 0, NULL, 0);
        break;
    case 0x62: /* PC_to_RDR_IccPowerOn -> RDR_to_PC_DataBlock(ATR) */
        if (!emu->card_present) {
            r = rdr_msg(0x80, slot, seq, 0x40 | 2, 0xFE /* ICC_MUTE */, 0, NULL, 0);
        } else {
            emu->card_powered = TRUE;
            r = rdr_msg(0x80, slot, seq, 0, 0, 0, atr, sizeof atr);
        }
        break;
    case 0x63: /* PC_to_RDR_IccPowerOff */
        emu->card_powered = FALSE;
        r = rdr_msg(0x81, slot, seq, icc_status(emu), 0, 0, NULL, 0);
        break;
    case 0x6F: { /* PC_to_RDR_XfrBlock: the "card" answers 90 00 */
        static const guint8 sw[] = {0x90, 0x00};
        if (!emu->card_powered)
            r = rdr_msg(0x80, slot, seq, 0x40 | icc_status(emu), 0xFE, 0, NULL, 0);
        else
            r = rdr_msg(0x80, slot, seq, 0, 0, 0, sw, 2);
        break;
    }
    default: /* command not supported: bError = 0 (CCID 6.2.6) */
        r = rdr_msg(0x81, slot, seq, 0x40 | icc_status(emu), 0x00, 0, NULL, 0);
        break;
    }
    g_queue_push_tail(&emu->responses, r);
}

static void serve_bulk_in_locked(Emu *emu)
{
    while (!g_queue_is_empty(&emu->bulk_in) && !g_queue_is_empty(&emu->responses)) {
        Urb *u = g_queue_pop_head(&emu->bulk_in);
        GBytes *r = g_queue_pop_head(&emu->responses);
        gsize n = g_bytes_get_size(r);
        int status = 0;
        if ((gsize)URB(u)->buffer_length < n) { n = URB(u)->buffer_length; status = -EOVERFLOW; }
        u->in_data = g_bytes_new_from_bytes(r, 0, n); /* copied to the client at reap */
        g_bytes_unref(r);
        complete_urb_locked(emu, u, status, (int)n);
    }
}

static void serve_intr_locked(Emu *emu)
{
    if (!emu->slot_changed || g_queue_is_empty(&emu->intr_in)) return;
    Urb *u = g_queue_pop_head(&emu->intr_in);
    /* RDR_to_PC_NotifySlotChange (CCID 6.3.1): bit0 = present, bit1 = changed */
    guint8 msg[2] = {0x50, (guint8)(0x02 | (emu->card_present ? 1 : 0))};
    int n = MIN(URB(u)->buffer_length, 2);
    u->in_data = g_bytes_new(msg, n);
    emu->slot_changed = FALSE;
    complete_urb_locked(emu, u, 0, n);
}

/* Control transfer on EP0: setup = 8 bytes, data stage follows in the buffer.
 * Returns length of IN data written at data, or -EPIPE for a stall. */
static int control_locked(Emu *emu, const guint8 *setup, guint8 *data, int room)
{
    guint8 rt = setup[0], req = setup[1];
    guint16 val = setup[2] | setup[3] << 8, idx = setup[4] | setup[5] << 8;
    guint16 wlen = setup[6] | setup[7] << 8;
    int max = MIN(wlen, room);
    (void)idx;
    (void)emu;

    if (rt == 0x80 && req == 0x06) { /* GET_DESCRIPTOR */
        guint8 type = val >> 8, i = val & 0xff;
        if (type == 1) { int n = MIN(max, 18); memcpy(data, dev_desc, n); return n; }
        if (type == 2 && i == 0) { int n = MIN(max, CFG_TOTAL); memcpy(data, cfg_desc, n); return n; }
        if (type == 3) {
            guint8 s[2 + 2 * 64];
            int n;
            if (i == 0) { s[0] = 4; s[1] = 3; s[2] = 0x09; s[3] = 0x04; n = 4; }
            else if (i < G_N_ELEMENTS(strings)) {
                int l = strlen(strings[i]);
                s[0] = 2 + 2 * l; s[1] = 3;
                for (int k = 0; k < l; k++) { s[2 + 2 * k] = strings[i][k]; s[3 + 2 * k] = 0; }
                n = 2 + 2 * l;
            } else return -EPIPE;
            n = MIN(n, max);
            memcpy(data, s, n);
            return n;
        }
        return -EPIPE;
    }
    if (rt == 0x80 && req == 0x08) { if (max) data[0] = 1; return MIN(max, 1); } /* GET_CONFIGURATION */
    if (rt == 0x80 && req == 0x00) { memset(data, 0, MIN(max, 2)); return MIN(max, 2); } /* GET_STATUS */
    if ((rt & 0x60) == 0x00 && !(rt & 0x80)) return 0; /* standard OUT requests: accept */
    if (rt == 0xA1 && req == 0x02) { /* CCID GET_CLOCK_FREQUENCIES (5.3.2) */
        int n = MIN(max, (int)sizeof clocks_khz); memcpy(data, clocks_khz, n); return n; /* LE host */
    }
    if (rt == 0xA1 && req == 0x03) { /* CCID GET_DATA_RATES (5.3.3) */
        int n = MIN(max, (int)sizeof rates_bps); memcpy(data, rates_bps, n); return n;
    }
    if (rt == 0x21 && req == 0x01) return 0; /* CCID ABORT (5.3.1) */
    if (rt == 0x41 && req == 0xE0) { /* test hook (vendor): card event, wValue 1/0 */
        return val <= 1 ? -1000 - val : -EPIPE; /* handled by caller outside the lock */
    }
    return -EPIPE;
}

/* ------------------------------------------------------------ ioctl handlers */

static void card_event_locked(Emu *emu, gboolean present);
static gboolean auto_insert_cb(gpointer p);

static void ioctl_submiturb(Emu *emu, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    GError *err = NULL;
    UMockdevIoctlData *urbd = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), &err);
    if (!urbd) {
        g_warning("resolve urb: %s", err ? err->message : "?");
        g_clear_error(&err);
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        return;
    }
    struct usbdevfs_urb *urb = (struct usbdevfs_urb *)urbd->data;
    Urb *u = g_new0(Urb, 1);
    u->client = g_object_ref(client);
    u->urb = urbd;
    u->client_addr = urbd->client_addr;
    gboolean in_ep = (urb->endpoint & 0x80) && urb->type != USBDEVFS_URB_TYPE_CONTROL;
    if (urb->buffer_length > 0 && !in_ep) {
        /* resolve() copies the client's buffer now (OUT data, setup packet);
         * local changes are written back when the ioctl that flushes it
         * completes, i.e. our REAPURBNDELAY.  IN buffers are resolved only at
         * reap time, with the actual length (no 64 KiB read per submit). */
        u->buf = umockdev_ioctl_data_resolve(urbd, offsetof(struct usbdevfs_urb, buffer),
                                             urb->buffer_length, &err);
        if (!u->buf) {
            g_warning("resolve buffer: %s", err ? err->message : "?");
            g_clear_error(&err);
            urb_free(u);
            umockdev_ioctl_client_complete(client, -1, EFAULT);
            return;
        }
    }

    g_mutex_lock(&emu->lock);
    emu->st.submits++;
    if (emu->unplugged) {
        g_mutex_unlock(&emu->lock);
        urb_free(u);
        umockdev_ioctl_client_complete(client, -1, ENODEV);
        return;
    }
    int hook = 0;
    switch (urb->type) {
    case USBDEVFS_URB_TYPE_CONTROL: {
        emu->st.ctrl++;
        if (urb->buffer_length < 8) { complete_urb_locked(emu, u, -EINVAL, 0); break; }
        guint8 *b = u->buf->data;
        int r = control_locked(emu, b, b + 8, urb->buffer_length - 8);
        if (r <= -1000) { hook = 1 + (-1000 - r); r = 0; }
        /* usbfs reports actual_length without the 8 setup bytes */
        complete_urb_locked(emu, u, r < 0 ? r : 0, r < 0 ? 0 : r);
        break;
    }
    case USBDEVFS_URB_TYPE_BULK:
    case USBDEVFS_URB_TYPE_INTERRUPT:
        if (urb->endpoint == 0x01) {
            emu->st.bulk_out++;
            ccid_command_locked(emu, u->buf ? u->buf->data : NULL, urb->buffer_length);
            complete_urb_locked(emu, u, 0, urb->buffer_length);
            serve_bulk_in_locked(emu);
        } else if (urb->endpoint == 0x82) {
            emu->st.bulk_in++;
            g_queue_push_tail(&emu->bulk_in, u);
            serve_bulk_in_locked(emu);
        } else if (urb->endpoint == 0x83) {
            emu->st.intr++;
            g_queue_push_tail(&emu->intr_in, u); /* held until a slot change: NAK */
            serve_intr_locked(emu);
            if (emu->auto_insert_ms && !emu->auto_insert_armed) {
                emu->auto_insert_armed = TRUE;
                GSource *s = g_timeout_source_new(emu->auto_insert_ms);
                g_source_set_callback(s, auto_insert_cb, emu, NULL);
                g_source_attach(s, emu->timer_ctx);
                g_source_unref(s);
            }
        } else {
            complete_urb_locked(emu, u, -EPIPE, 0);
        }
        break;
    default: /* isochronous: not on a CCID reader */
        g_mutex_unlock(&emu->lock);
        urb_free(u);
        umockdev_ioctl_client_complete(client, -1, EINVAL);
        return;
    }
    if (hook) card_event_locked(emu, hook == 2);
    g_mutex_unlock(&emu->lock);
    umockdev_ioctl_client_complete(client, 0, 0);
}

static void ioctl_reap(Emu *emu, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    Urb *u = NULL;
    g_mutex_lock(&emu->lock);
    emu->st.reaps++;
    for (GList *l = emu->done.head; l; l = l->next) {
        Urb *c = l->data;
        if (c->client == client) { u = c; g_queue_delete_link(&emu->done, l); break; }
    }
    fifo_update_locked(emu);
    if (!u) emu->st.reaps_eagain++;
    g_mutex_unlock(&emu->lock);

    if (!u) { /* usbfs: EAGAIN when nothing is ready (ENODEV after unplug) */
        umockdev_ioctl_client_complete(client, -1, emu->unplugged ? ENODEV : EAGAIN);
        return;
    }
    /* arg holds the client's `struct usbdevfs_urb **`; resolve that pointer
     * cell and point it at the URB we resolved in SUBMITURB: set_ptr() writes
     * the URB's *client* address there on flush, and flushes the URB struct
     * (status, actual_length) and its buffer (IN data) back to the client. */
    GError *err = NULL;
    if (u->in_data && g_bytes_get_size(u->in_data) > 0) {
        gsize n;
        const void *d = g_bytes_get_data(u->in_data, &n);
        u->buf = umockdev_ioctl_data_resolve(u->urb, offsetof(struct usbdevfs_urb, buffer), n, &err);
        if (!u->buf) {
            g_warning("reap: resolve IN buffer: %s", err ? err->message : "?");
            g_clear_error(&err);
            umockdev_ioctl_client_complete(client, -1, EFAULT);
            urb_free(u);
            return;
        }
        memcpy(u->buf->data, d, n);
    }
    UMockdevIoctlData *cell = umockdev_ioctl_data_resolve(arg, 0, sizeof(void *), &err);
    if (!cell || !umockdev_ioctl_data_set_ptr(cell, 0, u->urb)) {
        g_warning("reap: %s", err ? err->message : "set_ptr failed");
        g_clear_error(&err);
        umockdev_ioctl_client_complete(client, -1, EFAULT);
    } else {
        umockdev_ioctl_client_complete(client, 0, 0);
    }
    g_clear_object(&cell);
    urb_free(u);
}

static void ioctl_discard(Emu *emu, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    gulong addr = *(gulong *)arg->data; /* DISCARDURB passes the URB pointer by value */
    GQueue *qs[] = {&emu->bulk_in, &emu->intr_in};
    int found = 0;
    g_mutex_lock(&emu->lock);
    emu->st.discards++;
    for (unsigned q = 0; q < G_N_ELEMENTS(qs) && !found; q++)
        for (GList *l = qs[q]->head; l; l = l->next) {
            Urb *u = l->data;
            if (u->client == client && u->client_addr == addr) {
                g_queue_delete_link(qs[q], l);
                complete_urb_locked(emu, u, -ENOENT, 0); /* libusb: CANCELLED */
                found = 1;
                break;
            }
        }
    g_mutex_unlock(&emu->lock);
    umockdev_ioctl_client_complete(client, found ? 0 : -1, found ? 0 : EINVAL);
}

static gboolean put_u32(UMockdevIoctlClient *client, UMockdevIoctlData *arg, guint32 v)
{
    UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof v, NULL);
    if (!d) return FALSE;
    memcpy(d->data, &v, sizeof v);
    g_object_unref(d);
    (void)client;
    return TRUE;
}

static gboolean on_handle_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user)
{
    Emu *emu = user;
    gulong req = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
    (void)handler;
    g_mutex_lock(&emu->lock);
    emu->st.ioctls++;
    gboolean gone = emu->unplugged;
    g_mutex_unlock(&emu->lock);

    switch (req) {
    case USBDEVFS_SUBMITURB: ioctl_submiturb(emu, client, arg); return TRUE;
    case USBDEVFS_REAPURBNDELAY:
    case USBDEVFS_REAPURB: /* libusb never blocks in REAPURB; treat like NDELAY */
        ioctl_reap(emu, client, arg); return TRUE;
    case USBDEVFS_DISCARDURB: ioctl_discard(emu, client, arg); return TRUE;
    default: break;
    }
    if (gone) { umockdev_ioctl_client_complete(client, -1, ENODEV); return TRUE; }

    switch (req) {
    case USBDEVFS_GET_CAPABILITIES:
        put_u32(client, arg, USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
                             USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_BULK_SCATTER_GATHER |
                             USBDEVFS_CAP_REAP_AFTER_DISCONNECT);
        umockdev_ioctl_client_complete(client, 0, 0);
        return TRUE;
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE: {
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(unsigned int), NULL);
        unsigned int ifno = d ? *(unsigned int *)d->data : 99;
        g_clear_object(&d);
        umockdev_ioctl_client_complete(client, ifno == 0 ? 0 : -1, ifno == 0 ? 0 : ENOENT);
        return TRUE;
    }
    case USBDEVFS_DISCONNECT_CLAIM: /* claim, detaching a kernel driver: there is none */
    case USBDEVFS_SETINTERFACE:
    case USBDEVFS_SETCONFIGURATION:
    case USBDEVFS_CLEAR_HALT:
    case USBDEVFS_RESETEP:
        umockdev_ioctl_client_complete(client, 0, 0);
        return TRUE;
    case USBDEVFS_RESET:
        g_mutex_lock(&emu->lock);
        emu->card_powered = FALSE;
        g_mutex_unlock(&emu->lock);
        umockdev_ioctl_client_complete(client, 0, 0);
        return TRUE;
    case USBDEVFS_GETDRIVER: /* no kernel driver bound */
    case USBDEVFS_IOCTL:     /* connect/disconnect kernel driver */
        umockdev_ioctl_client_complete(client, -1, ENODATA);
        return TRUE;
    case USBDEVFS_GET_SPEED:
        umockdev_ioctl_client_complete(client, 2 /* USB_SPEED_FULL */, 0);
        return TRUE;
    case USBDEVFS_CONNECTINFO: {
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_connectinfo), NULL);
        if (d) {
            struct usbdevfs_connectinfo *ci = (void *)d->data;
            ci->devnum = EMU_DEV;
            ci->slow = 0;
            g_object_unref(d);
        }
        umockdev_ioctl_client_complete(client, 0, 0);
        return TRUE;
    }
    case USBDEVFS_CONTROL: { /* synchronous control ioctl (libusb: only without sysfs) */
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_ctrltransfer), NULL);
        if (!d) { umockdev_ioctl_client_complete(client, -1, EFAULT); return TRUE; }
        struct usbdevfs_ctrltransfer *ct = (void *)d->data;
        guint8 setup[8] = {ct->bRequestType, ct->bRequest, ct->wValue & 0xff, ct->wValue >> 8,
                           ct->wIndex & 0xff, ct->wIndex >> 8, ct->wLength & 0xff, ct->wLength >> 8};
        UMockdevIoctlData *buf = ct->wLength ? umockdev_ioctl_data_resolve(
            d, offsetof(struct usbdevfs_ctrltransfer, data), ct->wLength, NULL) : NULL;
        guint8 dummy[1];
        g_mutex_lock(&emu->lock);
        int r = control_locked(emu, setup, buf ? buf->data : dummy, buf ? ct->wLength : 0);
        g_mutex_unlock(&emu->lock);
        g_clear_object(&buf);
        g_object_unref(d);
        umockdev_ioctl_client_complete(client, r < 0 ? -1 : r, r < 0 ? EPIPE : 0);
        return TRUE;
    }
    default:
        g_debug("unhandled ioctl 0x%lx", req);
        umockdev_ioctl_client_complete(client, -1, ENOTTY);
        return TRUE;
    }
}

static void on_client_vanished(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user)
{
    Emu *emu = user;
    GQueue *qs[] = {&emu->bulk_in, &emu->intr_in, &emu->done};
    (void)handler;
    g_mutex_lock(&emu->lock);
    for (unsigned q = 0; q < G_N_ELEMENTS(qs); q++)
        for (GList *l = qs[q]->head, *next; l; l = next) {
            next = l->next;
            Urb *u = l->data;
            if (u->client == client) { g_queue_delete_link(qs[q], l); urb_free(u); }
        }
    fifo_update_locked(emu);
    g_mutex_unlock(&emu->lock);
}

/* ---------------------------------------------------------------- card events */

static void card_event_locked(Emu *emu, gboolean present)
{
    if (emu->card_present == present) return;
    emu->card_present = present;
    if (!present) emu->card_powered = FALSE;
    emu->slot_changed = TRUE;
    /* timestamp first (the file must exist before the client can react) */
    char *s = g_strdup_printf("%" G_GUINT64_FORMAT "\n", mono_ns());
    g_file_set_contents(emu->ts_path, s, -1, NULL);
    g_free(s);
    serve_intr_locked(emu);
}

void emu_card_event(Emu *emu, gboolean present)
{
    g_mutex_lock(&emu->lock);
    card_event_locked(emu, present);
    g_mutex_unlock(&emu->lock);
}

static gboolean auto_insert_cb(gpointer p)
{
    emu_card_event(p, TRUE);
    return G_SOURCE_REMOVE;
}

void emu_set_auto_insert(Emu *emu, guint ms) { emu->auto_insert_ms = ms; }

void emu_unplug(Emu *emu)
{
    g_mutex_lock(&emu->lock);
    emu->unplugged = TRUE;
    GQueue *qs[] = {&emu->bulk_in, &emu->intr_in};
    for (unsigned q = 0; q < G_N_ELEMENTS(qs); q++) {
        Urb *u;
        while ((u = g_queue_pop_head(qs[q])))
            complete_urb_locked(emu, u, -ESHUTDOWN, 0); /* libusb: NO_DEVICE */
    }
    g_mutex_unlock(&emu->lock);
    umockdev_testbed_uevent(emu->tb, emu->sys_intf, "remove");
    umockdev_testbed_uevent(emu->tb, emu->sys_dev, "remove");
    umockdev_testbed_remove_device(emu->tb, emu->sys_dev);
}

EmuStats emu_stats(Emu *emu)
{
    g_mutex_lock(&emu->lock);
    EmuStats s = emu->st;
    g_mutex_unlock(&emu->lock);
    return s;
}

/* ------------------------------------------------------------------- set-up */

static gpointer timer_thread_main(gpointer p)
{
    Emu *emu = p;
    g_main_context_push_thread_default(emu->timer_ctx);
    g_main_loop_run(emu->timer_loop);
    g_main_context_pop_thread_default(emu->timer_ctx);
    return NULL;
}

Emu *emu_new(void)
{
    Emu *emu = g_new0(Emu, 1);
    GError *err = NULL;
    g_mutex_init(&emu->lock);

    /* 1. testbed (creates /tmp/umockdev.XXXXXX, sets $UMOCKDEV_DIR) */
    emu->tb = umockdev_testbed_new();
    emu->root = umockdev_testbed_get_root_dir(emu->tb);
    emu->ts_path = g_build_filename(emu->root, "event_ts", NULL);

    /* 2. ioctl handler: socket $UMOCKDEV_DIR/ioctl/dev/bus/usb/001/002 */
    emu->handler = umockdev_ioctl_base_new();
    g_signal_connect(emu->handler, "handle-ioctl", G_CALLBACK(on_handle_ioctl), emu);
    g_signal_connect(emu->handler, "client-vanished", G_CALLBACK(on_client_vanished), emu);
    if (!umockdev_testbed_attach_ioctl(emu->tb, DEVNODE, emu->handler, &err))
        g_error("attach_ioctl: %s", err->message);

    /* 3. the node itself: a FIFO of one page, kept full */
    emu->node_path = g_build_filename(emu->root, DEVNODE, NULL);
    char *dir = g_path_get_dirname(emu->node_path);
    g_mkdir_with_parents(dir, 0755);
    g_free(dir);
    if (g_getenv("EMU_REGULAR_NODE")) {
        /* what umockdev would do by itself: for demonstrating the spin only */
        g_file_set_contents(emu->node_path, "", 0, NULL);
        emu->fifo_fd = -1;
    } else {
        if (mkfifo(emu->node_path, 0666) != 0) g_error("mkfifo %s: %s", emu->node_path, g_strerror(errno));
        emu->fifo_fd = open(emu->node_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (emu->fifo_fd < 0) g_error("open fifo: %s", g_strerror(errno));
        if (fcntl(emu->fifo_fd, F_SETPIPE_SZ, 4096) < 0) g_warning("F_SETPIPE_SZ: %s", g_strerror(errno));
    }
    fifo_update_locked(emu);

    /* 4. sysfs: usb_device + usb_interface */
    char vid[8], pid[8], product[32];
    g_snprintf(vid, sizeof vid, "%04x", EMU_VID);
    g_snprintf(pid, sizeof pid, "%04x", EMU_PID);
    g_snprintf(product, sizeof product, "%x/%x/100", EMU_VID, EMU_PID);
    emu->sys_dev = umockdev_testbed_add_device(
        emu->tb, "usb", "1-1", NULL,
        /* attributes (libusb's read_sysfs_attr wants a trailing newline) */
        "busnum", "1\n", "devnum", "2\n", "speed", "12\n", "idVendor", vid, "idProduct", pid,
        "bConfigurationValue", "1\n", "bNumConfigurations", "1\n", "bNumInterfaces", " 1\n",
        "bDeviceClass", "00\n", "bcdDevice", "0100\n", "version", " 1.10\n",
        "manufacturer", "Tessera\n", "product", "Tessera Emulated CCID\n", "serial", "0001\n",
        "dev", "189:1", NULL,
        /* udev properties */
        "DEVTYPE", "usb_device", "DEVNAME", DEVNODE, "BUSNUM", "001", "DEVNUM", "002",
        "MAJOR", "189", "MINOR", "1", "PRODUCT", product, "TYPE", "0/0/0",
        "ID_VENDOR_ID", vid, "ID_MODEL_ID", pid, NULL);
    /* binary attribute: device descriptor followed by all configurations */
    guint8 all[18 + CFG_TOTAL];
    memcpy(all, dev_desc, 18);
    memcpy(all + 18, cfg_desc, CFG_TOTAL);
    umockdev_testbed_set_attribute_binary(emu->tb, emu->sys_dev, "descriptors", all, sizeof all);

    emu->sys_intf = umockdev_testbed_add_device(
        emu->tb, "usb", "1-1:1.0", emu->sys_dev,
        "bInterfaceNumber", "00\n", "bAlternateSetting", " 0\n", "bNumEndpoints", "03\n",
        "bInterfaceClass", "0b\n", "bInterfaceSubClass", "00\n", "bInterfaceProtocol", "00\n", NULL,
        "DEVTYPE", "usb_interface", "INTERFACE", "11/0/0", "PRODUCT", product, "TYPE", "0/0/0", NULL);

    /* timer thread for scheduled card events */
    emu->timer_ctx = g_main_context_new();
    emu->timer_loop = g_main_loop_new(emu->timer_ctx, FALSE);
    emu->timer_thread = g_thread_new("emu-timer", timer_thread_main, emu);
    return emu;
}

void emu_free(Emu *emu)
{
    g_main_loop_quit(emu->timer_loop);
    g_thread_join(emu->timer_thread);
    g_main_loop_unref(emu->timer_loop);
    g_main_context_unref(emu->timer_ctx);
    umockdev_testbed_detach_ioctl(emu->tb, DEVNODE, NULL);
    GQueue *qs[] = {&emu->bulk_in, &emu->intr_in, &emu->done};
    for (unsigned q = 0; q < G_N_ELEMENTS(qs); q++) {
        Urb *u;
        while ((u = g_queue_pop_head(qs[q]))) urb_free(u);
    }
    g_queue_clear_full(&emu->responses, (GDestroyNotify)g_bytes_unref);
    if (emu->fifo_fd >= 0) close(emu->fifo_fd);
    g_object_unref(emu->handler);
    g_object_unref(emu->tb); /* removes the testbed directory */
    g_free(emu->root); g_free(emu->node_path); g_free(emu->sys_dev); g_free(emu->sys_intf);
    g_free(emu->ts_path);
    g_mutex_clear(&emu->lock);
    g_free(emu);
}

const char *emu_root_dir(Emu *emu) { return emu->root; }
const char *emu_sysfs_device(Emu *emu) { return emu->sys_dev; }

void emu_reexec_under_preload(char **argv)
{
    const char *pre = g_getenv("LD_PRELOAD");
    if ((pre && strstr(pre, "libumockdev-preload")) || g_getenv("EMU_NO_PRELOAD")) return;
    char *nv = pre && *pre ? g_strdup_printf("libumockdev-preload.so.0:%s", pre)
                           : g_strdup("libumockdev-preload.so.0");
    g_setenv("LD_PRELOAD", nv, TRUE);
    execv("/proc/self/exe", argv);
    g_error("re-exec under preload failed: %s", g_strerror(errno));
}

void emu_uevent(Emu *emu, const char *action)
{
    umockdev_testbed_uevent(emu->tb, emu->sys_dev, action);
    umockdev_testbed_uevent(emu->tb, emu->sys_intf, action);
}
