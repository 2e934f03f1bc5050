/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * TCP sequence-space arithmetic (RFC 9293 section 3.4): sequence numbers
 * live in a 2^32 circle, so every comparison is made on the signed 32-bit
 * distance. The same helpers serve for timestamp values (RFC 7323 PAWS
 * compares TSval the same way).
 */
#ifndef TOE_TCP_SEQ_H
#define TOE_TCP_SEQ_H

#include "toe_os.h"

static inline int toe_seq_diff(u32 a, u32 b)
{
	return (int)(a - b);
}

static inline bool toe_seq_lt(u32 a, u32 b)
{
	return toe_seq_diff(a, b) < 0;
}

static inline bool toe_seq_leq(u32 a, u32 b)
{
	return toe_seq_diff(a, b) <= 0;
}

static inline bool toe_seq_gt(u32 a, u32 b)
{
	return toe_seq_diff(a, b) > 0;
}

static inline bool toe_seq_geq(u32 a, u32 b)
{
	return toe_seq_diff(a, b) >= 0;
}

static inline u32 toe_seq_max(u32 a, u32 b)
{
	return toe_seq_gt(a, b) ? a : b;
}

static inline u32 toe_seq_min(u32 a, u32 b)
{
	return toe_seq_lt(a, b) ? a : b;
}

/* lo <= seq < hi, with an empty window [lo, lo) containing nothing. */
static inline bool toe_seq_in_range(u32 seq, u32 lo, u32 hi)
{
	return toe_seq_geq(seq, lo) && toe_seq_lt(seq, hi);
}

/*
 * The RFC 9293 section 3.10.7.4 acceptability test for a segment of seg_len
 * sequence-space octets (payload plus SYN and FIN) against the receive
 * window [rcv_nxt, rcv_nxt + rcv_wnd).
 */
static inline bool toe_seq_acceptable(u32 seg_seq, u32 seg_len, u32 rcv_nxt,
				      u32 rcv_wnd)
{
	u32 end = rcv_nxt + rcv_wnd;

	if (seg_len == 0) {
		if (rcv_wnd == 0)
			return seg_seq == rcv_nxt;
		return toe_seq_in_range(seg_seq, rcv_nxt, end);
	}
	if (rcv_wnd == 0)
		return false;
	return toe_seq_in_range(seg_seq, rcv_nxt, end) ||
	       toe_seq_in_range(seg_seq + seg_len - 1, rcv_nxt, end);
}

#endif /* TOE_TCP_SEQ_H */
