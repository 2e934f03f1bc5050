// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * TCP option parsing and building. The parser never reads past the block
 * whatever the bytes say; see tcp_options.h for the policy on bad options.
 */
#include "tcp_options.h"

static u16 opt_get16(const u8 *p)
{
	return (u16)((p[0] << 8) | p[1]);
}

static u32 opt_get32(const u8 *p)
{
	return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
}

static void opt_put16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static void opt_put32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

static void parse_one(u8 kind, const u8 *body, u32 olen, bool syn,
		      struct toe_tcp_opts *out)
{
	switch (kind) {
	case TOE_TCPOPT_MSS:
		if (syn && olen == TOE_TCPOLEN_MSS) {
			out->mss = opt_get16(body);
			out->flags |= TOE_TCPOPT_F_MSS;
		}
		break;
	case TOE_TCPOPT_WSCALE:
		if (syn && olen == TOE_TCPOLEN_WSCALE) {
			out->wscale = body[0] > TOE_TCP_MAX_WSCALE ?
					      TOE_TCP_MAX_WSCALE :
					      body[0];
			out->flags |= TOE_TCPOPT_F_WSCALE;
		}
		break;
	case TOE_TCPOPT_SACK_PERM:
		if (syn && olen == TOE_TCPOLEN_SACK_PERM)
			out->flags |= TOE_TCPOPT_F_SACK_PERM;
		break;
	case TOE_TCPOPT_SACK:
		/* Blocks count only on a synchronized connection's segments. */
		if (!syn && olen >= 2 + 8 && (olen - 2) % 8 == 0 &&
		    (olen - 2) / 8 <= TOE_TCP_MAX_SACK_BLOCKS) {
			u32 n = (olen - 2) / 8, i;

			for (i = 0; i < n; i++) {
				out->sack[i].start = opt_get32(body + 8 * i);
				out->sack[i].end = opt_get32(body + 8 * i + 4);
			}
			out->nr_sack = (u8)n;
			out->flags |= TOE_TCPOPT_F_SACK;
		}
		break;
	case TOE_TCPOPT_TIMESTAMP:
		if (olen == TOE_TCPOLEN_TIMESTAMP) {
			out->tsval = opt_get32(body);
			out->tsecr = opt_get32(body + 4);
			out->flags |= TOE_TCPOPT_F_TS;
		}
		break;
	default:
		break;
	}
}

int toe_tcp_opts_parse(const u8 *opt, u32 len, bool syn,
		       struct toe_tcp_opts *out)
{
	u32 i = 0;

	memset(out, 0, sizeof(*out));
	while (i < len) {
		u8 kind = opt[i];
		u32 olen;

		if (kind == TOE_TCPOPT_EOL)
			break;
		if (kind == TOE_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return -EINVAL;
		olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return -EINVAL;
		parse_one(kind, opt + i + 2, olen, syn, out);
		i += olen;
	}
	return 0;
}

static u32 put_ts(u8 *p, u32 tsval, u32 tsecr)
{
	p[0] = TOE_TCPOPT_TIMESTAMP;
	p[1] = TOE_TCPOLEN_TIMESTAMP;
	opt_put32(p + 2, tsval);
	opt_put32(p + 6, tsecr);
	return TOE_TCPOLEN_TIMESTAMP;
}

u32 toe_tcp_opts_build_syn(u8 *buf, const struct toe_tcp_syn_opts *o)
{
	u32 n = 0;

	buf[n++] = TOE_TCPOPT_MSS;
	buf[n++] = TOE_TCPOLEN_MSS;
	opt_put16(buf + n, o->mss);
	n += 2;
	/* SACK-permitted takes the two bytes that would be NOPs before TS. */
	if (o->ts_ok) {
		if (o->sack_ok) {
			buf[n++] = TOE_TCPOPT_SACK_PERM;
			buf[n++] = TOE_TCPOLEN_SACK_PERM;
		} else {
			buf[n++] = TOE_TCPOPT_NOP;
			buf[n++] = TOE_TCPOPT_NOP;
		}
		n += put_ts(buf + n, o->tsval, o->tsecr);
	} else if (o->sack_ok) {
		buf[n++] = TOE_TCPOPT_NOP;
		buf[n++] = TOE_TCPOPT_NOP;
		buf[n++] = TOE_TCPOPT_SACK_PERM;
		buf[n++] = TOE_TCPOLEN_SACK_PERM;
	}
	if (o->wscale_ok) {
		buf[n++] = TOE_TCPOPT_NOP;
		buf[n++] = TOE_TCPOPT_WSCALE;
		buf[n++] = TOE_TCPOLEN_WSCALE;
		buf[n++] = o->wscale > TOE_TCP_MAX_WSCALE ? TOE_TCP_MAX_WSCALE :
							     o->wscale;
	}
	return n;
}

u32 toe_tcp_opts_build_ts(u8 *buf, u32 tsval, u32 tsecr)
{
	buf[0] = TOE_TCPOPT_NOP;
	buf[1] = TOE_TCPOPT_NOP;
	put_ts(buf + 2, tsval, tsecr);
	return TOE_TCP_TS_OPTLEN;
}

u32 toe_tcp_opts_build_sack(u8 *buf, const struct toe_tcp_sack_block *blocks,
			    u32 nr)
{
	u32 i;

	buf[0] = TOE_TCPOPT_NOP;
	buf[1] = TOE_TCPOPT_NOP;
	buf[2] = TOE_TCPOPT_SACK;
	buf[3] = (u8)(2 + 8 * nr);
	for (i = 0; i < nr; i++) {
		opt_put32(buf + 4 + 8 * i, blocks[i].start);
		opt_put32(buf + 8 + 8 * i, blocks[i].end);
	}
	return TOE_TCP_SACK_OPTLEN(nr);
}
