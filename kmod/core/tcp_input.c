// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Segment arrival for connections (RFC 9293 3.10.7.3 and 3.10.7.4), with
 * PAWS (tcp_paws.c), the RFC 5961 checks on RST, SYN and ACK, ACK
 * processing with RTT sampling and NewReno, and in-order and out-of-order
 * data.
 */
#include "tcp_int.h"

/* The parts of a segment that survive trimming to the window. */
struct seg_view {
	const struct toe_pkt *pkt;
	bool old_syn; /* simultaneous open: the peer's SYN-ACK repeats its SYN */
	struct toe_tcp_opts opts;
	u32 seq; /* first payload byte kept */
	u32 off; /* its offset in the payload */
	u32 len; /* payload bytes kept */
	bool fin; /* the FIN is kept */
	bool clipped; /* payload beyond the window was dropped */
};

/* ---- establishment ------------------------------------------------------- */

void toe_tcp_established(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	toe_tcp_set_state(eng, sk, TOE_TCPS_ESTABLISHED);
	toe_tcp_update_mss(eng, sk);
	if (tp->flags & TOE_TCB_SACK_OK)
		toe_tcp_recovery_init(tp);
	/* RFC 6298 5.7: a retransmitted SYN without a sample leaves 3 s. */
	if ((tp->flags & TOE_TCB_SYN_RETRANSMITTED) && !tp->rto.have_sample)
		tp->rto.base_us = 3000000;
	tp->rtx_count = 0;
	tp->rto.backoff = 0;
	toe_timer_cancel(eng, &tp->rtx_timer);
	tp->last_recv_us = toe_os_now_us();
	toe_tcp_keepalive_reset(eng, sk);
	if (tp->flags & TOE_TCB_PASSIVE) {
		struct toe_sock *listener = sk->parent;

		toe_tcp_synq_unlink(eng, sk);
		if (toe_sock_accept_ready(eng, sk)) {
			/* The accept queue filled meanwhile. */
			eng->tcp.stats.listen_drops++;
			if (listener)
				listener->tcp.listen.acceptq_overflows++;
			toe_tcp_send_rst(eng, sk);
			toe_tcp_done(eng, sk, -ECONNABORTED);
			return;
		}
	} else {
		toe_sock_connected(eng, sk, 0);
	}
	/* A close or shutdown that came before the handshake finished. */
	if (tp->flags & TOE_TCB_FIN_QUEUED) {
		tp->flags &= ~TOE_TCB_FIN_QUEUED;
		toe_tcp_queue_fin(eng, sk);
	}
}

/* ---- RTT ------------------------------------------------------------------- */

/* Feeds the RTO estimator; returns the sample taken, 0 if none. */
static u32 rtt_sample(struct toe_engine *eng, struct toe_sock *sk, u32 ack,
		      const struct toe_tcp_opts *o)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u64 now = toe_os_now_us();

	if ((tp->flags & TOE_TCB_RTT_TIMING) && toe_seq_geq(ack, tp->rtt_seq)) {
		u32 rtt = (u32)(now - tp->rtt_start_us);

		tp->flags &= ~TOE_TCB_RTT_TIMING;
		toe_tcp_rto_sample(&tp->rto, rtt);
		return rtt ? rtt : 1;
	}
	/*
	 * RFC 7323 4.1: the echo of an ACK for new data is a valid sample
	 * even across retransmissions.
	 */
	if ((tp->flags & TOE_TCB_TS_OK) && (o->flags & TOE_TCPOPT_F_TS) &&
	    o->tsecr) {
		u32 ticks = toe_tcp_ts_now(tp, now) - o->tsecr;

		if ((int)ticks >= 0 &&
		    ticks < (TOE_TCP_RTO_MAX_US >> TOE_TCP_TS_SHIFT)) {
			u32 rtt = ticks << TOE_TCP_TS_SHIFT;

			toe_tcp_rto_sample(&tp->rto, rtt);
			return rtt ? rtt : 1;
		}
	}
	return 0;
}

