/* ring.c — SPSC lock-free ring; see ring.h for the contract. */
#include "ring.h"
#include <stdlib.h>
#include <string.h>

int lt_ring_init(lt_ring *r, size_t elem_size, size_t capacity) {
    size_t cap = 2;
    while (cap < capacity) cap <<= 1;
    memset(r, 0, sizeof *r);
    r->buf = calloc(cap, elem_size);
    if (!r->buf) return -1;
    r->mask = cap - 1;
    r->elem = elem_size;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    return 0;
}

void lt_ring_free(lt_ring *r) {
    free(r->buf);
    r->buf = NULL;
}

bool lt_ring_push(lt_ring *r, const void *msg) {
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head - tail > r->mask) return false;
    memcpy(r->buf + (head & r->mask) * r->elem, msg, r->elem);
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return true;
}

bool lt_ring_peek(lt_ring *r, void *msg) {
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (head == tail) return false;
    memcpy(msg, r->buf + (tail & r->mask) * r->elem, r->elem);
    return true;
}

bool lt_ring_pop(lt_ring *r, void *msg) {
    if (!lt_ring_peek(r, msg)) return false;
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
    return true;
}

size_t lt_ring_count(lt_ring *r) {
    return atomic_load_explicit(&r->head, memory_order_acquire) -
           atomic_load_explicit(&r->tail, memory_order_acquire);
}

size_t lt_ring_capacity(const lt_ring *r) { return r->mask + 1; }
