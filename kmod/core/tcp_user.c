// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The TCP side of the host's requests (RFC 9293 3.10.1 to 3.10.6 "user
 * calls"), socket set-up and teardown, options, and introspection.
 */
#include "tcp_int.h"

/* TOE_OPT_CONGESTION's values (the ABI's) are the module's own. */
_Static_assert((int)TOE_CC_NEWRENO == (int)TOE_TCP_CC_NEWRENO &&
		       (int)TOE_CC_CUBIC == (int)TOE_TCP_CC_CUBIC,
	       "enum toe_cc and enum toe_tcp_cc_algo differ");

void toe_tcp_engine_init(struct toe_engine *eng)
{
	struct toe_tcp_engine *te = &eng->tcp;
	struct toe_tcp_tunables *t = &te->tun;

	memset(te, 0, sizeof(*te));
	t->msl_ms = 30000;
	t->fin_timeout_ms = 60000;
	t->syn_retries = 6;
	t->synack_retries = 5;
	t->retries = 15;
	t->delack_us = 40000;
	t->keepidle_s = 7200;
	t->keepintvl_s = 75;
	t->keepcnt = 9;
	t->rcv_wscale = 7;
	t->challenge_ack_limit = 10;
	t->challenge_ack_window_ms = 5000;
	t->oow_ack_interval_ms = 500;
	t->sack = 1;
	t->pmtu_min = 552;
	t->plpmtud_blackhole_rtos = 3;
	t->plpmtud_base = 1024;
	t->plpmtud_probe_threshold = 8;
	t->pmtu_reprobe_s = 600;
	/* toe_engine_create() made the secret random when none was given. */
	te->secret.k0 = eng->cfg.isn_secret[0];
	te->secret.k1 = eng->cfg.isn_secret[1];
	if (!te->secret.k0 && !te->secret.k1)
		toe_os_random_bytes(&te->secret, sizeof(te->secret));
}

void toe_tcp_get_stats(const struct toe_engine *eng,
		       struct toe_tcp_stats *stats)
{
	*stats = eng->tcp.stats;
}

void toe_tcp_get_sock_stats(const struct toe_sock *sk,
			    struct toe_tcp_stats *stats)
{
	*stats = sk->tcp.stats;
}

void toe_tcp_sock_init(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	const struct toe_tcp_tunables *t = &eng->tcp.tun;

	memset(tp, 0, sizeof(*tp));
	tp->state = TOE_TCPS_CLOSED;
	tp->rcv_wscale = (u8)t->rcv_wscale;
	tp->keepidle_s = t->keepidle_s;
	tp->keepintvl_s = t->keepintvl_s;
	tp->keepcnt = t->keepcnt;
	tp->peer_mss = TOE_TCP_DEFAULT_MSS;
	tp->pmtu.mtu = (u16)eng->cfg.mtu;
	toe_tcp_rto_init(&tp->rto);
	toe_tcp_cc_init(&tp->cc, TOE_TCP_DEFAULT_MSS, 0);
	/* The configuration was checked: the algorithm is a known one. */
	toe_tcp_cc_set_algo(&tp->cc, eng->cfg.congestion);
	toe_tcp_timers_init(sk);
	toe_tcp_update_mss(eng, sk);
	/*
	 * TOE_OPT_LINGER's default is a graceful close; a listener's child
	 * has its listener's setting already.
	 */
	if (!sk->parent)
		sk->linger_s = ~0u;
}

/* ISS (RFC 6528) and the timestamp offset for sk's 4-tuple. */
void toe_tcp_init_sequence(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_tuple t = {
		.laddr = sk->local_ip,
		.raddr = sk->remote_ip,
		.lport = sk->local_port,
		.rport = sk->remote_port,
	};

	tp->iss = toe_tcp_isn(&eng->tcp.secret, &t, toe_os_now_us());
	tp->ts_offset = toe_tcp_ts_offset(&eng->tcp.secret, &t);
	tp->snd_una = tp->iss;
	tp->snd_nxt = tp->iss;
	tp->snd_max = tp->iss;
	tp->snd_end = tp->iss + 1; /* the first data byte follows the SYN */
	tp->snd_sml = tp->iss;
	tp->cc.recover = tp->iss;
}

int toe_tcp_connect(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_sock *prev;

	if (tp->state != TOE_TCPS_CLOSED)
		return -EISCONN;
	prev = toe_tcp_enter(eng, sk);
	toe_tcp_init_sequence(eng, sk);
	tp->rcv_wscale = (u8)eng->tcp.tun.rcv_wscale;
	toe_tcp_update_mss(eng, sk);
	toe_tcp_set_state(eng, sk, TOE_TCPS_SYN_SENT);
	eng->tcp.stats.active_opens++;
	toe_tcp_send_syn(eng, sk);
	tp->flags |= TOE_TCB_RTT_TIMING;
	tp->rtt_seq = tp->iss + 1;
	tp->rtt_start_us = toe_os_now_us();
	toe_tcp_rtx_arm(eng, sk);
	toe_tcp_leave(eng, sk, prev);
	return 0;
}

