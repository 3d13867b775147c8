/* alloc_count.h — counting the allocations a piece of code makes, for the tests that assert "no
 * allocation on the audio thread": the test program's own malloc family forwards to glibc's and counts
 * while `counting` is set.  Sanitizer builds bring their own allocator, so there nothing is counted
 * and COUNT_ALLOCS is 0 (a test then skips its allocation checks).  Include it in one .c file only. */
#ifndef LT_TEST_ALLOC_COUNT_H
#define LT_TEST_ALLOC_COUNT_H
#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_ALLOCS 0
#endif
#endif
#ifndef COUNT_ALLOCS
#define COUNT_ALLOCS 1
#endif

static int counting, allocs;
#if COUNT_ALLOCS
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
void *malloc(size_t n) { if (counting) allocs++; return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { if (counting) allocs++; return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { if (counting) allocs++; return __libc_realloc(p, n); }
void *aligned_alloc(size_t a, size_t n) { if (counting) allocs++; return __libc_memalign(a, n); }
#endif
#define COUNT(on) (counting = (on))
#endif
