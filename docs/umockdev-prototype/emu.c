/* emu: the emulated CCID reader.
 *   emu --selftest [--iterations N]   emulator + libusb client in one process
 *   emu --serve [--insert-after MS]   emulator only; a client process joins via
 *                                     UMOCKDEV_DIR (printed on stdout) + preload.
 *                                     stdin commands: insert | remove | unplug |
 *                                     uevent-add | uevent-remove | stats | quit */
#define _GNU_SOURCE
#include "ccid_emu.h"
#include "client_lib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <umockdev.h>

static void print_stats(Emu *emu)
{
    EmuStats s = emu_stats(emu);
    printf("INFO emulator: %" G_GUINT64_FORMAT " ioctls, %" G_GUINT64_FORMAT " SUBMITURB (%" G_GUINT64_FORMAT
           " ctrl, %" G_GUINT64_FORMAT " bulk-out, %" G_GUINT64_FORMAT " bulk-in, %" G_GUINT64_FORMAT
           " intr), %" G_GUINT64_FORMAT " REAPURBNDELAY (%" G_GUINT64_FORMAT " EAGAIN), %" G_GUINT64_FORMAT
           " DISCARDURB\n",
           s.ioctls, s.submits, s.ctrl, s.bulk_out, s.bulk_in, s.intr, s.reaps, s.reaps_eagain, s.discards);
    fflush(stdout);
}

static Emu *g_emu;
static void unplug_hook(void *p) { emu_unplug(p); }

static gpointer client_thread(gpointer p)
{
    const ClientOptions *o = p;
    return GINT_TO_POINTER(run_client(o));
}

int main(int argc, char **argv)
{
    emu_reexec_under_preload(argv); /* the preload must be in this process */
    gboolean selftest = FALSE, serve = FALSE;
    int iterations = 1000, insert_after = 2000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--selftest")) selftest = TRUE;
        else if (!strcmp(argv[i], "--serve")) serve = TRUE;
        else if (!strcmp(argv[i], "--iterations") && i + 1 < argc) iterations = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--insert-after") && i + 1 < argc) insert_after = atoi(argv[++i]);
        else { fprintf(stderr, "usage: emu --selftest|--serve [--iterations N] [--insert-after MS]\n"); return 2; }
    }
    if (selftest == serve) { fprintf(stderr, "need exactly one of --selftest, --serve\n"); return 2; }

    guint64 t0 = mono_ns();
    g_emu = emu_new();
    printf("INFO testbed %s set up in %.1f ms (umockdev %s)\n", emu_root_dir(g_emu), (mono_ns() - t0) / 1e6,
           "0.17.16");
    emu_set_auto_insert(g_emu, insert_after);

    int rc = 0;
    if (selftest) {
        ClientOptions o = {.insert_wait_ms = insert_after + 3000, .iterations = iterations,
                           .test_unplug_hook = unplug_hook, .hook_data = g_emu};
        GThread *th = g_thread_new("client", client_thread, &o);
        rc = GPOINTER_TO_INT(g_thread_join(th));
        print_stats(g_emu);
    } else {
        printf("UMOCKDEV_DIR=%s\nREADY\n", emu_root_dir(g_emu));
        fflush(stdout);
        char line[128];
        while (fgets(line, sizeof line, stdin)) {
            g_strstrip(line);
            if (!strcmp(line, "insert")) emu_card_event(g_emu, TRUE);
            else if (!strcmp(line, "remove")) emu_card_event(g_emu, FALSE);
            else if (!strcmp(line, "unplug")) emu_unplug(g_emu);
            else if (!strcmp(line, "uevent-add")) emu_uevent(g_emu, "add");
            else if (!strcmp(line, "uevent-remove")) emu_uevent(g_emu, "remove");
            else if (!strcmp(line, "stats")) print_stats(g_emu);
            else if (!strcmp(line, "quit")) break;
            else if (*line) fprintf(stderr, "emu: unknown command '%s'\n", line);
            printf("OK %s\n", line);
            fflush(stdout);
        }
        print_stats(g_emu);
    }
    emu_free(g_emu);
    return rc;
}
