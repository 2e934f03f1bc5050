/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The retransmission timeout estimator of RFC 6298.
 *
 * Choices (see docs/engine-tcp.md):
 *  - the initial RTO is 1 s (RFC 6298 2.1);
 *  - the lower bound is 200 ms rather than the RFC's 1 s (RFC 6298 2.4
 *    allows it; it is what Linux and most current stacks use, and with a
 *    1 s floor a single loss on a LAN stalls a connection for a second);
 *  - the upper bound is 60 s (RFC 6298 2.5);
 *  - the clock granularity G is 1 ms, the resolution of our timestamps;
 *  - Karn's algorithm: the caller passes only samples from segments that
 *    were not retransmitted, or from timestamp echoes (RFC 7323 4.1);
 *  - after a timeout the RTO doubles (2.5) up to the bound, and a new
 *    valid sample clears the backoff (5.7).
 */
#ifndef TOE_TCP_RTO_H
#define TOE_TCP_RTO_H

#include "toe_os.h"

#define TOE_TCP_RTO_INITIAL_US 1000000u
#define TOE_TCP_RTO_MIN_US 200000u
#define TOE_TCP_RTO_MAX_US 60000000u
#define TOE_TCP_RTO_GRANULARITY_US 1000u

struct toe_tcp_rto {
	u32 srtt_us;	/* smoothed round-trip time; 0 until the first sample */
	u32 rttvar_us;	/* round-trip time variation */
	u32 base_us;	/* RTO computed from the estimate, before backoff */
	u8 backoff;	/* number of doublings since the last sample */
	bool have_sample;
};

void toe_tcp_rto_init(struct toe_tcp_rto *r);

/* Feeds one round-trip measurement (microseconds) into the estimator. */
void toe_tcp_rto_sample(struct toe_tcp_rto *r, u32 rtt_us);

/* A retransmission timer expired: double the timeout (bounded). */
void toe_tcp_rto_backoff(struct toe_tcp_rto *r);

/* The timeout to arm now, with the backoff applied and both bounds. */
u32 toe_tcp_rto_current(const struct toe_tcp_rto *r);

#endif /* TOE_TCP_RTO_H */
