// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Connection teardown: the host's close, shutdown and abort, the FIN
 * states, TIME_WAIT with its engine-wide cap, and the end of a connection
 * by error.
 *
 * TIME_WAIT lasts 2 * MSL (MSL 30 s by default, eng->tcp.tun.msl_ms). The
 * engine keeps at most cfg.time_wait_max sockets in TIME_WAIT: when one
 * more enters, the oldest ends at once (it has the least time left to
 * protect anything), as Linux does with tcp_max_tw_buckets but keeping the
 * newest. With a cap of 0 connections skip TIME_WAIT.
 */
#include "tcp_int.h"

void toe_tcp_set_state(struct toe_engine *eng, struct toe_sock *sk, u8 state)
{
	toe_tcp(sk)->state = state;
}

/* Ends every queued send request with status (0 only when acknowledged). */
void toe_tcp_complete_sends(struct toe_engine *eng, struct toe_sock *sk,
			    int status)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	while (tp->sq_head) {
		struct toe_send_desc *d = tp->sq_head;
		u32 acked = toe_seq_gt(tp->snd_una, d->seq) ?
				    tp->snd_una - d->seq : 0;

		tp->sq_head = d->next;
		if (tp->sq_head)
			tp->sq_head->prev = NULL;
		else
			tp->sq_tail = NULL;
		if (acked > d->len)
			acked = d->len;
		toe_send_complete(eng, sk, d, acked, status);
	}
	tp->sq_cursor = NULL;
	tp->snd_end = tp->snd_una;
}

/* ---- TIME_WAIT ------------------------------------------------------------ */

void toe_tcp_tw_unlink(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_engine *te = &eng->tcp;

	if (!(tp->flags & TOE_TCB_IN_TW))
		return;
	if (tp->tw_prev)
		tp->tw_prev->tcp.tw_next = tp->tw_next;
	else
		te->tw_head = tp->tw_next;
	if (tp->tw_next)
		tp->tw_next->tcp.tw_prev = tp->tw_prev;
	else
		te->tw_tail = tp->tw_prev;
	tp->tw_next = NULL;
	tp->tw_prev = NULL;
	tp->flags &= ~TOE_TCB_IN_TW;
	toe_engine_time_wait_dec(eng);
}

void toe_tcp_enter_time_wait(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_engine *te = &eng->tcp;
	u32 cap = eng->cfg.time_wait_max;

	toe_tcp_timers_cancel(eng, sk);
	toe_tcp_set_state(eng, sk, TOE_TCPS_TIME_WAIT);
	if (!cap) {
		toe_tcp_done(eng, sk, 0);
		return;
	}
	while (te->tw_head && eng->time_wait >= cap) {
		struct toe_sock *old = te->tw_head;

		te->stats.time_wait_recycled++;
		toe_tcp_done(eng, old, 0);
	}
	tp->tw_prev = te->tw_tail;
	tp->tw_next = NULL;
	if (te->tw_tail)
		te->tw_tail->tcp.tw_next = sk;
	else
		te->tw_head = sk;
	te->tw_tail = sk;
	tp->flags |= TOE_TCB_IN_TW;
	toe_engine_time_wait_inc(eng);
	toe_timer_arm_in(eng, &tp->state_timer, 2ull * te->tun.msl_ms * 1000);
}

/* ---- the end of a connection ------------------------------------------- */

/*
 * The connection is CLOSED. A socket the host no longer holds (closed, or
 * a child never accepted) is freed; one the host still holds leaves the
 * flow table and waits for the host's close.
 */
