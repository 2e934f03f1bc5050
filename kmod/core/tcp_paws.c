// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Timestamps on arrival (RFC 7323 4 and 5): whether PAWS refuses a segment,
 * and which segment TS.Recent follows.
 */
#include "tcp_int.h"

/*
 * A pure ACK that moves nothing (at rcv_nxt, acknowledging snd_una, leaving
 * the window as it is) with a timestamp less than an RTO older than
 * ts_recent was only overtaken on the way, by a later segment on another
 * queue or path: not the old duplicate PAWS guards against. Linux exempts
 * such ACKs the same way (tcp_disordered_ack); dropping and answering each
 * one only adds noise (seen as tcp_paws_drops under redis-benchmark -c 50
 * on a lossless veth). The RTO is compared at a millisecond timestamp
 * clock, the rate of Linux and of this engine.
 */
static bool disordered_ack(const struct toe_tcp_cb *tp,
			   const struct toe_pkt *pkt,
			   const struct toe_tcp_opts *o)
{
	u32 wnd = (u32)pkt->window << tp->snd_wscale;

	if ((pkt->tcp_flags & (TOE_TCPF_SYN | TOE_TCPF_FIN | TOE_TCPF_RST |
			       TOE_TCPF_ACK)) != TOE_TCPF_ACK ||
	    pkt->payload_len)
		return false;
	if (pkt->seq != tp->rcv_nxt || pkt->ack != tp->snd_una)
		return false;
	/* One that would move the window is news, whatever its age. */
	if (toe_seq_gt(pkt->seq, tp->snd_wl1) ||
	    (pkt->seq == tp->snd_wl1 && wnd > tp->snd_wnd))
		return false;
	return tp->ts_recent - o->tsval <=
	       toe_tcp_rto_current(&tp->rto) / 1000;
}

/* RFC 7323 5.3 R1. RSTs are exempt (RFC 7323 5.2 and appendix). */
bool toe_tcp_paws_reject(const struct toe_tcp_cb *tp, const struct toe_pkt *pkt,
			 const struct toe_tcp_opts *o)
{
	if (!(o->flags & TOE_TCPOPT_F_TS))
		return false;
	if (!toe_seq_lt(o->tsval, tp->ts_recent))
		return false;
	if (disordered_ack(tp, pkt, o))
		return false;
	/* R3: ts_recent from a connection idle 24 days is stale. */
	return toe_os_now_us() - tp->ts_recent_us < TOE_TCP_PAWS_IDLE_US;
}

/* RFC 7323 4.3: TS.Recent follows the segment that covers Last.ACK.sent. */
void toe_tcp_update_ts_recent(struct toe_tcp_cb *tp, const struct toe_pkt *pkt,
			      const struct toe_tcp_opts *o)
{
	if (!(tp->flags & TOE_TCB_TS_OK) || !(o->flags & TOE_TCPOPT_F_TS))
		return;
	if (toe_seq_geq(o->tsval, tp->ts_recent) &&
	    toe_seq_leq(pkt->seq, tp->last_ack_sent)) {
		tp->ts_recent = o->tsval;
		tp->ts_recent_us = toe_os_now_us();
	}
}
