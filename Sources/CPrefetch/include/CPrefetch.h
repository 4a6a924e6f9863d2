#ifndef TIDEMARK_CPREFETCH_H
#define TIDEMARK_CPREFETCH_H

// Swift has no prefetch intrinsic. A prefetch is a hint that starts a cache-line load without
// waiting for it, so a batch of independent lookups can have their misses in flight together.
static inline __attribute__((always_inline)) void tidemark_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

#endif
