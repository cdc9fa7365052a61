#include "CFuzzDriver.h"

// Present only when libFuzzer is linked in; weak so that ordinary builds link too.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size))
    __attribute__((weak));

int sixplane_run_fuzzer(int argc, char **argv, int (*callback)(const uint8_t *data, size_t size)) {
    if (!LLVMFuzzerRunDriver) return -1;
    return LLVMFuzzerRunDriver(&argc, &argv, callback);
}