/* ---- SYN-SENT ---------------------------------------------------------------- */

static void syn_sent_input(struct toe_engine *eng, struct toe_sock *sk,
			   const struct toe_pkt *pkt)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u8 fl = pkt->tcp_flags;
	struct toe_tcp_opts o;

	if (fl & TOE_TCPF_ACK) {
		if (toe_seq_leq(pkt->ack, tp->iss) ||
		    toe_seq_gt(pkt->ack, tp->snd_max)) {
			TOE_TCP_STAT_INC(eng, sk, bad_acks);
			toe_tcp_send_rst_reply(eng, pkt);
			return;
		}
	}
	if (fl & TOE_TCPF_RST) {
		/* RFC 5961 3.2: only a RST acknowledging our SYN counts. */
		if (fl & TOE_TCPF_ACK)
			toe_tcp_fail(eng, sk, -ECONNREFUSED, false);
		return;
	}
	if (!(fl & TOE_TCPF_SYN))
		return;
	toe_tcp_opts_parse(pkt->tcp_opts, pkt->tcp_opts_len, true, &o);
	tp->peer_mss = (o.flags & TOE_TCPOPT_F_MSS) ? o.mss :
						      TOE_TCP_DEFAULT_MSS;
	if (o.flags & TOE_TCPOPT_F_WSCALE) {
		tp->flags |= TOE_TCB_WS_OK;
		tp->snd_wscale = o.wscale;
	} else {
		tp->rcv_wscale = 0;
		tp->snd_wscale = 0;
	}
	if (o.flags & TOE_TCPOPT_F_TS) {
		tp->flags |= TOE_TCB_TS_OK;
		tp->ts_recent = o.tsval;
		tp->ts_recent_us = toe_os_now_us();
	}
	if ((o.flags & TOE_TCPOPT_F_SACK_PERM) && eng->tcp.tun.sack)
		tp->flags |= TOE_TCB_SACK_OK;
	tp->irs = pkt->seq;
	tp->rcv_nxt = pkt->seq + 1;
	tp->last_ack_sent = tp->rcv_nxt;
	tp->rcv_adv = tp->rcv_nxt;
	tp->snd_wnd = pkt->window; /* never scaled in a SYN */
	tp->max_sndwnd = tp->snd_wnd;
	tp->snd_wl1 = pkt->seq;
	tp->last_recv_us = toe_os_now_us();
	if (fl & TOE_TCPF_ACK) {
		tp->snd_una = pkt->ack;
		tp->snd_wl2 = pkt->ack;
		rtt_sample(eng, sk, pkt->ack, &o);
		toe_tcp_established(eng, sk);
		if (tp->state == TOE_TCPS_CLOSED)
			return;
		/* Data on the SYN-ACK is not taken; the peer resends it. */
		toe_tcp_output(eng, sk);
		if (tp->last_ack_sent != tp->rcv_nxt ||
		    tp->snd_max == tp->snd_una)
			toe_tcp_send_ack(eng, sk);
		return;
	}
	/* Simultaneous open (RFC 9293 figure 7). */
	tp->snd_wl2 = tp->iss;
	toe_tcp_set_state(eng, sk, TOE_TCPS_SYN_RECEIVED);
	toe_tcp_update_mss(eng, sk);
	tp->flags &= ~TOE_TCB_RTT_TIMING;
	toe_tcp_send_syn(eng, sk);
	toe_tcp_rtx_arm(eng, sk);
}

/* ---- acceptance ---------------------------------------------------------------- */

/*
 * The sequence number test of RFC 9293 3.10.7.4, then trimming to the
 * window. A FIN needs no receive space, so it is judged by its position
 * alone: it counts when it sits at or inside the window's right edge.
 * Returns false when the segment is not acceptable.
 */
