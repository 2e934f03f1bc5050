/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Initial sequence numbers (RFC 6528) and the keyed hash behind them, the
 * per-connection timestamp offset and the SYN cookies.
 *
 * The hash is the OS shim's SipHash-2-4: a pseudo-random function keyed
 * with 128 secret bits, as RFC 6528 section 3 asks for F(). The key comes
 * from the engine configuration (for reproducible tests) or from the OS
 * random source.
 */
#ifndef TOE_TCP_ISN_H
#define TOE_TCP_ISN_H

#include "toe_os.h"

struct toe_tcp_secret {
	u64 k0;
	u64 k1;
};

/*
 * The connection identifier the hashes cover (host byte order, as
 * everywhere in the engine).
 */
struct toe_tcp_tuple {
	u32 laddr;
	u32 raddr;
	u16 lport;
	u16 rport;
};

/* SipHash-2-4 (the OS shim's) of n 64-bit words in memory order. */
u64 toe_tcp_siphash(const struct toe_tcp_secret *key, const u64 *words,
		    u32 n);

/*
 * RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, key),
 * M a clock ticking every 4 microseconds.
 */
u32 toe_tcp_isn(const struct toe_tcp_secret *key,
		const struct toe_tcp_tuple *t, u64 now_us);

/*
 * The offset added to our timestamp clock for one connection, so a peer
 * learns neither our uptime nor anything about our other connections. It
 * is a function of the tuple alone, so a SYN cookie connection gets the
 * same offset as its SYN-ACK without keeping state.
 */
u32 toe_tcp_ts_offset(const struct toe_tcp_secret *key,
		      const struct toe_tcp_tuple *t);

#endif /* TOE_TCP_ISN_H */
