/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What tcp_cc.c (the shared machinery and the dispatch) and the algorithms
 * (tcp_newreno.c, tcp_cubic.c, tcp_hystart.c) share; nothing else includes
 * it.
 */
#ifndef TOE_TCP_CC_INT_H
#define TOE_TCP_CC_INT_H

#include "tcp_cc.h"

/* cwnd is kept below this so that adding an SMSS never wraps. */
#define TOE_TCP_CC_CWND_LIMIT 0x7fffffffu

/* An RTT in microseconds that no sample reaches. */
#define TOE_TCP_CC_RTT_NONE 0xffffffffu

static inline u32 toe_cc_min(u32 a, u32 b)
{
	return a < b ? a : b;
}

static inline u32 toe_cc_max(u32 a, u32 b)
{
	return a > b ? a : b;
}

/* RFC 3465 slow start with L = 2: what an ACK of acked bytes adds. */
static inline u32 toe_cc_abc(const struct toe_tcp_cc *cc, u32 acked)
{
	return toe_cc_min(acked, 2 * cc->smss);
}

/* NewReno (tcp_newreno.c). */
void toe_newreno_grow(struct toe_tcp_cc *cc, u32 acked);
u32 toe_newreno_ssthresh(const struct toe_tcp_cc *cc, u32 flight);

/* CUBIC (tcp_cubic.c). */
void toe_cubic_init(struct toe_tcp_cc *cc);
void toe_cubic_grow(struct toe_tcp_cc *cc, const struct toe_tcp_cc_ack *a);
/* A loss outside recovery: W_max, cwnd_prior; returns the new ssthresh. */
u32 toe_cubic_congestion(struct toe_tcp_cc *cc, u32 flight);
void toe_cubic_timeout(struct toe_tcp_cc *cc, u32 flight, bool first);
void toe_cubic_after_idle(struct toe_tcp_cc *cc);
/* W_cubic(t) in bytes for t in 2^-10 s since the epoch (for the tests). */
u32 toe_cubic_window(const struct toe_tcp_cc *cc, u64 t);
/* The integer cube root, floor(cbrt(x)). */
u32 toe_cubic_cbrt(u64 x);

/* HyStart++ (tcp_hystart.c). */
#define TOE_HYSTART_SS 0	/* standard slow start, watching the RTT */
#define TOE_HYSTART_CSS 1	/* conservative slow start */
#define TOE_HYSTART_DONE 2	/* not used again on this connection */

#define TOE_HYSTART_MIN_RTT_THRESH_US 4000
#define TOE_HYSTART_MAX_RTT_THRESH_US 16000
#define TOE_HYSTART_MIN_RTT_DIVISOR 8
#define TOE_HYSTART_N_RTT_SAMPLE 8
#define TOE_HYSTART_CSS_GROWTH_DIVISOR 4
#define TOE_HYSTART_CSS_ROUNDS 5
#define TOE_HYSTART_L 8		/* SMSS per ACK: the engine does not pace */

void toe_hystart_init(struct toe_tcp_hystart *hs);
/*
 * An ACK in slow start: returns what cwnd grows by; ends slow start
 * (ssthresh = cwnd) after CSS_ROUNDS rounds of CSS.
 */
u32 toe_hystart_on_ack(struct toe_tcp_cc *cc, struct toe_tcp_hystart *hs,
		       const struct toe_tcp_cc_ack *a);

#endif /* TOE_TCP_CC_INT_H */
