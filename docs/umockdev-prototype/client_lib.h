#pragma once
typedef struct {
    int insert_wait_ms;  /* how long to wait for the insertion notification */
    int iterations;      /* bulk round trips to time */
    void (*test_unplug_hook)(void *); /* in-process only: unplug before the end */
    void *hook_data;
} ClientOptions;

int run_client(const ClientOptions *opt);
