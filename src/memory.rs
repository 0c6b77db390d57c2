//! Handing back to the operating system what a finished phase freed.
//!
//! The collectors run on a thread pool, and glibc's allocator gives each
//! thread an arena of its own: what the collection phase frees there stays
//! mapped in the process, beside the chain the main thread builds next, until
//! the run ends. Rust's own allocations go to jemalloc where it builds
//! (`src/allocator.rs`); glibc still holds tree-sitter's parse trees (C code)
//! there, and everything where jemalloc is not used. Trimming after each
//! phase returns those pages.

/// Return the free pages of every allocator arena to the operating system.
/// Only glibc keeps them; elsewhere this does nothing.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: `malloc_trim` only walks glibc's own arenas and takes no
        // pointer of ours; any thread may call it at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}