static bool trim_to_window(struct toe_tcp_cb *tp, struct seg_view *v)
{
	const struct toe_pkt *pkt = v->pkt;
	bool syn = (pkt->tcp_flags & TOE_TCPF_SYN) && !v->old_syn;
	u32 wnd = toe_seq_gt(tp->rcv_adv, tp->rcv_nxt) ?
			  tp->rcv_adv - tp->rcv_nxt : 0;
	u32 seq = pkt->seq + v->old_syn;
	u32 len = pkt->payload_len + syn;
	u32 off = 0, right;

	v->fin = pkt->tcp_flags & TOE_TCPF_FIN;
	if (!toe_seq_acceptable(seq, len, tp->rcv_nxt, wnd)) {
		/*
		 * Data at rcv_nxt into a shut window: keep the ACK, FIN and
		 * RST; drop the data (RFC 9293 3.10.7.4).
		 */
		if (!(wnd == 0 && seq == tp->rcv_nxt))
			return false;
		v->seq = seq;
		v->off = 0;
		v->len = 0;
		v->clipped = true;
		return true;
	}
	if (syn) {
		seq++;
		len--;
	}
	if (toe_seq_lt(seq, tp->rcv_nxt)) {
		u32 old = tp->rcv_nxt - seq;

		if (old > len) {
			old = len;
			v->fin = false; /* the FIN is old as well */
		}
		/* RFC 2883: report the duplicate part. */
		toe_tcp_sack_rx_dsack(tp, seq, seq + old);
		off += old;
		len -= old;
		seq += old;
	}
	right = tp->rcv_nxt + wnd;
	if (toe_seq_gt(seq + len, right)) {
		len = toe_seq_gt(right, seq) ? right - seq : 0;
		v->fin = false;
		v->clipped = true;
	}
	v->seq = seq;
	v->off = off;
	v->len = len;
	return true;
}

/* ---- RST and SYN ------------------------------------------------------------ */

/*
 * RFC 5961 3.2: only an exact RST resets; one inside the window is
 * answered with a challenge ACK. Returns true if sk is gone or done.
 */
static bool rst_input(struct toe_engine *eng, struct toe_sock *sk,
		      const struct toe_pkt *pkt)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (pkt->seq != tp->rcv_nxt) {
		toe_tcp_send_challenge_ack(eng, sk);
		return true;
	}
	eng->tcp.stats.resets++;
	switch (tp->state) {
	case TOE_TCPS_SYN_RECEIVED:
		if (tp->flags & TOE_TCB_PASSIVE) {
			/* Back to LISTEN: the child just goes. */
			toe_tcp_done(eng, sk, -ECONNREFUSED);
			return true;
		}
		toe_tcp_fail(eng, sk, -ECONNREFUSED, false);
		return true;
	case TOE_TCPS_ESTABLISHED:
	case TOE_TCPS_FIN_WAIT_1:
	case TOE_TCPS_FIN_WAIT_2:
	case TOE_TCPS_CLOSE_WAIT:
		toe_tcp_fail(eng, sk, -ECONNRESET, false);
		return true;
	default:
		/* CLOSING, LAST_ACK, TIME_WAIT (RFC 9293; not RFC 1337). */
		toe_tcp_done(eng, sk, 0);
		return true;
	}
}

/*
 * A SYN in TIME_WAIT may open a new incarnation when it is clearly newer
 * (its timestamp, or else its sequence number, is beyond the old
 * connection's), as RFC 6191 allows. Returns true if it was handed on.
 */
static bool time_wait_reuse(struct toe_engine *eng, struct toe_sock *sk,
			    const struct toe_pkt *pkt,
			    const struct toe_tcp_opts *o)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_sock *listener;
	bool newer;

	if ((tp->flags & TOE_TCB_TS_OK) && (o->flags & TOE_TCPOPT_F_TS))
		newer = toe_seq_gt(o->tsval, tp->ts_recent);
	else
		newer = toe_seq_gt(pkt->seq, tp->rcv_nxt);
	if (!newer)
		return false;
	listener = toe_listener_lookup(eng, TOE_PROTO_TCP, pkt->dst_ip,
				       pkt->dst_port);
	if (!listener)
		return false;
	toe_tcp_done(eng, sk, 0);
	toe_tcp_listen_input(eng, listener, pkt);
	return true;
}

