/* test_ring.c — the SPSC ring: order, full/empty edges, wrap-around, and a two-thread stress where a
 * producer and a consumer race through ten million messages; every message must arrive once, in
 * order, intact. */
#include "check.h"
#include "ring.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>

typedef struct msg { uint64_t seq; uint64_t check; char pad[48]; } msg;

#define N_STRESS 10000000ULL

static lt_ring ring;

static void *producer(void *arg) {
    (void)arg;
    for (uint64_t i = 0; i < N_STRESS;) {
        msg m = {i, i * 2654435761ULL ^ 0xabcdef, {0}};
        m.pad[i % 48] = (char)i;
        if (lt_ring_push(&ring, &m)) i++;
    }
    return NULL;
}

int main(void) {
    lt_ring r;
    CHECK(lt_ring_init(&r, sizeof(int), 5) == 0, "init");
    CHECK(lt_ring_capacity(&r) == 8, "capacity rounds up to a power of two: %zu", lt_ring_capacity(&r));
    int x, ok = 1;
    CHECK(!lt_ring_pop(&r, &x), "empty ring pops nothing");
    for (int i = 0; i < 8; i++) ok &= lt_ring_push(&r, &i);
    CHECK(ok, "8 pushes fit");
    x = 99;
    CHECK(!lt_ring_push(&r, &x), "the 9th push is refused (full)");
    CHECK(lt_ring_count(&r) == 8, "count 8");
    ok = 1;
    for (int round = 0; round < 1000; round++) {   /* wrap-around many times */
        int v;
        ok &= lt_ring_pop(&r, &v) && v == round;
        int w = round + 8;
        ok &= lt_ring_push(&r, &w);
    }
    CHECK(ok, "FIFO order kept across 1000 wrap-arounds");
    int v;
    CHECK(lt_ring_peek(&r, &v) && v == 1000 && lt_ring_count(&r) == 8, "peek does not remove");
    lt_ring_free(&r);

    CHECK(lt_ring_init(&ring, sizeof(msg), 1024) == 0, "init stress ring");
    pthread_t th;
    pthread_create(&th, NULL, producer, NULL);
    uint64_t expect = 0, bad = 0;
    while (expect < N_STRESS) {
        msg m;
        if (!lt_ring_pop(&ring, &m)) continue;
        if (m.seq != expect || m.check != (expect * 2654435761ULL ^ 0xabcdef) || m.pad[expect % 48] != (char)expect) bad++;
        expect++;
    }
    pthread_join(th, NULL);
    CHECK(bad == 0, "two threads, %llu messages: %llu arrived out of order or torn", (unsigned long long)N_STRESS,
          (unsigned long long)bad);
    CHECK(lt_ring_count(&ring) == 0, "ring drained");
    lt_ring_free(&ring);
    return check_done("test_ring");
}
