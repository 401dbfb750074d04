package vips

/*
#include <malloc.h>
#include <stdlib.h>

// libvips allocates on whichever OS thread a cgo call lands, and glibc's
// default of 8 malloc arenas per core keeps freed pixel buffers spread
// across them. Two arenas bound the peak RSS under 32 in-flight 16 MP renders
// to about 300 MB instead of 420-500 MB, at the same throughput. This runs at
// load time, before the Go runtime starts threads (mallopt later is too late:
// threads keep the arenas they already have). MALLOC_ARENA_MAX, when set,
// wins.
__attribute__((constructor)) static void easel_limit_malloc_arenas(void) {
	if (getenv("MALLOC_ARENA_MAX") == NULL) {
		mallopt(M_ARENA_MAX, 2);
	}
}
*/
import "C"
