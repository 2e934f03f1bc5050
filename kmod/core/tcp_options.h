/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * TCP options: parsing what a peer sends and building what we send.
 *
 * Supported: MSS (RFC 9293), window scale and timestamps (RFC 7323),
 * SACK-permitted and SACK blocks (RFC 2018, with the D-SACK use of the
 * first block of RFC 2883).
 */
#ifndef TOE_TCP_OPTIONS_H
#define TOE_TCP_OPTIONS_H

#include "toe_os.h"

#define TOE_TCPOPT_EOL 0
#define TOE_TCPOPT_NOP 1
#define TOE_TCPOPT_MSS 2
#define TOE_TCPOPT_WSCALE 3
#define TOE_TCPOPT_SACK_PERM 4
#define TOE_TCPOPT_SACK 5
#define TOE_TCPOPT_TIMESTAMP 8

#define TOE_TCPOLEN_MSS 4
#define TOE_TCPOLEN_WSCALE 3
#define TOE_TCPOLEN_SACK_PERM 2
#define TOE_TCPOLEN_TIMESTAMP 10

/* The largest option block TCP allows (the data offset is 4 bits). */
#define TOE_TCP_MAX_OPTLEN 40
/* Option bytes in every segment of a connection that uses timestamps. */
#define TOE_TCP_TS_OPTLEN 12

/* RFC 7323 section 2.3: a shift above 14 is treated as 14. */
#define TOE_TCP_MAX_WSCALE 14

/* RFC 9293 section 3.7.1: the send MSS without an MSS option. */
#define TOE_TCP_DEFAULT_MSS 536
/*
 * A peer may announce any MSS; below this floor the per-segment header cost
 * makes the connection a resource attack, so the effective send MSS is
 * never smaller (the peer's IP layer still accepts 576-byte datagrams).
 */
#define TOE_TCP_MIN_MSS 64

#define TOE_TCPOPT_F_MSS (1u << 0)
#define TOE_TCPOPT_F_WSCALE (1u << 1)
#define TOE_TCPOPT_F_SACK_PERM (1u << 2)
#define TOE_TCPOPT_F_TS (1u << 3)
#define TOE_TCPOPT_F_SACK (1u << 4)

/* A SACK option holds at most four blocks (40 option bytes). */
#define TOE_TCP_MAX_SACK_BLOCKS 4
/* Option bytes of a SACK option with n blocks, with its two NOPs. */
#define TOE_TCP_SACK_OPTLEN(n) (4u + 8u * (n))

/* One SACK block: the sequence numbers [start, end). */
struct toe_tcp_sack_block {
	u32 start;
	u32 end;
};

/* The options found in one segment. Fields are valid when their flag is. */
struct toe_tcp_opts {
	u32 flags;
	u16 mss;
	u8 wscale;
	u8 nr_sack; /* blocks in sack[], with TOE_TCPOPT_F_SACK */
	u32 tsval;
	u32 tsecr;
	struct toe_tcp_sack_block sack[TOE_TCP_MAX_SACK_BLOCKS];
};

/*
 * Parses the option bytes of a segment. MSS, window scale and SACK-permitted
 * count only on a SYN (RFC 9293 3.7.1, RFC 7323 2.2). An option with a
 * length that runs past the block or is below 2 ends parsing: the options
 * found before it are kept and -EINVAL tells the caller to count it. A known
 * option with the wrong length is skipped.
 */
int toe_tcp_opts_parse(const u8 *opt, u32 len, bool syn,
		       struct toe_tcp_opts *out);

/* What we put in a SYN or SYN-ACK. */
struct toe_tcp_syn_opts {
	u16 mss;
	bool wscale_ok;
	u8 wscale;
	bool ts_ok;
	bool sack_ok;
	u32 tsval;
	u32 tsecr;
};

/*
 * Writes the option block of a SYN or SYN-ACK into buf (at least
 * TOE_TCP_MAX_OPTLEN bytes); returns its length, a multiple of 4.
 */
u32 toe_tcp_opts_build_syn(u8 *buf, const struct toe_tcp_syn_opts *o);

/* Writes NOP, NOP, timestamp (TOE_TCP_TS_OPTLEN bytes); returns the length. */
u32 toe_tcp_opts_build_ts(u8 *buf, u32 tsval, u32 tsecr);

/*
 * Writes NOP, NOP, SACK with nr blocks (1..4) at buf; returns the length,
 * TOE_TCP_SACK_OPTLEN(nr).
 */
u32 toe_tcp_opts_build_sack(u8 *buf, const struct toe_tcp_sack_block *blocks,
			    u32 nr);

#endif /* TOE_TCP_OPTIONS_H */
