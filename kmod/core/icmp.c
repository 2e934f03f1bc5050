// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ICMP errors for the engine's connections. Only "fragmentation needed and
 * DF set" (type 3 code 4, RFC 1191) is read, for path MTU discovery; the
 * host stack receives every ICMP message as well (classify answers
 * TOE_RX_SHARE, never TOE_RX_MINE), so its own sockets, ping and
 * traceroute are untouched.
 *
 * An ICMP error quotes the IPv4 header and at least the first 8 bytes of
 * the datagram that caused it (RFC 792): for TCP, the ports and the
 * sequence number, which TCP checks against its flight (RFC 5927).
 */
#include "engine_priv.h"
#include "toe_bytes.h"

/* The ICMP header, the longest quoted IPv4 header, 8 bytes of TCP. */
#define ICMP_QUOTE_MAX (TOE_ICMP_HLEN + 60 + 8)

enum toe_parse_result toe_icmp_parse(struct toe_pkt *pkt, u32 end)
{
	struct toe_pkt_icmp *ic = &pkt->icmp;
	u8 q[ICMP_QUOTE_MAX];
	u32 len, ihl, frag;

	if (end < pkt->l4_off + TOE_ICMP_HLEN + TOE_IP_HLEN_MIN + 8)
		return TOE_PARSE_OTHER_PROTO;
	len = end - pkt->l4_off;
	if (len > ICMP_QUOTE_MAX)
		len = ICMP_QUOTE_MAX;
	/* A copy: the quote may straddle the frame's segments. */
	if (toe_frame_copy(pkt->frame, pkt->l4_off, q, len))
		return TOE_PARSE_OTHER_PROTO;
	if (q[0] != TOE_ICMP_DEST_UNREACH || q[1] != TOE_ICMP_FRAG_NEEDED)
		return TOE_PARSE_OTHER_PROTO;
	ihl = (u32)(q[TOE_ICMP_HLEN] & 0x0f) * 4;
	frag = toe_get_be16(q + TOE_ICMP_HLEN + 6);
	/*
	 * Only an IPv4 TCP datagram's first fragment quotes the TCP header;
	 * 8 bytes of it must be there.
	 */
	if ((q[TOE_ICMP_HLEN] >> 4) != 4 || ihl < TOE_IP_HLEN_MIN ||
	    TOE_ICMP_HLEN + ihl + 8 > len ||
	    q[TOE_ICMP_HLEN + 9] != TOE_PROTO_TCP || (frag & 0x1fff))
		return TOE_PARSE_OTHER_PROTO;
	pkt->l4 = NULL;
	pkt->l4_hdr_len = TOE_ICMP_HLEN;
	pkt->payload_off = pkt->l4_off + TOE_ICMP_HLEN;
	pkt->payload_len = end - pkt->payload_off;
	ic->type = q[0];
	ic->code = q[1];
	ic->mtu = toe_get_be16(q + 6);
	ic->orig_len = toe_get_be16(q + TOE_ICMP_HLEN + 2);
	ic->orig_proto = q[TOE_ICMP_HLEN + 9];
	ic->orig_src_ip = toe_get_be32(q + TOE_ICMP_HLEN + 12);
	ic->orig_dst_ip = toe_get_be32(q + TOE_ICMP_HLEN + 16);
	ic->orig_src_port = toe_get_be16(q + TOE_ICMP_HLEN + ihl);
	ic->orig_dst_port = toe_get_be16(q + TOE_ICMP_HLEN + ihl + 2);
	ic->orig_seq = toe_get_be32(q + TOE_ICMP_HLEN + ihl + 4);
	return TOE_PARSE_ICMP;
}

/*
 * The error goes to the quoted datagram's source (RFC 792), which must be
 * this host: anything else cannot be about a segment we sent.
 */
static bool icmp_for_us(const struct toe_pkt *pkt)
{
	return pkt->icmp.orig_src_ip == pkt->dst_ip;
}

int toe_icmp_classify(const struct toe_engine *eng,
		      const struct toe_pkt *pkt)
{
	const struct toe_pkt_icmp *ic = &pkt->icmp;

	if (!icmp_for_us(pkt) ||
	    !toe_flow_classify_tuple(eng, TOE_PROTO_TCP, ic->orig_src_ip,
				     ic->orig_src_port, ic->orig_dst_ip,
				     ic->orig_dst_port))
		return TOE_RX_NOT_MINE;
	return TOE_RX_SHARE;
}

int toe_icmp_input(struct toe_engine *eng, const struct toe_pkt *pkt)
{
	const struct toe_pkt_icmp *ic = &pkt->icmp;
	struct toe_sock *sk;

	if (!icmp_for_us(pkt))
		return TOE_RX_NOT_MINE;
	sk = toe_flow_lookup(eng, TOE_PROTO_TCP, ic->orig_src_ip,
			     ic->orig_src_port, ic->orig_dst_ip,
			     ic->orig_dst_port);
	if (!sk)
		return TOE_RX_NOT_MINE;
	toe_tcp_icmp_frag_needed(eng, sk, pkt);
	return TOE_RX_CONSUMED;
}
