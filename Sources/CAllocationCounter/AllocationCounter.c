#include "CAllocationCounter.h"

#include <stdatomic.h>
#include <stddef.h>

// glibc's own allocator entry points. Defining malloc/calloc/realloc in the executable interposes them for every
// library in the process; forwarding to these keeps glibc's allocator (so free and malloc_usable_size still match).
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);

static _Atomic unsigned long long allocations;

void *malloc(size_t size) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    return __libc_realloc(pointer, size);
}

unsigned long long sixplane_allocation_count(void) {
    return atomic_load_explicit(&allocations, memory_order_relaxed);
}
