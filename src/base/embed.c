/* embed.c: lookup of the files that scripts/embed.sh compiled in from data/. */
#include "base/base.h"

#include <string.h>

const struct eg_embedded *eg_embedded_find(const char *path)
{
    for (const struct eg_embedded *e = eg_embedded_files; e->path; e++)
        if (!strcmp(e->path, path))
            return e;
    return NULL;
}
