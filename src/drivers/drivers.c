/* drivers.c - the registry: driver name -> driver table. */
#include <string.h>

#include "drivers.h"
#include "../common/errors.h"
#include "../common/log.h"

static const struct compute_driver *const computes[] = {
	&compute_noop_driver, &compute_netns_driver };
static const struct network_driver *const networks[] = {
	&network_noop_driver, &network_local_driver };
static const struct amphora_driver *const amphorae[] = {
	&amphora_noop_driver, &amphora_haproxy_rest_driver };

#define FIND(table, want, out)                                          \
	do {                                                            \
		size_t i_;                                              \
		(out) = NULL;                                           \
		for (i_ = 0; i_ < sizeof(table) / sizeof(*(table)); i_++) \
			if (strcmp((table)[i_]->name, (want)) == 0)     \
				(out) = (table)[i_];                    \
	} while (0)

int
drivers_select(struct drivers *out, const char *compute, const char *network,
    const char *amphora)
{
	FIND(computes, compute, out->compute);
	FIND(networks, network, out->network);
	FIND(amphorae, amphora, out->amphora);
	if (!out->compute)
		log_error("unknown compute_driver=%s", compute);
	if (!out->network)
		log_error("unknown network_driver=%s", network);
	if (!out->amphora)
		log_error("unknown amphora_driver=%s", amphora);
	return out->compute && out->network && out->amphora ? 0 :
	    -OCTA_EINVAL;
}
