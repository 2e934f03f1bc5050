// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * TCP timers, each embedded in the control block and run by the engine's
 * wheel: retransmission (SYN, SYN-ACK, data and FIN; it doubles as the
 * persist timer while the peer's window is shut), delayed ACK, keepalive,
 * and the state timer (linger, orphaned FIN_WAIT_2, TIME_WAIT).
 */
#include "tcp_int.h"

static void rtx_fire(struct toe_engine *eng, struct toe_sock *sk,
		     struct toe_timer *t);
static void delack_fire(struct toe_engine *eng, struct toe_sock *sk,
			struct toe_timer *t);
static void keep_fire(struct toe_engine *eng, struct toe_sock *sk,
		      struct toe_timer *t);
static void state_fire(struct toe_engine *eng, struct toe_sock *sk,
		       struct toe_timer *t);

void toe_tcp_timers_init(struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	toe_timer_init(&tp->rtx_timer, rtx_fire, sk);
	toe_timer_init(&tp->delack_timer, delack_fire, sk);
	toe_timer_init(&tp->keep_timer, keep_fire, sk);
	toe_timer_init(&tp->state_timer, state_fire, sk);
	toe_timer_init(&tp->loss_timer, toe_tcp_loss_timer_fire, sk);
}

void toe_tcp_timers_cancel(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	toe_timer_cancel(eng, &tp->rtx_timer);
	toe_timer_cancel(eng, &tp->delack_timer);
	toe_timer_cancel(eng, &tp->keep_timer);
	toe_timer_cancel(eng, &tp->state_timer);
	toe_tcp_loss_timer_cancel(eng, sk);
	tp->flags &= ~(TOE_TCB_PERSIST | TOE_TCB_FW2_TIMER);
}

/* ---- retransmission --------------------------------------------------------- */

/*
 * The current RTO, cut short so that a user timeout (RFC 5482) fires when
 * it runs out rather than at the first backed-off RTO after it (as Linux's
 * tcp_clamp_rto_to_user_timeout).
 */
static u64 rtx_delay(const struct toe_tcp_cb *tp)
{
	u64 rto = toe_tcp_rto_current(&tp->rto);
	u64 end, now;

	if (!tp->user_timeout_ms)
		return rto;
	end = tp->rtx_start_us + (u64)tp->user_timeout_ms * 1000;
	now = toe_os_now_us();
	if (end <= now)
		return 1;
	return end - now < rto ? end - now : rto;
}

/* Arms the retransmission timer with the current RTO (RFC 6298 5.1). */
void toe_tcp_rtx_arm(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	tp->flags &= ~TOE_TCB_PERSIST;
	if (!tp->rtx_count)
		tp->rtx_start_us = toe_os_now_us();
	toe_timer_arm_in(eng, &tp->rtx_timer, rtx_delay(tp));
}

/* New data was acknowledged (RFC 6298 5.2, 5.3). */
void toe_tcp_rtx_restart(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (tp->snd_una == tp->snd_max) {
		if (!(tp->flags & TOE_TCB_PERSIST))
			toe_timer_cancel(eng, &tp->rtx_timer);
		return;
	}
	toe_tcp_rtx_arm(eng, sk);
}

static bool retries_exhausted(struct toe_engine *eng, struct toe_tcp_cb *tp,
			      u32 limit)
{
	if (tp->user_timeout_ms &&
	    toe_os_now_us() - tp->rtx_start_us >=
		    (u64)tp->user_timeout_ms * 1000)
		return true;
	return tp->rtx_count > limit;
}

static void syn_timeout(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	bool passive = tp->flags & TOE_TCB_PASSIVE;
	u32 limit = tp->state == TOE_TCPS_SYN_SENT ?
			    eng->tcp.tun.syn_retries :
			    eng->tcp.tun.synack_retries;

	tp->rtx_count++;
	if (retries_exhausted(eng, tp, limit)) {
		eng->tcp.stats.aborts_timeout++;
		if (passive && tp->state == TOE_TCPS_SYN_RECEIVED)
			toe_tcp_done(eng, sk, -ETIMEDOUT);
		else
			toe_tcp_fail(eng, sk, -ETIMEDOUT, false);
		return;
	}
	TOE_TCP_STAT_INC(eng, sk, timeouts);
	TOE_TCP_STAT_INC(eng, sk, retransmits);
	TOE_CTR_INC(eng, tcp_retransmits);
	toe_sock_trace(eng, sk, TOE_TRACE_RETRANSMIT, 0, tp->iss, 0);
	tp->flags |= TOE_TCB_SYN_RETRANSMITTED;
	tp->flags &= ~TOE_TCB_RTT_TIMING;
	toe_tcp_rto_backoff(&tp->rto);
	toe_tcp_send_syn(eng, sk);
	toe_timer_arm_in(eng, &tp->rtx_timer, rtx_delay(tp));
}

static void data_timeout(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u32 before;

	if (tp->snd_una == tp->snd_max)
		return;
	tp->rtx_count++;
	if (retries_exhausted(eng, tp, eng->tcp.tun.retries)) {
		eng->tcp.stats.aborts_timeout++;
		toe_tcp_fail(eng, sk, -ETIMEDOUT, false);
		return;
	}
	TOE_TCP_STAT_INC(eng, sk, timeouts);
	if (toe_tcp_pmtu_timeout(eng, sk)) {
		toe_timer_arm_in(eng, &tp->rtx_timer, rtx_delay(tp));
		return;
	}
	toe_tcp_cc_on_timeout(&tp->cc, tp->snd_max - tp->snd_una, tp->snd_max,
			      tp->rtx_count == 1, toe_os_now_us());
	toe_tcp_rto_backoff(&tp->rto);
	tp->flags &= ~TOE_TCB_RTT_TIMING;
	if (tp->flags & TOE_TCB_SACK_OK) {
		/* The scoreboard resends from snd_una; snd_nxt stays. */
		toe_tcp_recovery_timeout(eng, sk);
	} else {
		/* Go back N: everything after snd_una is presumed lost. */
		tp->snd_nxt = tp->snd_una;
		tp->sq_cursor = tp->sq_head;
	}
	before = tp->stats.segs_out;
	toe_tcp_output(eng, sk);
	if (tp->stats.segs_out == before)
		toe_tcp_retransmit_head(eng, sk); /* window shut: resend anyway */
	toe_timer_arm_in(eng, &tp->rtx_timer, rtx_delay(tp));
}

/* ---- persist ------------------------------------------------------------------ */

static u32 persist_interval(const struct toe_tcp_cb *tp)
{
	u64 us = toe_tcp_rto_current(&tp->rto);
	u32 shift = tp->persist_backoff < 16 ? tp->persist_backoff : 16;

	us <<= shift;
	if (us < TOE_TCP_PERSIST_MIN_US)
		us = TOE_TCP_PERSIST_MIN_US;
	if (us > TOE_TCP_PERSIST_MAX_US)
		us = TOE_TCP_PERSIST_MAX_US;
	return (u32)us;
}

/*
 * Data waits, nothing is in flight and the window (or SWS avoidance) stops
 * us: probe until the peer opens it (RFC 9293 3.8.6.1).
 */
void toe_tcp_persist_arm(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (toe_timer_pending(&tp->rtx_timer))
		return;
	tp->flags |= TOE_TCB_PERSIST;
	toe_timer_arm_in(eng, &tp->rtx_timer, persist_interval(tp));
}

static void persist_fire(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	tp->flags &= ~TOE_TCB_PERSIST;
	/*
	 * The persist timer never gives up while the peer answers (RFC 9293
	 * 3.8.6.1): persist_probes is cleared by every acceptable ACK, so it
	 * counts unanswered probes only. The interval keeps backing off while
	 * the answers say the window is still shut.
	 */
	if (tp->persist_probes > eng->tcp.tun.retries) {
		eng->tcp.stats.aborts_timeout++;
		toe_tcp_fail(eng, sk, -ETIMEDOUT, false);
		return;
	}
	tp->persist_probes++;
	tp->persist_backoff++;
	if (tp->snd_wnd) {
		/* A small window SWS avoidance would wait on forever. */
		tp->flags |= TOE_TCB_FORCE;
		toe_tcp_output(eng, sk);
		tp->flags &= ~TOE_TCB_FORCE;
	} else {
		toe_tcp_send_window_probe(eng, sk);
	}
	if (!toe_timer_pending(&tp->rtx_timer) && tp->snd_una == tp->snd_max &&
	    (toe_seq_lt(tp->snd_nxt, tp->snd_end) ||
	     ((tp->flags & TOE_TCB_FIN_QUEUED) &&
	      !(tp->flags & TOE_TCB_FIN_SENT))))
		toe_tcp_persist_arm(eng, sk);
}

static void rtx_run(struct toe_engine *eng, struct toe_sock *sk,
		     struct toe_timer *t)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (tp->flags & TOE_TCB_PERSIST) {
		persist_fire(eng, sk);
		return;
	}
	switch (tp->state) {
	case TOE_TCPS_SYN_SENT:
	case TOE_TCPS_SYN_RECEIVED:
		syn_timeout(eng, sk);
		break;
	case TOE_TCPS_ESTABLISHED:
	case TOE_TCPS_FIN_WAIT_1:
	case TOE_TCPS_CLOSE_WAIT:
	case TOE_TCPS_CLOSING:
	case TOE_TCPS_LAST_ACK:
		data_timeout(eng, sk);
		break;
	default:
		break;
	}
}