/* ---- ACK ---------------------------------------------------------------------- */

/* Pops and completes the send requests snd_una now covers. */
static void complete_acked_sends(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	while (tp->sq_head &&
	       toe_seq_geq(tp->snd_una, tp->sq_head->seq + tp->sq_head->len)) {
		struct toe_send_desc *d = tp->sq_head;

		tp->sq_head = d->next;
		if (tp->sq_head)
			tp->sq_head->prev = NULL;
		else
			tp->sq_tail = NULL;
		if (tp->sq_cursor == d)
			tp->sq_cursor = tp->sq_head;
		toe_send_complete(eng, sk, d, d->len, 0);
	}
	/* After the host's close, the last completion precedes CLOSED. */
	if (!sk->sends_pending && toe_sock_host_closed(sk))
		toe_sock_host_detach(eng, sk, 0);
}

static void update_window(struct toe_tcp_cb *tp, const struct toe_pkt *pkt)
{
	/* RFC 9293 3.10.7.4: only a newer segment moves the window. */
	if (toe_seq_lt(tp->snd_wl1, pkt->seq) ||
	    (tp->snd_wl1 == pkt->seq && toe_seq_leq(tp->snd_wl2, pkt->ack))) {
		tp->snd_wnd = (u32)pkt->window << tp->snd_wscale;
		if (tp->snd_wnd)
			tp->persist_backoff = 0;
		tp->snd_wl1 = pkt->seq;
		tp->snd_wl2 = pkt->ack;
		if (tp->snd_wnd > tp->max_sndwnd)
			tp->max_sndwnd = tp->snd_wnd;
	}
}

static bool fin_covered(const struct toe_tcp_cb *tp)
{
	return (tp->flags & TOE_TCB_FIN_SENT) &&
	       toe_seq_gt(tp->snd_una, tp->snd_end);
}

/*
 * RFC 9293 3.10.7.4 fifth check, with RFC 5961 5.2. Returns false when the
 * segment must be dropped (sk may be gone).
 */
