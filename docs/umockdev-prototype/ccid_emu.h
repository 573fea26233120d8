/* Prototype: a software USB CCID reader served to libusb through umockdev's
 * ioctl API (umockdev >= 0.16).  See NOTES.md. */
#pragma once
#include <glib.h>
#include <stdint.h>

#define EMU_VID 0x1209 /* pid.codes */
#define EMU_PID 0x0001 /* pid.codes test PID */
#define EMU_BUS 1
#define EMU_DEV 2

typedef struct Emu Emu;

/* Creates the testbed (sets $UMOCKDEV_DIR in this process), attaches the
 * ioctl handler, creates the FIFO node and the sysfs devices.  The calling
 * process must run under libumockdev-preload (see emu_reexec_under_preload). */
Emu *emu_new(void);
void emu_free(Emu *emu);

const char *emu_root_dir(Emu *emu);
const char *emu_sysfs_device(Emu *emu); /* "/sys/devices/1-1" */

/* Card insertion/removal: updates the slot and completes a held interrupt-IN
 * URB with RDR_to_PC_NotifySlotChange (or latches the change until one is
 * submitted).  Thread-safe.  Writes CLOCK_MONOTONIC ns of the event into
 * $UMOCKDEV_DIR/event_ts before the client can see the completion. */
void emu_card_event(Emu *emu, gboolean present);

/* Simulated unplug: every pending URB completes with -ESHUTDOWN, later
 * submits fail with ENODEV, sysfs device removed + "remove" uevent. */
void emu_unplug(Emu *emu);

/* Auto-insert the card this many ms after the first interrupt-IN URB is held
 * (0 = never). */
void emu_set_auto_insert(Emu *emu, guint ms);

/* Counters, for the report. */
typedef struct {
    guint64 ioctls, submits, reaps, reaps_eagain, discards, ctrl, bulk_out, bulk_in, intr;
} EmuStats;
EmuStats emu_stats(Emu *emu);

/* Re-exec the current program under libumockdev-preload.so.0 if LD_PRELOAD
 * does not already contain it.  Call first thing in main(). */
void emu_reexec_under_preload(char **argv);

guint64 mono_ns(void);

/* Send a uevent ("add"/"remove"/"change") for the usb_device and its interface. */
void emu_uevent(Emu *emu, const char *action);