int toe_tcp_listen(struct toe_engine *eng, struct toe_sock *sk, int backlog)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (tp->state != TOE_TCPS_CLOSED && tp->state != TOE_TCPS_LISTEN)
		return -EINVAL;
	toe_tcp_set_state(eng, sk, TOE_TCPS_LISTEN);
	return 0;
}

/*
 * Bytes queued but not acknowledged stay below this, far inside the
 * 2^31 a sequence comparison can order.
 */
#define SEND_QUEUE_MAX (1u << 30)

int toe_tcp_send(struct toe_engine *eng, struct toe_sock *sk,
		 struct toe_send_desc *d)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_sock *prev;

	switch (tp->state) {
	case TOE_TCPS_SYN_SENT:
	case TOE_TCPS_SYN_RECEIVED:
	case TOE_TCPS_ESTABLISHED:
	case TOE_TCPS_CLOSE_WAIT:
		break;
	case TOE_TCPS_CLOSED:
		return tp->error ? tp->error : -ENOTCONN;
	case TOE_TCPS_LISTEN:
		return -ENOTCONN;
	default:
		return -EPIPE; /* our FIN is queued or sent */
	}
	if (tp->flags & TOE_TCB_FIN_QUEUED)
		return -EPIPE;
	if (d->len > SEND_QUEUE_MAX ||
	    tp->snd_end - tp->snd_una > SEND_QUEUE_MAX - d->len)
		return -ENOBUFS;
	prev = toe_tcp_enter(eng, sk);
	d->seq = tp->snd_end;
	d->done = 0;
	d->sent = 0;
	d->next = NULL;
	d->prev = tp->sq_tail;
	if (tp->sq_tail)
		tp->sq_tail->next = d;
	else
		tp->sq_head = d;
	tp->sq_tail = d;
	if (!tp->sq_cursor)
		tp->sq_cursor = d;
	tp->snd_end += d->len;
	toe_tcp_output(eng, sk);
	toe_tcp_leave(eng, sk, prev);
	return 0;
}

static int set_bool_flag(struct toe_tcp_cb *tp, u32 flag, u64 value)
{
	if (value > 1)
		return -EINVAL;
	if (value)
		tp->flags |= flag;
	else
		tp->flags &= ~flag;
	return 0;
}

int toe_tcp_setopt(struct toe_engine *eng, struct toe_sock *sk, int opt,
		   u64 value)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_sock *prev;
	int rc = 0;

	switch (opt) {
	case TOE_OPT_NODELAY:
		rc = set_bool_flag(tp, TOE_TCB_NODELAY, value);
		break;
	case TOE_OPT_KEEPALIVE:
		rc = set_bool_flag(tp, TOE_TCB_KEEPALIVE, value);
		break;
	case TOE_OPT_KEEPIDLE:
		if (!value || value > 32767)
			return -EINVAL;
		tp->keepidle_s = (u32)value;
		break;
	case TOE_OPT_KEEPINTVL:
		if (!value || value > 32767)
			return -EINVAL;
		tp->keepintvl_s = (u32)value;
		break;
	case TOE_OPT_KEEPCNT:
		if (!value || value > 127)
			return -EINVAL;
		tp->keepcnt = (u32)value;
		break;
	case TOE_OPT_USER_TIMEOUT:
		if (value > 0x7fffffffull)
			return -EINVAL;
		tp->user_timeout_ms = (u32)value;
		return 0;
	case TOE_OPT_MAXSEG:
		/* Like TCP_MAXSEG: only before the connection exists. */
		if (value && (value < TOE_TCP_MIN_MSS || value > 65535))
			return -EINVAL;
		if (tp->state != TOE_TCPS_CLOSED &&
		    tp->state != TOE_TCPS_LISTEN)
			return -EISCONN;
		tp->user_mss = (u16)value;
		toe_tcp_update_mss(eng, sk);
		return 0;
	case TOE_OPT_CONGESTION:
		/*
		 * Like TCP_CONGESTION, but only while the window has no
		 * history: one algorithm's state means nothing to the other.
		 */
		if (value > TOE_TCP_CC_ALGO_MAX)
			return -EINVAL;
		if (toe_seq_gt(tp->snd_max, tp->iss + 1))
			return -EISCONN;
		return toe_tcp_cc_set_algo(&tp->cc, (unsigned int)value);
	case TOE_OPT_LINGER:
		return 0; /* the core keeps sk->linger_s; close reads it */
	default:
		return -ENOPROTOOPT;
	}
	if (rc)
		return rc;
	prev = toe_tcp_enter(eng, sk);
	if (opt == TOE_OPT_NODELAY && value)
		toe_tcp_output(eng, sk); /* what Nagle held goes now */
	else if (opt != TOE_OPT_NODELAY)
		toe_tcp_keepalive_reset(eng, sk);
	toe_tcp_leave(eng, sk, prev);
	return 0;
}

