#ifndef CFUZZ_DRIVER_H
#define CFUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer with `callback` as the fuzz target, when the binary was linked with `-sanitize=fuzzer`; returns -1
/// without it. (SwiftPM gives executables their own entry point, so libFuzzer's `main` cannot be used directly.)
int sixplane_run_fuzzer(int argc, char **argv, int (*callback)(const uint8_t *data, size_t size));

#endif
