// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Passive open: a listener's SYN queue and SYN cookies.
 *
 * A SYN for a listener creates a child socket in SYN-RECEIVED, linked on
 * the listener's SYN queue and counted in the engine-wide one, which
 * cfg.syn_queue_max bounds. The child joins the listener's accept queue
 * (the core's) when the handshake completes.
 *
 * SYN cookie policy (RFC 4987 section 3.6): while the engine's SYN queue
 * is full, a SYN gets a stateless SYN-ACK whose ISS is a cookie
 * (tcp_cookie.h); no socket exists until the peer's ACK returns a valid
 * cookie, and the connection is then created directly in ESTABLISHED.
 * Such a connection loses window scaling and SACK-permitted unless the
 * peer uses timestamps, and has the cookie's coarse MSS. A listener only
 * accepts cookie ACKs within two cookie periods of having sent a cookie, so
 * stray ACKs normally meet a RST without any hashing.
 *
 * A SYN is dropped (the peer retries) when the listener's accept queue is
 * already full, whatever the SYN queue holds.
 */
#include "tcp_int.h"
#include "tcp_cookie.h"

static void synq_link(struct toe_engine *eng, struct toe_sock *listener,
		      struct toe_sock *child)
{
	struct toe_tcp_cb *lp = toe_tcp(listener);
	struct toe_tcp_cb *cp = toe_tcp(child);

	cp->synq_prev = NULL;
	cp->synq_next = lp->synq_head;
	if (lp->synq_head)
		lp->synq_head->tcp.synq_prev = child;
	lp->synq_head = child;
	lp->synq_len++;
	cp->flags |= TOE_TCB_IN_SYNQ;
	toe_engine_syn_queue_inc(eng);
}

void toe_tcp_synq_unlink(struct toe_engine *eng, struct toe_sock *child)
{
	struct toe_tcp_cb *cp = toe_tcp(child);
	struct toe_sock *listener = child->parent;

	if (!(cp->flags & TOE_TCB_IN_SYNQ))
		return;
	if (cp->synq_prev)
		cp->synq_prev->tcp.synq_next = cp->synq_next;
	else if (listener)
		listener->tcp.synq_head = cp->synq_next;
	if (cp->synq_next)
		cp->synq_next->tcp.synq_prev = cp->synq_prev;
	if (listener && !TOE_WARN_ON(listener->tcp.synq_len == 0))
		listener->tcp.synq_len--;
	cp->synq_next = NULL;
	cp->synq_prev = NULL;
	cp->flags &= ~TOE_TCB_IN_SYNQ;
	toe_engine_syn_queue_dec(eng);
}

/* The listener goes away: its half-open children are reset and freed. */
void toe_tcp_synq_purge(struct toe_engine *eng, struct toe_sock *listener)
{
	while (listener->tcp.synq_head) {
		struct toe_sock *child = listener->tcp.synq_head;

		toe_tcp_send_rst(eng, child);
		toe_tcp_done(eng, child, -ECONNABORTED);
	}
}

static void pkt_tuple(const struct toe_pkt *pkt, struct toe_tcp_tuple *t)
{
	t->laddr = pkt->dst_ip;
	t->raddr = pkt->src_ip;
	t->lport = pkt->dst_port;
	t->rport = pkt->src_port;
}

/* The parts of the control block a child inherits from its listener. */
static void inherit(struct toe_tcp_cb *cp, const struct toe_tcp_cb *lp)
{
	cp->flags |= lp->flags & (TOE_TCB_NODELAY | TOE_TCB_KEEPALIVE);
	cp->keepidle_s = lp->keepidle_s;
	cp->keepintvl_s = lp->keepintvl_s;
	cp->keepcnt = lp->keepcnt;
	cp->user_mss = lp->user_mss;
	cp->user_timeout_ms = lp->user_timeout_ms;
	toe_tcp_cc_set_algo(&cp->cc, lp->cc.algo);
}

/* Takes the peer's SYN options into a new control block. */
static void apply_syn_options(struct toe_engine *eng, struct toe_tcp_cb *tp,
			      const struct toe_tcp_opts *o)
{
	tp->peer_mss = (o->flags & TOE_TCPOPT_F_MSS) ? o->mss :
						       TOE_TCP_DEFAULT_MSS;
	if (o->flags & TOE_TCPOPT_F_WSCALE) {
		tp->flags |= TOE_TCB_WS_OK;
		tp->snd_wscale = o->wscale;
		tp->rcv_wscale = (u8)eng->tcp.tun.rcv_wscale;
	} else {
		tp->snd_wscale = 0;
		tp->rcv_wscale = 0;
	}
	if (o->flags & TOE_TCPOPT_F_TS) {
		tp->flags |= TOE_TCB_TS_OK;
		tp->ts_recent = o->tsval;
		tp->ts_recent_us = toe_os_now_us();
	}
	if ((o->flags & TOE_TCPOPT_F_SACK_PERM) && eng->tcp.tun.sack)
		tp->flags |= TOE_TCB_SACK_OK;
}

static void new_child(struct toe_engine *eng, struct toe_sock *listener,
		      const struct toe_pkt *pkt, const struct toe_tcp_opts *o)
{
	struct toe_sock *child;
	struct toe_tcp_cb *tp;
	int rc;

	rc = toe_sock_create_child(eng, listener, pkt, &child);
	if (rc) {
		eng->tcp.stats.listen_drops++;
		listener->tcp.listen.child_failures++;
		return;
	}
	tp = toe_tcp(child);
	tp->flags |= TOE_TCB_PASSIVE;
	inherit(tp, toe_tcp(listener));
	apply_syn_options(eng, tp, o);
	tp->irs = pkt->seq;
	tp->rcv_nxt = pkt->seq + 1;
	tp->rcv_adv = tp->rcv_nxt;
	toe_tcp_init_sequence(eng, child);
	/* RFC 9293 3.10.7.2: the SYN's window is never scaled. */
	tp->snd_wnd = pkt->window;
	tp->max_sndwnd = tp->snd_wnd;
	tp->snd_wl1 = pkt->seq;
	tp->snd_wl2 = tp->iss;
	toe_tcp_update_mss(eng, child);
	toe_tcp_set_state(eng, child, TOE_TCPS_SYN_RECEIVED);
	synq_link(eng, listener, child);
	eng->tcp.stats.passive_opens++;
	tp->last_recv_us = toe_os_now_us();
	/* Data on the SYN is not acknowledged; the peer sends it again. */
	toe_tcp_send_syn(eng, child);
	tp->rtt_seq = tp->iss + 1;
	tp->rtt_start_us = toe_os_now_us();
	tp->flags |= TOE_TCB_RTT_TIMING;
	toe_tcp_rtx_arm(eng, child);
}

static u16 listener_adv_mss(struct toe_engine *eng,
			    const struct toe_sock *listener)
{
	u32 mss = toe_engine_mtu(eng);
	u16 user = listener->tcp.user_mss;

	if (user && user < mss)
		mss = user;
	return (u16)mss;
}

static void send_cookie(struct toe_engine *eng, struct toe_sock *listener,
			const struct toe_pkt *pkt, const struct toe_tcp_opts *o)
{
	struct toe_tcp_secret *key = &eng->tcp.secret;
	struct toe_tcp_tuple t;
	u16 peer_mss = (o->flags & TOE_TCPOPT_F_MSS) ? o->mss :
						       TOE_TCP_DEFAULT_MSS;
	u64 now = toe_os_now_us();
	u32 iss;

	pkt_tuple(pkt, &t);
	iss = toe_tcp_cookie_make(key, &t, pkt->seq, peer_mss, now);
	toe_tcp_send_cookie_synack(eng, pkt, o, iss,
				   listener_adv_mss(eng, listener),
				   toe_tcp_ts_offset(key, &t));
	listener->tcp.last_cookie_us = now;
	eng->tcp.stats.syncookies_sent++;
	listener->tcp.listen.syncookies_sent++;
}

/* Cookie ACKs count only this long after the listener sent a cookie. */
#define COOKIE_RECENT_US (2ull << TOE_TCP_COOKIE_SLOT_SHIFT)

static bool cookie_recent(const struct toe_sock *listener, u64 now)
{
	return listener->tcp.last_cookie_us &&
	       now - listener->tcp.last_cookie_us <= COOKIE_RECENT_US;
}

/*
 * An ACK for a listener: the third segment of a cookie handshake, or a
 * stray. Returns true when it created the connection (and handed the
 * segment to it).
 */
static bool cookie_ack(struct toe_engine *eng, struct toe_sock *listener,
		       const struct toe_pkt *pkt)
{
	struct toe_tcp_secret *key = &eng->tcp.secret;
	struct toe_tcp_tuple t;
	struct toe_tcp_opts o;
	struct toe_sock *child, *prev;
	struct toe_tcp_cb *tp;
	u64 now = toe_os_now_us();
	unsigned int algo;
	u16 mss;

	if (!cookie_recent(listener, now) ||
	    (pkt->tcp_flags & (TOE_TCPF_SYN | TOE_TCPF_RST)))
		return false;
	pkt_tuple(pkt, &t);
	mss = toe_tcp_cookie_check(key, &t, pkt->seq - 1, pkt->ack - 1, now);
	if (!mss) {
		eng->tcp.stats.syncookies_failed++;
		listener->tcp.listen.syncookies_failed++;
		return false;
	}
	if (toe_sock_accept_queue_full(listener)) {
		/*
		 * Valid, but no room: the peer retransmits and the cookie
		 * stays good for a while.
		 */
		eng->tcp.stats.listen_drops++;
		listener->tcp.listen.acceptq_overflows++;
		return true;
	}
	toe_tcp_opts_parse(pkt->tcp_opts, pkt->tcp_opts_len, false, &o);
	if (toe_sock_create_child(eng, listener, pkt, &child)) {
		eng->tcp.stats.listen_drops++;
		listener->tcp.listen.child_failures++;
		return true;
	}
	eng->tcp.stats.syncookies_ok++;
	listener->tcp.listen.syncookies_ok++;
	eng->tcp.stats.passive_opens++;
	tp = toe_tcp(child);
	tp->flags |= TOE_TCB_PASSIVE | TOE_TCB_COOKIE;
	inherit(tp, toe_tcp(listener));
	tp->peer_mss = mss;
	tp->ts_offset = toe_tcp_ts_offset(key, &t);
	tp->snd_wscale = 0;
	tp->rcv_wscale = 0;
	if (o.flags & TOE_TCPOPT_F_TS) {
		u8 ws;
		bool sack;

		toe_tcp_cookie_ts_decode(o.tsecr, &ws, &sack);
		tp->flags |= TOE_TCB_TS_OK;
		if (sack && eng->tcp.tun.sack)
			tp->flags |= TOE_TCB_SACK_OK;
		tp->ts_recent = o.tsval;
		tp->ts_recent_us = now;
		if (ws != TOE_TCP_COOKIE_NO_WSCALE) {
			tp->flags |= TOE_TCB_WS_OK;
			tp->snd_wscale = ws;
			tp->rcv_wscale = (u8)eng->tcp.tun.rcv_wscale;
		}
	}
	tp->iss = pkt->ack - 1;
	tp->snd_una = pkt->ack;
	tp->snd_nxt = pkt->ack;
	tp->snd_max = pkt->ack;
	tp->snd_end = pkt->ack;
	tp->snd_sml = tp->iss;
	tp->irs = pkt->seq - 1;
	tp->rcv_nxt = pkt->seq;
	tp->last_ack_sent = pkt->seq;
	tp->snd_wnd = (u32)pkt->window << tp->snd_wscale;
	tp->max_sndwnd = tp->snd_wnd;
	tp->snd_wl1 = pkt->seq;
	tp->snd_wl2 = pkt->ack;
	algo = tp->cc.algo; /* the listener's, from inherit() */
	toe_tcp_cc_init(&tp->cc, TOE_TCP_DEFAULT_MSS, tp->iss);
	toe_tcp_cc_set_algo(&tp->cc, algo);
	toe_tcp_update_mss(eng, child);
	/*
	 * The edge the cookie SYN-ACK advertised, not the space now: the
	 * peer may already send into all of it.
	 */
	tp->rcv_adv = tp->rcv_nxt + toe_tcp_cookie_window(eng);
	tp->last_recv_us = now;
	toe_tcp_set_state(eng, child, TOE_TCPS_SYN_RECEIVED);
	prev = toe_tcp_enter(eng, child);
	toe_tcp_established(eng, child);
	/* The ACK may carry data (and a FIN) already. */
	if (tp->state == TOE_TCPS_ESTABLISHED &&
	    (pkt->payload_len || (pkt->tcp_flags & TOE_TCPF_FIN)))
		toe_tcp_process(eng, child, pkt);
	toe_tcp_leave(eng, child, prev);
	return true;
}

void toe_tcp_listen_input(struct toe_engine *eng, struct toe_sock *listener,
			  const struct toe_pkt *pkt)
{
	u8 fl = pkt->tcp_flags;
	struct toe_tcp_opts o;

	eng->tcp.stats.segs_in++;
	if (fl & TOE_TCPF_RST) {
		eng->tcp.stats.rst_in++;
		TOE_CTR_INC(eng, tcp_rst_in);
		return;
	}
	if (toe_tcp(listener)->state != TOE_TCPS_LISTEN)
		return;
	if (fl & TOE_TCPF_ACK) {
		if (!cookie_ack(eng, listener, pkt))
			toe_tcp_send_rst_reply(eng, pkt);
		return;
	}
	if (!(fl & TOE_TCPF_SYN) || toe_ipv4_never_tcp_peer(pkt->src_ip))
		return;
	if (toe_sock_accept_queue_full(listener)) {
		eng->tcp.stats.listen_drops++;
		listener->tcp.listen.acceptq_overflows++;
		TOE_CTR_INC(eng, tcp_drops);
		toe_sock_trace(eng, listener, TOE_TRACE_DROP, TOE_DROP_TCP,
			       pkt->seq, 0);
		return;
	}
	/* Malformed options: what parsed before the fault still counts. */
	toe_tcp_opts_parse(pkt->tcp_opts, pkt->tcp_opts_len, true, &o);
	if (eng->syn_queue >= eng->cfg.syn_queue_max) {
		send_cookie(eng, listener, pkt, &o);
		return;
	}
	new_child(eng, listener, pkt, &o);
}

void toe_tcp_reject(struct toe_engine *eng, const struct toe_pkt *pkt)
{
	eng->tcp.stats.segs_in++;
	TOE_CTR_INC(eng, tcp_segs_in);
	if (pkt->tcp_flags & TOE_TCPF_RST) {
		eng->tcp.stats.rst_in++;
		TOE_CTR_INC(eng, tcp_rst_in);
		return;
	}
	eng->tcp.stats.closed_port_rsts++;
	toe_tcp_send_rst_reply(eng, pkt);
}
