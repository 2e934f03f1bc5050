// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Congestion control: what NewReno and CUBIC share (RFC 6928 initial
 * window, RFC 6582 recovery without SACK, the SACK/RACK recovery frame,
 * RFC 5681 timeout and restart after idle) and the dispatch to the
 * algorithm's own growth and reduction; tcp_cc.h lists the choices.
 */
#include "tcp_cc_int.h"
#include "tcp_seq.h"

u32 toe_tcp_cc_initial_window(u32 smss)
{
	return toe_cc_min(10 * smss, toe_cc_max(2 * smss, 14600));
}

void toe_tcp_cc_init(struct toe_tcp_cc *cc, u32 smss, u32 iss)
{
	cc->smss = smss;
	cc->cwnd = toe_tcp_cc_initial_window(smss);
	/* RFC 5681 3.1: arbitrarily high, reduced by congestion. */
	cc->ssthresh = TOE_TCP_CC_CWND_LIMIT;
	cc->recover = iss;
	cc->bytes_acked = 0;
	cc->dupacks = 0;
	cc->in_recovery = false;
	cc->partial_seen = false;
	cc->sack_recovery = false;
	cc->algo = TOE_TCP_CC_NEWRENO;
	memset(&cc->u, 0, sizeof(cc->u));
}

int toe_tcp_cc_set_algo(struct toe_tcp_cc *cc, unsigned int algo)
{
	switch (algo) {
	case TOE_TCP_CC_NEWRENO:
		memset(&cc->u, 0, sizeof(cc->u));
		break;
	case TOE_TCP_CC_CUBIC:
		toe_cubic_init(cc);
		break;
	default:
		return -EINVAL;
	}
	cc->algo = (u8)algo;
	cc->bytes_acked = 0;
	return 0;
}

void toe_tcp_cc_set_mss(struct toe_tcp_cc *cc, u32 smss)
{
	cc->smss = smss;
	cc->cwnd = toe_tcp_cc_initial_window(smss);
}

/* A loss outside recovery: the algorithm's ssthresh (and its bookkeeping). */
static u32 cc_reduce(struct toe_tcp_cc *cc, u32 flight)
{
	if (cc->algo == TOE_TCP_CC_CUBIC)
		return toe_cubic_congestion(cc, flight);
	return toe_newreno_ssthresh(cc, flight);
}

static void cc_grow(struct toe_tcp_cc *cc, const struct toe_tcp_cc_ack *a)
{
	if (cc->algo == TOE_TCP_CC_CUBIC)
		toe_cubic_grow(cc, a);
	else
		toe_newreno_grow(cc, a->acked);
	if (cc->cwnd > TOE_TCP_CC_CWND_LIMIT)
		cc->cwnd = TOE_TCP_CC_CWND_LIMIT;
}

unsigned int toe_tcp_cc_on_ack(struct toe_tcp_cc *cc,
			       const struct toe_tcp_cc_ack *a)
{
	unsigned int actions = 0;
	u32 ack = a->ack, acked = a->acked, flight_after = a->flight_after;

	cc->dupacks = 0;
	if (cc->sack_recovery)
		return 0;
	if (!cc->in_recovery) {
		cc_grow(cc, a);
		return 0;
	}
	if (toe_seq_geq(ack, cc->recover)) {
		/* RFC 6582 3.2 step 5: full acknowledgment. */
		cc->cwnd = toe_cc_min(cc->ssthresh,
				      toe_cc_max(flight_after, cc->smss) +
					      cc->smss);
		cc->in_recovery = false;
		cc->partial_seen = false;
		cc->bytes_acked = 0;
		return 0;
	}
	/* RFC 6582 3.2 step 4: partial acknowledgment. */
	actions |= TOE_CC_RETRANSMIT_HEAD;
	if (cc->cwnd > acked)
		cc->cwnd -= acked;
	else
		cc->cwnd = 0;
	if (acked >= cc->smss)
		cc->cwnd += cc->smss;
	if (cc->cwnd < cc->smss)
		cc->cwnd = cc->smss;
	if (!cc->partial_seen) {
		cc->partial_seen = true;
		actions |= TOE_CC_RESTART_TIMER;
	}
	return actions;
}

unsigned int toe_tcp_cc_on_dupack(struct toe_tcp_cc *cc, u32 ack, u32 flight,
				  u32 snd_max)
{
	if (cc->in_recovery) {
		/* RFC 6582 3.2 step 3: inflate for each segment that left. */
		cc->cwnd = toe_cc_min(cc->cwnd + cc->smss,
				      TOE_TCP_CC_CWND_LIMIT);
		return 0;
	}
	cc->dupacks++;
	if (cc->dupacks != TOE_TCP_DUPACK_THRESHOLD)
		return 0;
	/* RFC 6582 3.2 step 2: no second reduction for one loss window. */
	if (!toe_seq_gt(ack, cc->recover))
		return 0;
	cc->recover = snd_max;
	cc->ssthresh = cc_reduce(cc, flight);
	cc->cwnd = cc->ssthresh + 3 * cc->smss;
	cc->in_recovery = true;
	cc->partial_seen = false;
	cc->bytes_acked = 0;
	return TOE_CC_RETRANSMIT_HEAD | TOE_CC_ENTERED_RECOVERY;
}

void toe_tcp_cc_on_loss(struct toe_tcp_cc *cc, u32 flight, u32 snd_max,
			u64 now_us)
{
	cc->ssthresh = cc_reduce(cc, flight);
	cc->recover = snd_max;
	cc->in_recovery = true;
	cc->sack_recovery = true;
	cc->partial_seen = false;
	cc->dupacks = 0;
	cc->bytes_acked = 0;
}

void toe_tcp_cc_recovery_end(struct toe_tcp_cc *cc, u64 now_us)
{
	cc->cwnd = toe_cc_max(cc->ssthresh, cc->smss);
	cc->in_recovery = false;
	cc->sack_recovery = false;
	cc->bytes_acked = 0;
}

void toe_tcp_cc_on_timeout(struct toe_tcp_cc *cc, u32 flight, u32 snd_max,
			   bool first, u64 now_us)
{
	if (cc->algo == TOE_TCP_CC_CUBIC)
		toe_cubic_timeout(cc, flight, first);
	else if (first)
		cc->ssthresh = toe_newreno_ssthresh(cc, flight);
	/* RFC 5681 3.1: the loss window is one segment. */
	cc->cwnd = cc->smss;
	cc->recover = snd_max;
	cc->in_recovery = false;
	cc->sack_recovery = false;
	cc->partial_seen = false;
	cc->dupacks = 0;
	cc->bytes_acked = 0;
}

void toe_tcp_cc_after_idle(struct toe_tcp_cc *cc, u64 now_us)
{
	cc->cwnd = toe_cc_min(cc->cwnd, toe_tcp_cc_initial_window(cc->smss));
	if (cc->algo == TOE_TCP_CC_CUBIC)
		toe_cubic_after_idle(cc);
}
