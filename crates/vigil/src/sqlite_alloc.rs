//! SQLite's own allocations through mimalloc, like Rust's.
//!
//! Left to glibc, SQLite's page buffers and bound values took an arena lock
//! on every allocation a multi-threaded process makes beyond the thread cache:
//! `pthread_mutex_lock`/`unlock` were 4% of an import's writer thread.
//! Installed once, before the first connection opens; SQLite copies the table.

use rusqlite::ffi;
use std::ffi::{c_int, c_void};

unsafe extern "C" {
    // Part of the mimalloc library that `libmimalloc-sys` builds; its Rust
    // declarations sit behind a feature we do not otherwise need.
    fn mi_usable_size(p: *const c_void) -> usize;
    fn mi_good_size(size: usize) -> usize;
}

unsafe extern "C" fn malloc(n: c_int) -> *mut c_void {
    // SAFETY: any size may be asked of mimalloc; SQLite never asks < 1.
    unsafe { libmimalloc_sys::mi_malloc(n.max(1) as usize) }
}

unsafe extern "C" fn free(p: *mut c_void) {
    // SAFETY: `p` came from `malloc`/`realloc` above (or is null).
    unsafe { libmimalloc_sys::mi_free(p) }
}

unsafe extern "C" fn realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    // SAFETY: as `free`; SQLite frees rather than reallocating to 0.
    unsafe { libmimalloc_sys::mi_realloc(p, n.max(1) as usize) }
}

unsafe extern "C" fn size(p: *mut c_void) -> c_int {
    if p.is_null() {
        return 0;
    }
    // SAFETY: `p` came from `malloc`/`realloc` above. SQLite allocates at
    // most 2^31 - 1 bytes at a time, and usable sizes are rounded up by far
    // less than that.
    unsafe { mi_usable_size(p) }.min(c_int::MAX as usize) as c_int
}

unsafe extern "C" fn roundup(n: c_int) -> c_int {
    // SAFETY: a pure function of its argument.
    unsafe { mi_good_size(n.max(1) as usize) }.min(c_int::MAX as usize) as c_int
}

unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn shutdown(_: *mut c_void) {}

/// Makes SQLite allocate with mimalloc. Must run before SQLite is first used;
/// false (and nothing changed) if it was too late.
pub fn install() -> bool {
    let methods = ffi::sqlite3_mem_methods {
        xMalloc: Some(malloc),
        xFree: Some(free),
        xRealloc: Some(realloc),
        xSize: Some(size),
        xRoundup: Some(roundup),
        xInit: Some(init),
        xShutdown: Some(shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: SQLITE_CONFIG_MALLOC takes a pointer to a methods table, which
    // SQLite copies; the functions above implement its contract with mimalloc.
    // Before initialisation nothing else is allocated by SQLite; after it,
    // the call fails with SQLITE_MISUSE and changes nothing.
    unsafe {
        ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &methods as *const _) == ffi::SQLITE_OK
    }
}
