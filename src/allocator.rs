//! jemalloc as the global allocator, handing freed pages back at once.
//!
//! With glibc's allocator the collector threads' arenas kept what they freed
//! (file texts, per-file lists) mapped beside the chain built next; jemalloc
//! with its default ten-second decay does the same for a run shorter than
//! that. No decay returns them as they are freed: on the 1000-service
//! monorepo of BENCHMARKS.md the peak went from 86 to 62 MiB, and the run got
//! faster, not slower. `_RJEM_MALLOC_CONF` in the environment still
//! overrides the setting below.

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's `malloc_conf`: a C string it reads once, at start-up.
#[repr(transparent)]
struct MallocConf(*const std::ffi::c_char);

// SAFETY: the pointer is to a constant string, never written.
unsafe impl Sync for MallocConf {}

#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: MallocConf = MallocConf(c"dirty_decay_ms:0,muzzy_decay_ms:0".as_ptr());
