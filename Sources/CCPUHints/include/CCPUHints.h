#ifndef TIDEMARK_CCPUHINTS_H
#define TIDEMARK_CCPUHINTS_H

// Processor hints Swift has no intrinsic for.

// A prefetch starts a cache-line load without waiting for it, so a batch of independent lookups
// can have their misses in flight together.
static inline __attribute__((always_inline)) void tidemark_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

// Tells the core it is in a spin-wait loop (x86 PAUSE, ARM YIELD): less power, and the sibling
// hyper-thread and the lock holder get the pipeline.
static inline __attribute__((always_inline)) void tidemark_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

#endif
