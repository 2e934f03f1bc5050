// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * RFC 6298 retransmission timeout estimator. Values are kept in
 * microseconds; at that resolution the RFC's 1/8 and 1/4 gains can be
 * applied with plain integer division without a visible rounding bias.
 */
#include "tcp_rto.h"

static u32 rto_clamp(u64 us)
{
	if (us < TOE_TCP_RTO_MIN_US)
		return TOE_TCP_RTO_MIN_US;
	if (us > TOE_TCP_RTO_MAX_US)
		return TOE_TCP_RTO_MAX_US;
	return (u32)us;
}

void toe_tcp_rto_init(struct toe_tcp_rto *r)
{
	r->srtt_us = 0;
	r->rttvar_us = 0;
	r->base_us = TOE_TCP_RTO_INITIAL_US;
	r->backoff = 0;
	r->have_sample = false;
}

void toe_tcp_rto_sample(struct toe_tcp_rto *r, u32 rtt_us)
{
	u32 var4;

	/* A zero sample (same-millisecond echo) still carries information. */
	if (rtt_us > TOE_TCP_RTO_MAX_US)
		rtt_us = TOE_TCP_RTO_MAX_US;
	if (!r->have_sample) {
		/* RFC 6298 2.2 */
		r->srtt_us = rtt_us;
		r->rttvar_us = rtt_us / 2;
		r->have_sample = true;
	} else {
		/* RFC 6298 2.3: RTTVAR first, with the old SRTT. */
		u32 err = r->srtt_us > rtt_us ? r->srtt_us - rtt_us :
						rtt_us - r->srtt_us;

		r->rttvar_us = r->rttvar_us - r->rttvar_us / 4 + err / 4;
		r->srtt_us = r->srtt_us - r->srtt_us / 8 + rtt_us / 8;
	}
	var4 = r->rttvar_us * 4;
	if (var4 < TOE_TCP_RTO_GRANULARITY_US)
		var4 = TOE_TCP_RTO_GRANULARITY_US;
	r->base_us = rto_clamp((u64)r->srtt_us + var4);
	r->backoff = 0;
}

void toe_tcp_rto_backoff(struct toe_tcp_rto *r)
{
	/* 2^9 * 200 ms already exceeds the 60 s bound. */
	if (r->backoff < 16)
		r->backoff++;
}

u32 toe_tcp_rto_current(const struct toe_tcp_rto *r)
{
	return rto_clamp((u64)r->base_us << r->backoff);
}