int toe_tcp_getopt(struct toe_engine *eng, struct toe_sock *sk, int opt,
		   u64 *value)
{
	const struct toe_tcp_cb *tp = &sk->tcp;

	switch (opt) {
	case TOE_OPT_NODELAY:
		*value = !!(tp->flags & TOE_TCB_NODELAY);
		return 0;
	case TOE_OPT_KEEPALIVE:
		*value = !!(tp->flags & TOE_TCB_KEEPALIVE);
		return 0;
	case TOE_OPT_KEEPIDLE:
		*value = tp->keepidle_s;
		return 0;
	case TOE_OPT_KEEPINTVL:
		*value = tp->keepintvl_s;
		return 0;
	case TOE_OPT_KEEPCNT:
		*value = tp->keepcnt;
		return 0;
	case TOE_OPT_USER_TIMEOUT:
		*value = tp->user_timeout_ms;
		return 0;
	case TOE_OPT_MAXSEG:
		*value = tp->state >= TOE_TCPS_ESTABLISHED ?
				 tp->mss :
				 (tp->user_mss ? tp->user_mss : tp->adv_mss);
		return 0;
	case TOE_OPT_CONGESTION:
		*value = tp->cc.algo;
		return 0;
	case TOE_OPT_LINGER:
		*value = sk->linger_s;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/*
 * The host posted a buffer (or anonymous space appeared): announce the
 * larger window when it matters to the peer, i.e. when the window we last
 * advertised was too small for a full segment or the new one is at least
 * twice as large (receiver SWS avoidance still applies).
 */
void toe_tcp_on_buffer_posted(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_sock *prev;
	u32 cur, now;

	switch (tp->state) {
	case TOE_TCPS_ESTABLISHED:
	case TOE_TCPS_FIN_WAIT_1:
	case TOE_TCPS_FIN_WAIT_2:
		break;
	default:
		return;
	}
	cur = toe_seq_gt(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt :
						     0;
	now = toe_tcp_window_now(eng, sk);
	if (now <= cur || now - cur < tp->adv_mss)
		return;
	if (cur >= tp->adv_mss && now < 2 * cur)
		return;
	prev = toe_tcp_enter(eng, sk);
	toe_tcp_send_ack(eng, sk);
	toe_tcp_leave(eng, sk, prev);
}

void toe_tcp_release(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	toe_tcp_timers_cancel(eng, sk);
	toe_tcp_tw_unlink(eng, sk);
	toe_tcp_synq_unlink(eng, sk);
	toe_tcp_reass_purge(eng, sk);
	toe_tcp_recovery_release(tp);
	if (tp->sq_head)
		toe_tcp_complete_sends(eng, sk,
				       tp->error ? tp->error : -ECONNABORTED);
	tp->state = TOE_TCPS_CLOSED;
}

void toe_tcp_get_info(const struct toe_sock *sk, struct toe_sock_info *info)
{
	const struct toe_tcp_cb *tp = &sk->tcp;

	info->state = tp->state;
	info->snd_una = tp->snd_una;
	info->snd_nxt = tp->snd_nxt;
	info->rcv_nxt = tp->rcv_nxt;
	info->snd_wnd = tp->snd_wnd;
	info->rcv_wnd = toe_seq_gt(tp->rcv_adv, tp->rcv_nxt) ?
				tp->rcv_adv - tp->rcv_nxt :
				0;
	info->cwnd = tp->cc.cwnd;
	info->congestion = tp->cc.algo;
	info->ssthresh = tp->cc.ssthresh;
	info->srtt_us = tp->rto.srtt_us;
	info->rto_us = toe_tcp_rto_current(&tp->rto);
	info->mss = tp->mss;
	info->retransmits = tp->stats.retransmits;
	info->segs_in = tp->stats.segs_in;
	info->segs_out = tp->stats.segs_out;
	info->bytes_sent = tp->stats.bytes_out;
	info->bytes_acked = tp->stats.bytes_acked;
	info->bytes_received = tp->stats.bytes_in;
	if (tp->flags & TOE_TCB_NODELAY)
		info->flags |= TOE_SIF_NODELAY;
	if (tp->flags & TOE_TCB_KEEPALIVE)
		info->flags |= TOE_SIF_KEEPALIVE;
	info->keepidle_s = tp->keepidle_s;
	info->keepintvl_s = tp->keepintvl_s;
	info->keepcnt = tp->keepcnt;
	info->user_timeout_ms = tp->user_timeout_ms;
	info->synq_len = tp->synq_len;
	info->listen = tp->listen;
}
