// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * NewReno's window growth and reduction (RFC 5681 3.1): slow start by
 * appropriate byte counting, congestion avoidance by byte counting (one
 * SMSS per cwnd acknowledged), ssthresh = max(FlightSize / 2, 2 * SMSS).
 * Recovery itself (RFC 6582) is tcp_cc.c's, shared with CUBIC.
 */
#include "tcp_cc_int.h"

void toe_newreno_grow(struct toe_tcp_cc *cc, u32 acked)
{
	if (cc->cwnd < cc->ssthresh) {
		cc->cwnd += toe_cc_abc(cc, acked);
		/* Leaving slow start: the remainder starts the CA count. */
		if (cc->cwnd > cc->ssthresh)
			cc->bytes_acked = 0;
		return;
	}
	cc->bytes_acked += acked;
	if (cc->bytes_acked >= cc->cwnd) {
		cc->bytes_acked -= cc->cwnd;
		cc->cwnd += cc->smss;
	}
}

u32 toe_newreno_ssthresh(const struct toe_tcp_cc *cc, u32 flight)
{
	return toe_cc_max(flight / 2, 2 * cc->smss);
}