static void rtx_fire(struct toe_engine *eng, struct toe_sock *sk,
struct toe_timer *t)
{
	struct toe_sock *prev = toe_tcp_enter(eng, sk);

	rtx_run(eng, sk, t);
	toe_tcp_leave(eng, sk, prev);
}

/* ---- delayed ACK ------------------------------------------------------------ */

void toe_tcp_delack_arm(struct toe_engine *eng, struct toe_sock *sk)
{
	toe_timer_arm_in(eng, &toe_tcp(sk)->delack_timer,
			 eng->tcp.tun.delack_us);
}

static void delack_run(struct toe_engine *eng, struct toe_sock *sk,
			struct toe_timer *t)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (tp->state < TOE_TCPS_SYN_RECEIVED || tp->state == TOE_TCPS_TIME_WAIT)
		return;
	if (tp->rcv_unacked || tp->last_ack_sent != tp->rcv_nxt) {
		TOE_TCP_STAT_INC(eng, sk, delayed_acks);
		toe_tcp_send_ack(eng, sk);
	}
}

static void delack_fire(struct toe_engine *eng, struct toe_sock *sk,
struct toe_timer *t)
{
	struct toe_sock *prev = toe_tcp_enter(eng, sk);

	delack_run(eng, sk, t);
	toe_tcp_leave(eng, sk, prev);
}