static bool ack_input(struct toe_engine *eng, struct toe_sock *sk,
		      struct seg_view *v)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	const struct toe_pkt *pkt = v->pkt;
	u32 ack = pkt->ack;
	u32 old_wnd = tp->snd_wnd;
	bool fin_was_acked = fin_covered(tp);

	if (tp->state == TOE_TCPS_SYN_RECEIVED) {
		if (!toe_seq_gt(ack, tp->snd_una) ||
		    toe_seq_gt(ack, tp->snd_max)) {
			TOE_TCP_STAT_INC(eng, sk, bad_acks);
			toe_tcp_send_rst_reply(eng, pkt);
			return false;
		}
		/* Only our SYN is outstanding: ack is ISS + 1. */
		rtt_sample(eng, sk, ack, &v->opts);
		tp->snd_una = ack;
		tp->snd_nxt = ack;
		tp->snd_wnd = (u32)pkt->window << tp->snd_wscale;
		tp->max_sndwnd = tp->snd_wnd;
		tp->snd_wl1 = pkt->seq;
		tp->snd_wl2 = ack;
		old_wnd = tp->snd_wnd;
		toe_tcp_established(eng, sk);
		if (tp->state == TOE_TCPS_CLOSED)
			return false;
	}
	if (toe_seq_gt(ack, tp->snd_max)) {
		/* Acknowledges what we never sent. */
		TOE_TCP_STAT_INC(eng, sk, bad_acks);
		toe_tcp_send_dupack(eng, sk, pkt);
		return false;
	}
	if (toe_seq_lt(ack, tp->snd_una - tp->max_sndwnd)) {
		/* RFC 5961 5.2: far too old to be genuine. */
		toe_tcp_send_challenge_ack(eng, sk);
		return false;
	}
	tp->persist_probes = 0; /* the peer answers: it is alive */
	if (toe_seq_gt(ack, tp->snd_una)) {
		struct toe_tcp_cc_ack ca = {
			.ack = ack,
			.acked = ack - tp->snd_una,
			.flight_after = tp->snd_max - ack,
			.snd_max = tp->snd_max,
		};
		u32 acked = ca.acked, prior_una = tp->snd_una;
		unsigned int act;

		ca.rtt_us = rtt_sample(eng, sk, ack, &v->opts);
		ca.now_us = toe_os_now_us();
		tp->snd_una = ack;
		/* The FIN takes sequence space but carries no payload. */
		TOE_TCP_STAT_ADD(eng, sk, bytes_acked,
				 acked - (!fin_was_acked && fin_covered(tp)));
		if (toe_seq_lt(tp->snd_nxt, ack))
			tp->snd_nxt = ack;
		if (toe_seq_lt(tp->snd_sml, ack))
			tp->snd_sml = ack; /* keeps it within 2^31 of snd_una */
		tp->rtx_count = 0;
		tp->keep_probes = 0;
		complete_acked_sends(eng, sk);
		update_window(tp, pkt);
		toe_tcp_pmtu_on_ack(eng, sk);
		act = toe_tcp_cc_on_ack(&tp->cc, &ca);
		if (tp->flags & TOE_TCB_SACK_OK) {
			toe_tcp_recovery_ack(eng, sk, prior_una, &v->opts);
		} else if (act & TOE_CC_RETRANSMIT_HEAD) {
			TOE_TCP_STAT_INC(eng, sk, fast_retransmits);
			toe_tcp_retransmit_head(eng, sk);
		}
		toe_tcp_rtx_restart(eng, sk);
		if (!fin_was_acked && fin_covered(tp)) {
			toe_tcp_fin_acked(eng, sk);
			if (tp->state == TOE_TCPS_CLOSED ||
			    tp->state == TOE_TCPS_TIME_WAIT)
				return false;
		}
		return true;
	}
	update_window(tp, pkt);
	if (tp->flags & TOE_TCB_SACK_OK) {
		/* RACK judges loss by time, not by counting duplicates. */
		if (tp->snd_max != tp->snd_una &&
		    ((v->opts.flags & TOE_TCPOPT_F_SACK) || ack == tp->snd_una))
			toe_tcp_recovery_ack(eng, sk, tp->snd_una, &v->opts);
		return true;
	}
	/* RFC 5681 section 2: a duplicate ACK. */
	if (ack == tp->snd_una && !pkt->payload_len &&
	    !(pkt->tcp_flags & (TOE_TCPF_SYN | TOE_TCPF_FIN)) &&
	    tp->snd_wnd == old_wnd && tp->snd_max != tp->snd_una) {
		unsigned int act;

		TOE_TCP_STAT_INC(eng, sk, dupacks_in);
		if (toe_tcp_pmtu_dupack(eng, sk))
			return true;
		act = toe_tcp_cc_on_dupack(&tp->cc, ack,
					   tp->snd_max - tp->snd_una,
					   tp->snd_max);
		if (act & TOE_CC_RETRANSMIT_HEAD) {
			TOE_TCP_STAT_INC(eng, sk, fast_retransmits);
			toe_tcp_retransmit_head(eng, sk);
			toe_tcp_rtx_arm(eng, sk);
		}
	}
	return true;
}

/* ---- data and FIN ------------------------------------------------------------ */

static bool data_state(u8 state)
{
	return state == TOE_TCPS_ESTABLISHED || state == TOE_TCPS_FIN_WAIT_1 ||
	       state == TOE_TCPS_FIN_WAIT_2;
}

