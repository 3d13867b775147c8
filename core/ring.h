/* ring.h — single-producer single-consumer lock-free ring of fixed-size messages, the only way
 * lute's threads meet (after JACK's ringbuffer.c).  Capacity is a power of two; head and tail are
 * C11 atomics with acquire/release ordering, so a message is fully written before it is seen.
 *
 * Contract: exactly one writer thread calls lt_ring_push, exactly one reader thread calls
 * lt_ring_pop/lt_ring_peek; the two roles are never swapped while the ring is in use.
 * init/free run on the control thread before/after both sides are running.
 * RT-safe: push, pop, peek, count — yes (no allocation, no locks, no system calls). */
#ifndef LT_RING_H
#define LT_RING_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct lt_ring {
    _Atomic size_t head;      /* next slot to write; written by the producer only */
    char pad1[64 - sizeof(size_t)];
    _Atomic size_t tail;      /* next slot to read; written by the consumer only */
    char pad2[64 - sizeof(size_t)];
    size_t mask;              /* capacity - 1 */
    size_t elem;              /* bytes per message */
    unsigned char *buf;
} lt_ring;

/* capacity is rounded up to a power of two.  Returns 0, or -1 when out of memory. */
int    lt_ring_init(lt_ring *r, size_t elem_size, size_t capacity);
void   lt_ring_free(lt_ring *r);
bool   lt_ring_push(lt_ring *r, const void *msg);   /* false when full: the message is not written */
bool   lt_ring_pop(lt_ring *r, void *msg);          /* false when empty */
bool   lt_ring_peek(lt_ring *r, void *msg);         /* copies the oldest message without removing it */
size_t lt_ring_count(lt_ring *r);                   /* messages waiting (a snapshot) */
size_t lt_ring_capacity(const lt_ring *r);
#endif
