// SPDX-License-Identifier: MIT
//
// The desktop program's allocator: jemalloc (Debian's libjemalloc2, which
// redis-server already pulls in), linked into `dualscope` alone, with these
// settings. Why not glibc's malloc: the GUI hands memory from thread to thread
// (the Redis monitor's and the Kafka tail's batches are freed by the checker
// and the GUI thread), and glibc gives each thread an arena of its own whose
// freed chunks only that arena reuses. Firing 300,000 events at an unlimited
// rate, the heap peaked near 210 MB in use while the process held 315-350 MB;
// one glibc arena (MALLOC_ARENA_MAX=1) cut that to ~220 MB but halved the
// throughput, as every thread then takes one lock. jemalloc's per-thread caches
// keep the speed with one arena, and it returns pages it has not reused for
// half a second. The README's performance table gives the figures and the command.
//
// MALLOC_CONF in the environment still overrides these for one run.
extern "C" {
// NOLINTNEXTLINE: the name jemalloc looks up at its first allocation
const char *malloc_conf = "narenas:1,dirty_decay_ms:500,muzzy_decay_ms:0";
}
