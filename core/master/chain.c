/* chain.c — see chain.h. */
#include "master/chain.h"
#include "quantum.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lt_chain_init(lt_chain *c, float sr) {
    memset(c, 0, sizeof *c);
    c->sr = sr;
}

int lt_chain_add(lt_chain *c, const lt_fx_def *def, const float *params, float mix, const lt_fx_data *data,
                 char *err, size_t errlen) {
    if (c->n >= LT_CHAIN_MAX) { snprintf(err, errlen, "a chain holds at most %d units", LT_CHAIN_MAX); return -1; }
    lt_chain_unit *u = &c->u[c->n];
    memset(u, 0, sizeof *u);
    u->def = def;
    for (int i = 0; i < def->nparams; i++) u->params[i] = params ? params[i] : def->params[i].def;
    u->mix = (def->flags & LT_FX_NO_MIX) ? 1 : mix;
    if (data && data->samples) {
        size_t n = (size_t)data->frames * data->channels;
        u->data_samples = malloc(sizeof(float) * (n ? n : 1));
        if (!u->data_samples) goto nomem;
        memcpy(u->data_samples, data->samples, sizeof(float) * n);
        u->data = *data;
        u->data.samples = u->data_samples;
    }
    const lt_fx_data *d = u->data_samples ? &u->data : NULL;
    size_t sz = def->size(c->sr, d);
    u->st = calloc(1, sz ? sz : 1);
    if (!u->st) goto nomem;
    def->init(u->st, c->sr, u->params, d);
    u->latency = def->latency ? def->latency(u->st) : 0;
    if (u->mix < 1) {
        u->dry_len = u->latency + LT_QUANTUM;
        u->dry = calloc((size_t)u->dry_len * 2, sizeof(float));
        if (!u->dry) goto nomem;
    }
    c->n++;
    return 0;
nomem:
    free(u->data_samples);
    free(u->st);
    snprintf(err, errlen, "out of memory for %s", def->name);
    return -1;
}

int lt_chain_latency(const lt_chain *c) {
    int l = 0;
    for (int i = 0; i < c->n; i++) l += c->u[i].latency;
    return l;
}

int lt_chain_run(lt_chain *c, const float *in, float *out, int64_t frames, char *err, size_t errlen) {
    (void)err; (void)errlen;
    int lat = lt_chain_latency(c);
    float l[LT_QUANTUM], r[LT_QUANTUM], kl[LT_QUANTUM], kr[LT_QUANTUM], zeros[LT_FX_MAX_PARAMS] = {0};
    for (int k = 0; k < c->n; k++) {
        lt_chain_unit *u = &c->u[k];
        if (u->def->reset) u->def->reset(u->st);
        u->max_reduction = 0;
        if (u->dry) { memset(u->dry, 0, sizeof(float) * 2 * u->dry_len); u->dry_pos = 0; }
    }
    /* The input may be the output buffer: what is read at t is written at t - lat, never ahead. */
    for (int64_t t = 0; t < frames + lat; t += LT_QUANTUM) {
        int n = (int)(frames + lat - t < LT_QUANTUM ? frames + lat - t : LT_QUANTUM);
        for (int i = 0; i < n; i++) {
            int64_t s = t + i;
            l[i] = s < frames ? in[2 * s] : 0;
            r[i] = s < frames ? in[2 * s + 1] : 0;
        }
        for (int k = 0; k < c->n; k++) {
            lt_chain_unit *u = &c->u[k];
            memcpy(kl, l, sizeof(float) * n);
            memcpy(kr, r, sizeof(float) * n);
            if (u->dry)
                for (int i = 0; i < n; i++) {
                    int p = (u->dry_pos + i) % u->dry_len;
                    u->dry[2 * p] = l[i];
                    u->dry[2 * p + 1] = r[i];
                }
            lt_fx_block b = {.n = n, .l = l, .r = r, .kl = kl, .kr = kr, .p = u->params, .dp = zeros, .sr = c->sr, .bpm = 120};
            u->def->process(u->st, &b);
            if (u->def->reduction) {
                float red = u->def->reduction(u->st);
                if (red > u->max_reduction) u->max_reduction = red;
            }
            if (u->dry) {
                for (int i = 0; i < n; i++) {
                    int p = (u->dry_pos + i - u->latency + 4 * u->dry_len) % u->dry_len;
                    l[i] = u->dry[2 * p] + u->mix * (l[i] - u->dry[2 * p]);
                    r[i] = u->dry[2 * p + 1] + u->mix * (r[i] - u->dry[2 * p + 1]);
                }
                u->dry_pos = (u->dry_pos + n) % u->dry_len;
            }
        }
        for (int i = 0; i < n; i++) {
            int64_t o = t + i - lat;
            if (o < 0) continue;
            out[2 * o] = l[i];
            out[2 * o + 1] = r[i];
        }
    }
    return 0;
}

void lt_chain_free(lt_chain *c) {
    for (int k = 0; k < c->n; k++) {
        free(c->u[k].st);
        free(c->u[k].data_samples);
        free(c->u[k].dry);
    }
    c->n = 0;
}