/* The peer's FIN is in order (RFC 9293 3.10.7.4 eighth check). */
static void fin_input(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	tp->rcv_nxt++;
	tp->flags &= ~TOE_TCB_OOO_FIN;
	tp->flags |= TOE_TCB_ACK_NOW;
	toe_tcp_reass_purge(eng, sk); /* nothing can follow a FIN */
	switch (tp->state) {
	case TOE_TCPS_SYN_RECEIVED:
	case TOE_TCPS_ESTABLISHED:
		toe_tcp_set_state(eng, sk, TOE_TCPS_CLOSE_WAIT);
		break;
	case TOE_TCPS_FIN_WAIT_1:
		if (fin_covered(tp))
			toe_tcp_enter_time_wait(eng, sk);
		else
			toe_tcp_set_state(eng, sk, TOE_TCPS_CLOSING);
		break;
	case TOE_TCPS_FIN_WAIT_2:
		toe_tcp_enter_time_wait(eng, sk);
		break;
	default:
		break;
	}
}

static u32 place_flags(const struct toe_pkt *pkt, bool fin)
{
	u32 f = 0;

	if (pkt->tcp_flags & TOE_TCPF_PSH)
		f |= TOE_SEGF_PSH;
	if (pkt->tcp_flags & TOE_TCPF_URG)
		f |= TOE_SEGF_URG;
	if (fin)
		f |= TOE_SEGF_FIN;
	return f;
}

/* In-order data at rcv_nxt. Returns false if the FIN did not fit. */
static bool place_in_order(struct toe_engine *eng, struct toe_sock *sk,
			   const struct seg_view *v)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u32 got;

	got = toe_rx_place(eng, sk, v->pkt, v->off, v->len,
			   place_flags(v->pkt, v->fin));
	if (got < v->len && tp->ooo_head) {
		/*
		 * Out-of-order data holds the buflets in-order data needs:
		 * give them up (the peer resends) rather than stall.
		 */
		toe_tcp_reass_purge(eng, sk);
		got += toe_rx_place(eng, sk, v->pkt, v->off + got,
				    v->len - got, place_flags(v->pkt, v->fin));
	}
	tp->rcv_nxt += got;
	tp->rcv_unacked += got;
	TOE_TCP_STAT_ADD(eng, sk, bytes_in, got);
	if (got > tp->rcv_mss)
		tp->rcv_mss = got > tp->adv_mss ? tp->adv_mss : (u16)got;
	if (got < v->len) {
		TOE_CTR_INC(eng, tcp_drops);
		tp->flags |= TOE_TCB_ACK_NOW; /* tell the shrunken window */
		return false;
	}
	return true;
}

static void data_input(struct toe_engine *eng, struct toe_sock *sk,
		       struct seg_view *v)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	bool had_gap = tp->ooo_head || (tp->flags & TOE_TCB_OOO_FIN);

	if (!v->len && !v->fin)
		return;
	if (v->seq != tp->rcv_nxt) {
		/* Out of order: hold it and say so at once (RFC 5681 4.2). */
		if (v->len) {
			TOE_TCP_STAT_INC(eng, sk, ooo_segs_in);
			toe_tcp_reass_insert(eng, sk, v->pkt, v->off, v->len,
					     v->seq, place_flags(v->pkt, false));
			toe_tcp_sack_rx_note(tp, v->seq);
		}
		if (v->fin) {
			tp->flags |= TOE_TCB_OOO_FIN;
			tp->ooo_fin_seq = v->seq + v->len;
		}
		tp->flags |= TOE_TCB_ACK_NOW;
		return;
	}
	if (v->len) {
		/* With a gap pending, the FIN (if any) waits in order. */
		bool fin_here = v->fin && !had_gap;
		struct seg_view w = *v;

		w.fin = fin_here;
		if (!place_in_order(eng, sk, &w))
			return;
		if (v->fin && had_gap) {
			tp->flags |= TOE_TCB_OOO_FIN;
			tp->ooo_fin_seq = v->seq + v->len;
		}
		if (fin_here) {
			fin_input(eng, sk);
			return;
		}
	} else if (v->fin && !had_gap) {
		toe_rx_fin(eng, sk);
		fin_input(eng, sk);
		return;
	}
	if (had_gap) {
		/* Filling a gap is acknowledged at once (RFC 5681 4.2). */
		tp->flags |= TOE_TCB_ACK_NOW;
		if (toe_tcp_reass_drain(eng, sk)) {
			toe_rx_fin(eng, sk);
			fin_input(eng, sk);
		}
		return;
	}
	toe_tcp_ack_maybe_delayed(eng, sk);
}