void toe_tcp_done(struct toe_engine *eng, struct toe_sock *sk, int error)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	toe_tcp_timers_cancel(eng, sk);
	toe_tcp_tw_unlink(eng, sk);
	toe_tcp_synq_unlink(eng, sk);
	toe_tcp_reass_purge(eng, sk);
	toe_tcp_set_state(eng, sk, TOE_TCPS_CLOSED);
	if (error && !tp->error)
		tp->error = error;
	if (tp->sq_head)
		toe_tcp_complete_sends(eng, sk,
				       tp->error ? tp->error : -ECONNABORTED);
	if (toe_sock_host_closed(sk) || !(sk->flags & TOE_SKF_HOST_HELD)) {
		if (eng->tcp.busy == sk) {
			tp->flags |= TOE_TCB_REAP;
			toe_flow_remove(eng, sk);
		} else {
			toe_sock_free(eng, sk);
		}
		return;
	}
	toe_flow_remove(eng, sk);
}

void toe_tcp_leave(struct toe_engine *eng, struct toe_sock *sk,
		   struct toe_sock *prev)
{
	eng->tcp.busy = prev;
	if (sk->tcp.flags & TOE_TCB_REAP)
		toe_sock_free(eng, sk);
}

/*
 * The connection failed (reset, timeout, abort): the host hears why, its
 * buffers come back and its sends fail, then the connection is done.
 */
void toe_tcp_fail(struct toe_engine *eng, struct toe_sock *sk, int error,
		  bool send_rst)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u8 state = tp->state;
	bool connecting = state == TOE_TCPS_SYN_SENT ||
			  (state == TOE_TCPS_SYN_RECEIVED &&
			   !(tp->flags & TOE_TCB_PASSIVE));

	if (send_rst && state >= TOE_TCPS_SYN_RECEIVED &&
	    state != TOE_TCPS_TIME_WAIT)
		toe_tcp_send_rst(eng, sk);
	tp->error = error;
	if (state == TOE_TCPS_SYN_SENT)
		eng->tcp.stats.connect_failures++;
	if ((sk->flags & TOE_SKF_HOST_HELD) && !toe_sock_host_closed(sk)) {
		toe_tcp_complete_sends(eng, sk, error);
		toe_rx_reset(eng, sk, error);
		if (connecting)
			toe_sock_connected(eng, sk, error);
		else
			toe_sock_event(eng, sk, TOE_EV_ERROR, error);
	}
	toe_tcp_done(eng, sk, error);
}

/* ---- FIN ------------------------------------------------------------------ */

/* The host has no more to send: FIN follows the queued data. */
void toe_tcp_queue_fin(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (tp->flags & TOE_TCB_FIN_QUEUED)
		return;
	tp->flags |= TOE_TCB_FIN_QUEUED;
	switch (tp->state) {
	case TOE_TCPS_ESTABLISHED:
		toe_tcp_set_state(eng, sk, TOE_TCPS_FIN_WAIT_1);
		break;
	case TOE_TCPS_CLOSE_WAIT:
		toe_tcp_set_state(eng, sk, TOE_TCPS_LAST_ACK);
		break;
	default:
		/* SYN_SENT / SYN_RECEIVED: sent once established. */
		return;
	}
	toe_tcp_output(eng, sk);
}

/* Our FIN was acknowledged. */
void toe_tcp_fin_acked(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	switch (tp->state) {
	case TOE_TCPS_FIN_WAIT_1:
		toe_tcp_set_state(eng, sk, TOE_TCPS_FIN_WAIT_2);
		toe_timer_cancel(eng, &tp->state_timer); /* linger is met */
		if (toe_sock_host_closed(sk)) {
			/* Nobody can read what the peer still sends. */
			tp->flags |= TOE_TCB_FW2_TIMER;
			toe_timer_arm_in(eng, &tp->state_timer,
					 (u64)eng->tcp.tun.fin_timeout_ms *
						 1000);
		}
		toe_tcp_keepalive_reset(eng, sk);
		break;
	case TOE_TCPS_CLOSING:
		toe_tcp_enter_time_wait(eng, sk);
		break;
	case TOE_TCPS_LAST_ACK:
		toe_tcp_done(eng, sk, 0);
		break;
	default:
		break;
	}
}

/* ---- host requests ----------------------------------------------------- */

