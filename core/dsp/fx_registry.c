/* fx_registry.c — the list of every mix-side processor (fx.h), in one fixed order: the order help()
 * lists them in.  A new unit adds its def here and nowhere else. */
#include <string.h>
#include "graph/fx.h"
#include "dsp/fx_master.h"

/* Each family file exports its defs; declare them here as they are added. */

const lt_fx_def *const lt_fx_defs[] = {
    &lt_fx_lineq, &lt_fx_mineq, &lt_fx_mbcomp, &lt_fx_softclip, &lt_fx_mwidth, &lt_fx_limiter,   /* mastering */
    NULL
};
const int lt_fx_count = (int)(sizeof lt_fx_defs / sizeof lt_fx_defs[0]) - 1;

const lt_fx_def *lt_fx_find(const char *name) {
    for (int i = 0; i < lt_fx_count; i++)
        if (strcmp(lt_fx_defs[i]->name, name) == 0) return lt_fx_defs[i];
    return NULL;
}

int lt_fx_param_index(const lt_fx_def *d, const char *name) {
    for (int i = 0; i < d->nparams; i++)
        if (strcmp(d->params[i].name, name) == 0) return i;
    return -1;
}