/* ---- the synchronized states --------------------------------------------- */

static void unacceptable(struct toe_engine *eng, struct toe_sock *sk,
			 const struct toe_pkt *pkt)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (pkt->tcp_flags & TOE_TCPF_RST)
		return;
	if (pkt->payload_len && toe_seq_leq(pkt->seq + pkt->payload_len,
					    tp->rcv_nxt)) {
		TOE_TCP_STAT_INC(eng, sk, dup_segs_in);
		/* RFC 2883: a duplicate segment is reported as a D-SACK. */
		toe_tcp_sack_rx_dsack(tp, pkt->seq,
				      pkt->seq + pkt->payload_len);
	}
	/* RFC 9293: a retransmitted FIN restarts the 2 MSL wait. */
	if (tp->state == TOE_TCPS_TIME_WAIT &&
	    (pkt->tcp_flags & TOE_TCPF_FIN))
		toe_timer_arm_in(eng, &tp->state_timer,
				 2ull * eng->tcp.tun.msl_ms * 1000);
	if (pkt->tcp_flags & TOE_TCPF_SYN)
		toe_tcp_send_challenge_ack(eng, sk);
	else
		toe_tcp_send_dupack(eng, sk, pkt);
}

/*
 * One segment for a connection past LISTEN and SYN-SENT. Returns after
 * the segment is consumed; sk may have been freed when it returns false.
 */
