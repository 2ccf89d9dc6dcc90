//! The process's allocator: mimalloc for everything small, the system's own pages for large
//! blocks, so that memory taken by a burst of large bodies goes back to the system the moment
//! they are freed.
//!
//! mimalloc keeps freed memory for reuse and returns it only on later allocator activity of the
//! thread that owns it (a large block freed by another worker waits in its owner's queue). A
//! listener that goes quiet after 30 bodies of 9 MiB kept them all: 290 MB still resident 15 s
//! later. Blocks of a mebibyte or more — large bodies, a big export's buffer, hardly ever
//! anything on the request path — are mapped directly instead, and unmapped when freed: one
//! `mmap` and one `munmap` each, next to the copying of a mebibyte that is small.

pub mod slab;

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc;

/// Blocks from this size on get pages of their own.
pub const MAPPED_FROM: usize = 1 << 20;

/// mimalloc, with blocks of [`MAPPED_FROM`] bytes or more mapped from the system directly.
pub struct Allocator;

#[cfg(unix)]
mod pages {
    use std::ptr;

    /// Pages are aligned to at least this, whatever the system's page size.
    pub const ALIGN: usize = 4096;

    pub fn map(size: usize) -> *mut u8 {
        // SAFETY: an anonymous private mapping at an address of the kernel's choosing touches no
        // existing memory.
        let address = unsafe {
            libc::mmap(
                ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if address == libc::MAP_FAILED {
            ptr::null_mut()
        } else {
            address.cast()
        }
    }

    /// # Safety
    /// `address` and `size` are those of a block returned by [`map`] (or [`remap`]).
    pub unsafe fn unmap(address: *mut u8, size: usize) {
        // SAFETY: the caller's promise; the block is not used after this.
        unsafe { libc::munmap(address.cast(), size) };
    }

    /// A mapped block grown or shrunk to `new_size`, moved if need be; null when that fails
    /// (the old block is then unchanged).
    ///
    /// # Safety
    /// As for [`unmap`].
    #[cfg(target_os = "linux")]
    pub unsafe fn remap(address: *mut u8, size: usize, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's promise; the kernel moves the pages without copying them.
        let moved = unsafe { libc::mremap(address.cast(), size, new_size, libc::MREMAP_MAYMOVE) };
        if moved == libc::MAP_FAILED {
            ptr::null_mut()
        } else {
            moved.cast()
        }
    }
}

/// Whether a block of this layout is mapped rather than taken from mimalloc.
#[cfg(unix)]
fn mapped(layout: Layout) -> bool {
    layout.size() >= MAPPED_FROM && layout.align() <= pages::ALIGN
}

#[cfg(not(unix))]
fn mapped(_: Layout) -> bool {
    false
}

// SAFETY: every block is freed by the allocator that made it: whether a block is mapped depends
// only on its layout, which the caller passes back unchanged (`realloc` moves a block between
// the two when its new size crosses the line).
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        #[cfg(unix)]
        if mapped(layout) {
            return pages::map(layout.size());
        }
        // SAFETY: the caller's promises are mimalloc's.
        unsafe { MiMalloc.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        #[cfg(unix)]
        if mapped(layout) {
            // Fresh anonymous pages are zero.
            return pages::map(layout.size());
        }
        // SAFETY: as for `alloc`.
        unsafe { MiMalloc.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        #[cfg(unix)]
        if mapped(layout) {
            // SAFETY: a block of this layout was mapped, with this size.
            unsafe { pages::unmap(ptr, layout.size()) };
            return;
        }
        // SAFETY: a block of this layout came from mimalloc.
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `GlobalAlloc::realloc` promises that this layout is valid.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (mapped(layout), mapped(new_layout)) {
            // SAFETY: the block came from mimalloc and stays there.
            (false, false) => unsafe { MiMalloc.realloc(ptr, layout, new_size) },
            #[cfg(target_os = "linux")]
            // SAFETY: the block was mapped with this size.
            (true, true) => unsafe { pages::remap(ptr, layout.size(), new_size) },
            _ => {
                // Across the line (or without `mremap`): a new block, a copy, the old one freed.
                // SAFETY: `new_layout` has a non-zero size (the caller's promise).
                let moved = unsafe { self.alloc(new_layout) };
                if !moved.is_null() {
                    // SAFETY: both blocks are live, distinct and at least this long.
                    unsafe {
                        std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                moved
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes and reads back a block through every path: small, large, and across the line in
    /// both directions.
    #[test]
    fn blocks_keep_their_bytes_across_the_line() {
        let sizes = [64, MAPPED_FROM - 1, MAPPED_FROM, 3 * MAPPED_FROM + 5, 100];
        let mut layout = Layout::from_size_align(sizes[0], 8).unwrap();
        // SAFETY: the layout has a non-zero size; every block is freed with its own layout.
        unsafe {
            let mut block = Allocator.alloc(layout);
            assert!(!block.is_null());
            block.write_bytes(0xA5, layout.size());
            for &size in &sizes[1..] {
                let kept = layout.size().min(size);
                block = Allocator.realloc(block, layout, size);
                assert!(!block.is_null(), "{size}");
                let bytes = std::slice::from_raw_parts(block, kept);
                assert!(bytes.iter().all(|&b| b == 0xA5), "{size}");
                layout = Layout::from_size_align(size, 8).unwrap();
                block.write_bytes(0xA5, size);
            }
            Allocator.dealloc(block, layout);

            let large = Layout::from_size_align(2 * MAPPED_FROM, 64).unwrap();
            let zeroed = Allocator.alloc_zeroed(large);
            assert!(!zeroed.is_null());
            assert!(
                std::slice::from_raw_parts(zeroed, large.size())
                    .iter()
                    .all(|&b| b == 0)
            );
            Allocator.dealloc(zeroed, large);
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_freed_large_block_leaves_the_process() {
        fn resident_kib() -> u64 {
            let status = std::fs::read_to_string("/proc/self/status").unwrap();
            let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
            line.split_whitespace().nth(1).unwrap().parse().unwrap()
        }
        let layout = Layout::from_size_align(64 << 20, 8).unwrap();
        // SAFETY: a non-zero size, freed with its own layout.
        unsafe {
            let block = Allocator.alloc(layout);
            assert!(!block.is_null());
            block.write_bytes(1, layout.size());
            let touched = resident_kib();
            Allocator.dealloc(block, layout);
            // Other tests allocate meanwhile, but far less than the 64 MiB given back.
            let after = resident_kib();
            assert!(
                touched >= after + 32 * 1024,
                "{touched} kB, then {after} kB"
            );
        }
    }
}
