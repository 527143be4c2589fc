/* fencing.c — see fencing.h (being written: requests are refused for now). */
#include "autoconf.h"

#include <errno.h>
#include <stddef.h>

#include "fencing.h"

const char *
rv_fencing_req_outcome_name(enum rv_fencing_req_outcome out)
{
	switch (out) {
	case RV_FENCING_REQ_FENCED: return "fenced";
	case RV_FENCING_REQ_PEER_OUTDATED: return "peer-outdated";
	case RV_FENCING_REQ_PEER_INCONSISTENT: return "peer-inconsistent";
	case RV_FENCING_REQ_FAILED: return "failed";
	case RV_FENCING_REQ_REFUSED: return "refused";
	}
	return "invalid";
}

int
rv_fencing_request(struct rv_ctx *ctx, const char *reason, rv_fencing_req_fn done,
		   void *data)
{
	(void)ctx; (void)reason; (void)done; (void)data;
	return -EINVAL;
}

void
rv_fencing_request_cancel(struct rv_ctx *ctx, void *data)
{
	(void)ctx; (void)data;
}