/* ---- keepalive -------------------------------------------------------------- */

static bool keepalive_state(u8 state)
{
	return state == TOE_TCPS_ESTABLISHED || state == TOE_TCPS_CLOSE_WAIT ||
	       state == TOE_TCPS_FIN_WAIT_2;
}

/*
 * (Re)starts the keepalive clock. It is not re-armed per segment: the
 * expiry compares with last_recv_us and re-arms lazily.
 */
void toe_tcp_keepalive_reset(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (!(tp->flags & TOE_TCB_KEEPALIVE) || !keepalive_state(tp->state)) {
		toe_timer_cancel(eng, &tp->keep_timer);
		return;
	}
	tp->keep_probes = 0;
	toe_timer_arm(eng, &tp->keep_timer,
		      tp->last_recv_us + (u64)tp->keepidle_s * 1000000);
}

static void keep_run(struct toe_engine *eng, struct toe_sock *sk,
		      struct toe_timer *t)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u64 now = toe_os_now_us();
	u64 idle_end = tp->last_recv_us + (u64)tp->keepidle_s * 1000000;

	if (!(tp->flags & TOE_TCB_KEEPALIVE) || !keepalive_state(tp->state))
		return;
	if (tp->keep_probes == 0 && now < idle_end) {
		toe_timer_arm(eng, t, idle_end);
		return;
	}
	/* Unacknowledged data: the retransmission timer judges liveness. */
	if (tp->snd_una != tp->snd_max) {
		tp->keep_probes = 0;
		toe_timer_arm_in(eng, t, (u64)tp->keepidle_s * 1000000);
		return;
	}
	if (tp->keep_probes >= tp->keepcnt) {
		eng->tcp.stats.aborts_timeout++;
		toe_tcp_fail(eng, sk, -ETIMEDOUT, true);
		return;
	}
	tp->keep_probes++;
	toe_tcp_send_keepalive(eng, sk);
	toe_timer_arm_in(eng, t, (u64)tp->keepintvl_s * 1000000);
}

static void keep_fire(struct toe_engine *eng, struct toe_sock *sk,
struct toe_timer *t)
{
	struct toe_sock *prev = toe_tcp_enter(eng, sk);

	keep_run(eng, sk, t);
	toe_tcp_leave(eng, sk, prev);
}

/* ---- state timer ------------------------------------------------------------- */

static void state_run(struct toe_engine *eng, struct toe_sock *sk,
		       struct toe_timer *t)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	switch (tp->state) {
	case TOE_TCPS_TIME_WAIT:
		toe_tcp_done(eng, sk, 0);
		return;
	case TOE_TCPS_FIN_WAIT_2:
		if (tp->flags & TOE_TCB_FW2_TIMER) {
			/* Orphaned: the peer never sent its FIN. */
			toe_tcp_done(eng, sk, 0);
			return;
		}
		break;
	case TOE_TCPS_CLOSED:
		return;
	default:
		break;
	}
	/* The linger time after close ran out with data unacknowledged. */
	toe_tcp_fail(eng, sk, -ETIMEDOUT, true);
}

static void state_fire(struct toe_engine *eng, struct toe_sock *sk,
struct toe_timer *t)
{
	struct toe_sock *prev = toe_tcp_enter(eng, sk);

	state_run(eng, sk, t);
	toe_tcp_leave(eng, sk, prev);
}