static bool synchronized_input(struct toe_engine *eng, struct toe_sock *sk,
			       const struct toe_pkt *pkt)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u8 fl = pkt->tcp_flags;
	struct seg_view v = { .pkt = pkt };

	toe_tcp_opts_parse(pkt->tcp_opts, pkt->tcp_opts_len,
			   fl & TOE_TCPF_SYN, &v.opts);

	/* A retransmitted SYN: answer with the SYN-ACK again. */
	if (tp->state == TOE_TCPS_SYN_RECEIVED && (fl & TOE_TCPF_SYN) &&
	    !(fl & (TOE_TCPF_ACK | TOE_TCPF_RST)) && pkt->seq == tp->irs) {
		toe_tcp_send_syn(eng, sk);
		return true;
	}
	if (tp->state == TOE_TCPS_TIME_WAIT && (fl & TOE_TCPF_SYN) &&
	    !(fl & (TOE_TCPF_ACK | TOE_TCPF_RST)) &&
	    time_wait_reuse(eng, sk, pkt, &v.opts))
		return false;

	/*
	 * Simultaneous open (RFC 9293 figure 7): in SYN-RECEIVED the peer's
	 * SYN-ACK carries the SYN we already have; its ACK completes the
	 * handshake, so only the SYN is old.
	 */
	if (tp->state == TOE_TCPS_SYN_RECEIVED && !(tp->flags & TOE_TCB_PASSIVE) &&
	    (fl & TOE_TCPF_SYN) && (fl & TOE_TCPF_ACK) && pkt->seq == tp->irs)
		v.old_syn = true;

	if ((tp->flags & TOE_TCB_TS_OK) && !(fl & TOE_TCPF_RST)) {
		/* RFC 7323 3.2: once negotiated, segments carry TSopt. */
		if (!(v.opts.flags & TOE_TCPOPT_F_TS)) {
			TOE_CTR_INC(eng, tcp_drops);
			toe_sock_trace(eng, sk, TOE_TRACE_DROP, TOE_DROP_TCP,
				       pkt->seq, pkt->payload_len);
			return true;
		}
		if (toe_tcp_paws_reject(tp, pkt, &v.opts)) {
			TOE_TCP_STAT_INC(eng, sk, paws_drops);
			TOE_CTR_INC(eng, tcp_drops);
			toe_sock_trace(eng, sk, TOE_TRACE_DROP, TOE_DROP_TCP,
				       pkt->seq, pkt->payload_len);
			toe_tcp_send_dupack(eng, sk, pkt);
			return true;
		}
	}
	if (!trim_to_window(tp, &v)) {
		TOE_CTR_INC(eng, tcp_drops);
		toe_sock_trace(eng, sk, TOE_TRACE_DROP, TOE_DROP_TCP, pkt->seq,
			       pkt->payload_len);
		unacceptable(eng, sk, pkt);
		return true;
	}
	tp->last_recv_us = toe_os_now_us();
	tp->keep_probes = 0;

	if (fl & TOE_TCPF_RST) {
		rst_input(eng, sk, pkt);
		return false;
	}
	toe_tcp_update_ts_recent(tp, pkt, &v.opts);
	/* The peer overran the window: tell it where the edge is. */
	if (v.clipped)
		tp->flags |= TOE_TCB_ACK_NOW;
	/* RFC 5961 4.2: any SYN now gets a challenge ACK. */
	if ((fl & TOE_TCPF_SYN) && !v.old_syn) {
		toe_tcp_send_challenge_ack(eng, sk);
		return true;
	}
	if (!(fl & TOE_TCPF_ACK))
		return true;
	if (!ack_input(eng, sk, &v))
		return tp->state != TOE_TCPS_CLOSED;

	if (data_state(tp->state)) {
		/* RFC 9293 3.6.1: data nobody will read resets. */
		if (v.len && toe_sock_host_closed(sk) &&
		    tp->state != TOE_TCPS_ESTABLISHED) {
			toe_tcp_fail(eng, sk, -ECONNRESET, true);
			return false;
		}
		data_input(eng, sk, &v);
	}
	return tp->state != TOE_TCPS_CLOSED;
}

/*
 * Sends what is due after a segment: data (which carries the ACK) or an
 * ACK alone.
 */
static void input_done(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (tp->state == TOE_TCPS_CLOSED || tp->state == TOE_TCPS_LISTEN)
		return;
	if (tp->state != TOE_TCPS_TIME_WAIT)
		toe_tcp_output(eng, sk);
	if (tp->flags & TOE_TCB_ACK_NOW)
		toe_tcp_send_ack(eng, sk);
}

void toe_tcp_process(struct toe_engine *eng, struct toe_sock *sk,
		     const struct toe_pkt *pkt)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	switch (tp->state) {
	case TOE_TCPS_CLOSED:
		toe_tcp_send_rst_reply(eng, pkt);
		return;
	case TOE_TCPS_LISTEN:
		toe_tcp_listen_input(eng, sk, pkt);
		return;
	case TOE_TCPS_SYN_SENT:
		syn_sent_input(eng, sk, pkt);
		return;
	default:
		if (synchronized_input(eng, sk, pkt))
			input_done(eng, sk);
		return;
	}
}

/* The core counted the segment in its engine counters already. */
void toe_tcp_input(struct toe_engine *eng, struct toe_sock *sk,
		   const struct toe_pkt *pkt)
{
	struct toe_sock *prev = toe_tcp_enter(eng, sk);

	TOE_TCP_STAT_INC(eng, sk, segs_in);
	if (pkt->tcp_flags & TOE_TCPF_RST) {
		TOE_TCP_STAT_INC(eng, sk, rst_in);
		TOE_CTR_INC(eng, tcp_rst_in);
	}
	toe_tcp_process(eng, sk, pkt);
	toe_tcp_leave(eng, sk, prev);
}
