#ifndef CALLOCATION_COUNTER_H
#define CALLOCATION_COUNTER_H

/// Heap allocations (malloc, calloc, realloc) made by this process so far, for benchmarks that must show that a
/// hot path allocates nothing. Linked into the `sixplane` binary, whose malloc family it wraps.
unsigned long long sixplane_allocation_count(void);

#endif