/*
 * By the time TCP closes, the host has let go of what waited unread
 * (host_stops_reading in sock_api.c) and TOE_TCB_RX_DISCARDED records it;
 * out-of-order data was received as well, if not yet in order.
 */
static bool has_unread_data(const struct toe_sock *sk)
{
	return sk->tcp.ooo_segs || (sk->tcp.flags & TOE_TCB_RX_DISCARDED);
}

static int abort_conn(struct toe_engine *eng, struct toe_sock *sk, int error)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	switch (tp->state) {
	case TOE_TCPS_LISTEN:
		toe_tcp_synq_purge(eng, sk);
		toe_tcp_done(eng, sk, error);
		return 0;
	case TOE_TCPS_CLOSED:
	case TOE_TCPS_SYN_SENT:
	case TOE_TCPS_TIME_WAIT:
		toe_tcp_done(eng, sk, error);
		return 0;
	default:
		/*
		 * RFC 9293 3.10.5: <SEQ=SND.NXT><CTL=RST> in the
		 * synchronized states.
		 */
		toe_tcp_send_rst(eng, sk);
		toe_tcp_done(eng, sk, error);
		return 0;
	}
}

static int close_conn(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	switch (tp->state) {
	case TOE_TCPS_LISTEN:
	case TOE_TCPS_CLOSED:
	case TOE_TCPS_SYN_SENT:
		return abort_conn(eng, sk, -ECONNABORTED);
	default:
		break;
	}
	/*
	 * SO_LINGER with a zero time, and RFC 9293 3.6.1 (RFC 2525 2.17):
	 * closing with received data unread resets, so the peer learns that
	 * data was lost.
	 */
	if (sk->linger_s == 0 || has_unread_data(sk))
		return abort_conn(eng, sk, -ECONNABORTED);
	if (sk->linger_s != ~0u && tp->state != TOE_TCPS_TIME_WAIT)
		toe_timer_arm_in(eng, &tp->state_timer,
				 (u64)sk->linger_s * 1000000);
	toe_tcp_queue_fin(eng, sk);
	if (tp->state == TOE_TCPS_FIN_WAIT_2 &&
	    !(tp->flags & TOE_TCB_FW2_TIMER)) {
		tp->flags |= TOE_TCB_FW2_TIMER;
		toe_timer_arm_in(eng, &tp->state_timer,
				 (u64)eng->tcp.tun.fin_timeout_ms * 1000);
	}
	if (!sk->sends_pending)
		toe_sock_host_detach(eng, sk, 0);
	return 0;
}

static int shutdown_conn(struct toe_engine *eng, struct toe_sock *sk, int how)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (how != TOE_SHUT_RD && how != TOE_SHUT_WR && how != TOE_SHUT_RDWR)
		return -EINVAL;
	switch (tp->state) {
	case TOE_TCPS_CLOSED:
	case TOE_TCPS_LISTEN:
		return -ENOTCONN;
	default:
		break;
	}
	/* Reading: the core discards later data and returns the buffers. */
	if (how != TOE_SHUT_RD)
		toe_tcp_queue_fin(eng, sk);
	return 0;
}

/*
 * The host's requests. The core marks the socket host-closed and returns
 * its posted buffers before close and abort.
 */
int toe_tcp_abort(struct toe_engine *eng, struct toe_sock *sk, int error)
{
	struct toe_sock *prev = toe_tcp_enter(eng, sk);
	int rc = abort_conn(eng, sk, error);

	toe_tcp_leave(eng, sk, prev);
	return rc;
}

int toe_tcp_close(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_sock *prev = toe_tcp_enter(eng, sk);
	int rc = close_conn(eng, sk);

	toe_tcp_leave(eng, sk, prev);
	return rc;
}

int toe_tcp_shutdown(struct toe_engine *eng, struct toe_sock *sk, int how)
{
	struct toe_sock *prev = toe_tcp_enter(eng, sk);
	int rc = shutdown_conn(eng, sk, how);

	toe_tcp_leave(eng, sk, prev);
	return rc;
}
