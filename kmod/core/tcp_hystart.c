// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * HyStart++ (RFC 9406): slow start that leaves early, into Conservative
 * Slow Start (CSS), when the round's minimum RTT rises, and from CSS into
 * congestion avoidance after CSS_ROUNDS rounds.
 *
 * A round is one window of data: it ends when snd_max as it was when the
 * round began is acknowledged. Only the first slow start of a connection
 * uses it (RFC 9406 4.3); later ones end at the ssthresh a loss set.
 * L = 8 SMSS per ACK: the engine does not pace, and a larger burst per
 * stretch ACK would only feed the queue HyStart++ is trying to read.
 * The round of the RTT rise counts as the first of the CSS rounds.
 */
#include "tcp_cc_int.h"
#include "tcp_seq.h"

void toe_hystart_init(struct toe_tcp_hystart *hs)
{
	memset(hs, 0, sizeof(*hs));
	hs->last_round_min_rtt = TOE_TCP_CC_RTT_NONE;
	hs->cur_round_min_rtt = TOE_TCP_CC_RTT_NONE;
	hs->css_baseline_min_rtt = TOE_TCP_CC_RTT_NONE;
	hs->state = TOE_HYSTART_SS;
	hs->window_end_valid = false;
}

static void round_start(struct toe_tcp_hystart *hs, u32 snd_max)
{
	hs->last_round_min_rtt = hs->cur_round_min_rtt;
	hs->cur_round_min_rtt = TOE_TCP_CC_RTT_NONE;
	hs->rtt_samples = 0;
	hs->window_end = snd_max;
	hs->window_end_valid = true;
}

/* RFC 9406 4.2: the delay increase that ends slow start. */
static u32 rtt_thresh(u32 last_round_min_rtt)
{
	u32 t = last_round_min_rtt / TOE_HYSTART_MIN_RTT_DIVISOR;

	if (t > TOE_HYSTART_MAX_RTT_THRESH_US)
		t = TOE_HYSTART_MAX_RTT_THRESH_US;
	if (t < TOE_HYSTART_MIN_RTT_THRESH_US)
		t = TOE_HYSTART_MIN_RTT_THRESH_US;
	return t;
}

u32 toe_hystart_on_ack(struct toe_tcp_cc *cc, struct toe_tcp_hystart *hs,
		       const struct toe_tcp_cc_ack *a)
{
	u32 inc;

	if (!hs->window_end_valid || toe_seq_geq(a->ack, hs->window_end)) {
		if (hs->window_end_valid && hs->state == TOE_HYSTART_CSS &&
		    ++hs->css_rounds >= TOE_HYSTART_CSS_ROUNDS) {
			/* RFC 9406 4.2: on to congestion avoidance. */
			hs->state = TOE_HYSTART_DONE;
			cc->ssthresh = cc->cwnd;
			return 0;
		}
		round_start(hs, a->snd_max);
	}
	inc = toe_cc_min(a->acked, TOE_HYSTART_L * cc->smss);
	if (hs->state == TOE_HYSTART_CSS)
		inc /= TOE_HYSTART_CSS_GROWTH_DIVISOR;
	if (a->rtt_us) {
		hs->cur_round_min_rtt = toe_cc_min(hs->cur_round_min_rtt,
						   a->rtt_us);
		if (hs->rtt_samples < 0xffff)
			hs->rtt_samples++;
	}
	if (hs->rtt_samples < TOE_HYSTART_N_RTT_SAMPLE ||
	    hs->cur_round_min_rtt == TOE_TCP_CC_RTT_NONE ||
	    hs->last_round_min_rtt == TOE_TCP_CC_RTT_NONE)
		return inc;
	if (hs->state == TOE_HYSTART_SS) {
		if (hs->cur_round_min_rtt >=
		    hs->last_round_min_rtt +
			    rtt_thresh(hs->last_round_min_rtt)) {
			hs->css_baseline_min_rtt = hs->cur_round_min_rtt;
			hs->css_rounds = 0;
			hs->state = TOE_HYSTART_CSS;
		}
	} else if (hs->cur_round_min_rtt < hs->css_baseline_min_rtt) {
		/* The RTT rise was spurious: back to slow start. */
		hs->css_baseline_min_rtt = TOE_TCP_CC_RTT_NONE;
		hs->state = TOE_HYSTART_SS;
	}
	return inc;
}
