//go:build cgo && linux

package cmem

// #include <malloc.h>
// static int fg_limit_arenas(int n) {
// #ifdef M_ARENA_MAX
//   return mallopt(M_ARENA_MAX, n);
// #else
//   return 0;
// #endif
// }
// static void fg_stats(size_t *heap, size_t *mmapped, size_t *used, size_t *free_) {
// #if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
//   struct mallinfo2 m = mallinfo2();
//   *heap = m.arena; *mmapped = m.hblkhd; *used = m.uordblks + m.hblkhd; *free_ = m.fordblks;
// #else
//   *heap = *mmapped = *used = *free_ = 0;
// #endif
// }
// static int fg_mmap_threshold(int n) {
// #ifdef M_MMAP_THRESHOLD
//   return mallopt(M_MMAP_THRESHOLD, n);
// #else
//   return 0;
// #endif
// }
// static int fg_trim(void) {
// #ifdef __GLIBC__
//   return malloc_trim(0);
// #else
//   return 0;
// #endif
// }
import "C"

// LimitArenas caps glibc's malloc arenas at n. Call it before the C side
// allocates from many threads (at program start). It reports whether the
// allocator took it.
func LimitArenas(n int) bool { return C.fg_limit_arenas(C.int(n)) == 1 }

// MmapLarge makes glibc serve every allocation of n bytes or more with
// mmap of its own, given back to the kernel when freed. By default the
// threshold grows (up to 32 MB) each time such a block is freed, so the
// decoders' large buffers end up in the arenas and stay resident after
// they are freed. It reports whether the allocator took it.
func MmapLarge(n int) bool { return C.fg_mmap_threshold(C.int(n)) == 1 }

// Trim gives the C heap's free pages back to the kernel (malloc_trim),
// in every arena. It takes a few milliseconds; call it when idle.
func Trim() bool { return C.fg_trim() == 1 }

// Stats is the C heap as glibc counts it (mallinfo2, every arena).
type Stats struct {
	Heap    uint64 // bytes in the arenas' heaps (sbrk and mmapped heaps)
	Mmapped uint64 // bytes in large blocks mmapped on their own
	InUse   uint64 // bytes allocated and not freed (heap and mmapped)
	Free    uint64 // bytes free in the arenas, kept from the kernel until trimmed
}

// ReadStats reads the C heap's counters. It walks every arena: call it
// for metrics and tests, not per image.
func ReadStats() Stats {
	var heap, mm, used, free C.size_t
	C.fg_stats(&heap, &mm, &used, &free)
	return Stats{Heap: uint64(heap), Mmapped: uint64(mm), InUse: uint64(used), Free: uint64(free)}
}
