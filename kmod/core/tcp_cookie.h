/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * SYN cookies: when a listener's SYN queue is full, the SYN-ACK's sequence
 * number carries the state we would have kept, authenticated with the
 * engine's secret, and the connection is rebuilt from the peer's ACK.
 *
 * Cookie layout (our ISS):
 *   bits 31..27  t, the 2^26 us (about 67 s) time slot modulo 32
 *   bits 26..24  index of the MSS in a fixed table (the largest entry not
 *                above the peer's MSS)
 *   bits 23..0   SipHash(t, mss index, tuple, peer ISN), truncated
 * A cookie is accepted during its own slot and the next one (67 to 134 s).
 *
 * Window scale and SACK-permitted do not fit there. When the SYN carried
 * timestamps, they ride in the low 5 bits of our SYN-ACK's TSval (4 bits
 * shift, 15 meaning "no window scaling", 1 bit SACK-permitted) and come back
 * in the ACK's TSecr. Without timestamps a cookie connection runs without
 * window scaling, as RFC 4987 section 3.6 describes.
 */
#ifndef TOE_TCP_COOKIE_H
#define TOE_TCP_COOKIE_H

#include "tcp_isn.h"

#define TOE_TCP_COOKIE_SLOT_SHIFT 26
#define TOE_TCP_COOKIE_TS_BITS 5
#define TOE_TCP_COOKIE_NO_WSCALE 15

/* The MSS a cookie can express that is closest to, not above, mss. */
u16 toe_tcp_cookie_mss_round(u16 mss);

/* Our ISS for a SYN from peer_isn that announced peer_mss. */
u32 toe_tcp_cookie_make(const struct toe_tcp_secret *key,
			const struct toe_tcp_tuple *t, u32 peer_isn,
			u16 peer_mss, u64 now_us);

/*
 * Checks the cookie carried by an ACK (cookie = SEG.ACK - 1, peer_isn =
 * SEG.SEQ - 1). Returns the encoded MSS, or 0 if the cookie is not ours or
 * has expired.
 */
u16 toe_tcp_cookie_check(const struct toe_tcp_secret *key,
			 const struct toe_tcp_tuple *t, u32 peer_isn,
			 u32 cookie, u64 now_us);

/*
 * Our SYN-ACK's TSval: the timestamp clock value ts_now rounded down to
 * leave room for the options, which makes it no later than ts_now (our
 * TSval must never go backwards). wscale is TOE_TCP_COOKIE_NO_WSCALE for
 * "none".
 */
u32 toe_tcp_cookie_tsval(u32 ts_now, u8 wscale, bool sack_ok);

/* Recovers the options from an echoed TSecr. */
void toe_tcp_cookie_ts_decode(u32 tsecr, u8 *wscale, bool *sack_ok);

#endif /* TOE_TCP_COOKIE_H */
