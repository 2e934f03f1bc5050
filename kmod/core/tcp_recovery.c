// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Loss recovery for connections that negotiated SACK: every ACK feeds the
 * scoreboard (tcp_sack.c); RACK (RFC 8985 6) judges a segment lost by
 * time, not by duplicate ACK counts; a tail loss probe (RFC 8985 7) turns
 * the loss of the last segments of a flight into a SACK recovery instead
 * of a timeout; and Proportional Rate Reduction (RFC 6937) paces what
 * recovery sends, so the sender neither bursts nor stalls while it
 * repairs losses (RFC 6675 sends the lost segments first).
 *
 * Connections without SACK keep NewReno's duplicate ACK recovery
 * (tcp_cc.c, RFC 6582).
 */
#include "tcp_int.h"

/* RACK.min_RTT is a windowed minimum (Linux's tcp_min_rtt_wlen). */
#define RACK_MIN_RTT_WINDOW_US (300ull * 1000000)
/* RFC 8985 7.2: the worst-case delayed ACK a lone probe may wait for. */
#define TLP_WC_DELACK_US 200000u
/* RFC 8985 7.2: the PTO without an RTT sample. */
#define TLP_NO_SRTT_US 1000000u
/* RFC 8985 6.2 step 4: how many recoveries a raised window lasts. */
#define RACK_REO_PERSIST 16
/* RFC 6675 DupThresh, for RACK's "enough SACKed" test. */
#define SACK_DUPTHRESH 3

static u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

void toe_tcp_recovery_init(struct toe_tcp_cb *tp)
{
	toe_tcp_sb_init(&tp->sb, tp->snd_una);
	memset(&tp->rack, 0, sizeof(tp->rack));
	tp->rack.reo_wnd_mult = 1;
	tp->rack.end_seq = tp->snd_una;
	tp->flags &= ~(TOE_TCB_REORDER_SEEN | TOE_TCB_TLP_RETRANS);
}

void toe_tcp_recovery_release(struct toe_tcp_cb *tp)
{
	toe_tcp_sb_free(&tp->sb);
}

static void loss_timer_stop(struct toe_engine *eng, struct toe_tcp_cb *tp)
{
	toe_timer_cancel(eng, &tp->loss_timer);
	tp->loss_timer_mode = TOE_TCP_LOSS_TIMER_NONE;
}

static void loss_timer_start(struct toe_engine *eng, struct toe_tcp_cb *tp,
			     u8 mode, u64 delay_us)
{
	tp->loss_timer_mode = mode;
	toe_timer_arm_in(eng, &tp->loss_timer, delay_us ? delay_us : 1);
}

/* ---- RACK (RFC 8985 6.2) ------------------------------------------------- */

/* Step 2: the most recently sent segment this ACK delivered. */
static void rack_update(struct toe_tcp_cb *tp,
			const struct toe_tcp_sb_delivery *d)
{
	struct toe_tcp_rack *rk = &tp->rack;
	u64 rtt;

	if (d->reordered)
		tp->flags |= TOE_TCB_REORDER_SEEN;
	if (!d->valid)
		return;
	rtt = d->now_us > d->xmit_us ? d->now_us - d->xmit_us : 1;
	if (rtt > 0xffffffffu)
		rtt = 0xffffffffu;
	if (!rk->min_rtt_us || rtt <= rk->min_rtt_us ||
	    d->now_us - rk->min_rtt_stamp_us > RACK_MIN_RTT_WINDOW_US) {
		rk->min_rtt_us = (u32)rtt;
		rk->min_rtt_stamp_us = d->now_us;
	}
	if (!rk->have_xmit || d->xmit_us > rk->xmit_us ||
	    (d->xmit_us == rk->xmit_us && toe_seq_gt(d->end_seq, rk->end_seq))) {
		rk->xmit_us = d->xmit_us;
		rk->end_seq = d->end_seq;
		rk->rtt_us = (u32)rtt;
		rk->have_xmit = true;
	}
}

/* Step 4: a D-SACK says the window was too small; widen it for a while. */
static void rack_dsack_seen(struct toe_tcp_cb *tp)
{
	struct toe_tcp_rack *rk = &tp->rack;

	if (rk->dsack_round_on)
		return;
	rk->dsack_round_on = true;
	rk->dsack_round = tp->snd_max;
	if (rk->reo_wnd_mult < 0xff)
		rk->reo_wnd_mult++;
	rk->reo_wnd_persist = RACK_REO_PERSIST;
}

static u64 rack_reo_wnd(const struct toe_tcp_cb *tp)
{
	const struct toe_tcp_rack *rk = &tp->rack;
	u64 wnd;

	if (!(tp->flags & TOE_TCB_REORDER_SEEN) &&
	    (tp->cc.in_recovery ||
	     tp->sb.sacked_bytes >= SACK_DUPTHRESH * (u32)tp->mss))
		return 0;
	wnd = (u64)(rk->min_rtt_us / 4) * rk->reo_wnd_mult;
	if (tp->rto.have_sample && wnd > tp->rto.srtt_us)
		wnd = tp->rto.srtt_us;
	return wnd;
}

/*
 * Step 5: marks what RACK judges lost; arms the reordering timer for the
 * segments not yet past the window.
 */
static void rack_detect_loss(struct toe_engine *eng, struct toe_sock *sk,
			     u64 now)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_rack *rk = &tp->rack;
	u32 lost_before = tp->sb.lost_bytes;
	u64 wait;

	if (!rk->have_xmit)
		return;
	wait = toe_tcp_sb_mark_lost(&tp->sb, rk->xmit_us, rk->end_seq,
				    (u64)rk->rtt_us + rack_reo_wnd(tp), now);
	if (tp->sb.lost_bytes > lost_before)
		TOE_TCP_STAT_ADD(eng, sk, rack_marked_lost,
				 (tp->sb.lost_bytes - lost_before +
				  tp->mss - 1) / tp->mss);
	if (wait)
		loss_timer_start(eng, tp, TOE_TCP_LOSS_TIMER_REO, wait);
	else if (tp->loss_timer_mode == TOE_TCP_LOSS_TIMER_REO)
		loss_timer_stop(eng, tp);
}

/* ---- recovery and PRR (RFC 6675, RFC 6937) ------------------------------- */

/*
 * What a reduction is taken from: cwnd, as Linux's Reno and CUBIC take
 * it, or the flight when less is out (an application-limited sender must
 * not reduce from a window it never used, RFC 7661). snd_max - snd_una
 * alone would count what the receiver holds already: at high loss that is
 * most of it, and CUBIC's 0.7 of it left recovery with a larger cwnd than
 * it entered with, so the window grew on every loss.
 */
static u32 loss_flight(const struct toe_tcp_cb *tp)
{
	u32 out = tp->snd_max - tp->snd_una;

	return out < tp->cc.cwnd ? out : tp->cc.cwnd;
}

static void recovery_enter(struct toe_engine *eng, struct toe_sock *sk,
			   u64 now)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_rack *rk = &tp->rack;

	TOE_TCP_STAT_INC(eng, sk, sack_recoveries);
	toe_tcp_cc_on_loss(&tp->cc, loss_flight(tp), tp->snd_max, now);
	rk->prr_delivered = 0;
	rk->prr_out = 0;
	rk->recover_fs = tp->snd_max - tp->snd_una;
	if (!rk->recover_fs)
		rk->recover_fs = 1;
	/* A probe outstanding is part of this recovery now. */
	rk->tlp_on = false;
}

/*
 * Something is lost and no recovery covers it: one begins. A lost PLPMTUD
 * probe alone is resent without a reduction (RFC 4821 7.6.2); resending
 * its bytes fails the probe (tcp_pmtu.c).
 */
static void recovery_check(struct toe_engine *eng, struct toe_sock *sk,
			   u64 now)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (tp->sb.lost_bytes && !tp->cc.in_recovery &&
	    toe_seq_geq(tp->snd_una, tp->cc.recover) &&
	    !toe_tcp_pmtu_loss_is_probe(sk))
		recovery_enter(eng, sk, now);
}

static void recovery_end(struct toe_engine *eng, struct toe_tcp_cb *tp,
			 u64 now)
{
	struct toe_tcp_rack *rk = &tp->rack;

	toe_tcp_cc_recovery_end(&tp->cc, now);
	if (rk->reo_wnd_persist && !--rk->reo_wnd_persist)
		rk->reo_wnd_mult = 1;
}

/* RFC 6937 section 3: cwnd for what this ACK lets recovery send. */
static void prr_update(struct toe_tcp_cb *tp, u32 delivered)
{
	struct toe_tcp_rack *rk = &tp->rack;
	u32 pipe = toe_tcp_sb_pipe(&tp->sb, tp->snd_una, tp->snd_max);
	u32 ssthresh = tp->cc.ssthresh;
	s64 sndcnt;

	rk->prr_delivered += delivered;
	if (pipe > ssthresh) {
		/* Proportional: ceil(delivered * ssthresh / RecoverFS). */
		u64 scaled = (u64)rk->prr_delivered * ssthresh +
			     rk->recover_fs - 1;

		sndcnt = (s64)toe_os_div_u64(scaled, rk->recover_fs) -
			 rk->prr_out;
	} else {
		/* Slow-start reduction bound, toward ssthresh. */
		s64 limit = (s64)rk->prr_delivered - rk->prr_out;

		if (limit < delivered)
			limit = delivered;
		limit += tp->mss;
		sndcnt = (s64)ssthresh - pipe;
		if (sndcnt > limit)
			sndcnt = limit;
	}
	/* The first retransmission goes at once (a fast retransmit). */
	if (sndcnt <= 0)
		sndcnt = rk->prr_out ? 0 : tp->mss;
	tp->cc.cwnd = pipe + (u32)sndcnt;
}

/* ---- tail loss probe (RFC 8985 7) ---------------------------------------- */

static u64 tlp_pto(const struct toe_tcp_cb *tp)
{
	u64 pto, rto = toe_tcp_rto_current(&tp->rto);

	if (!tp->rto.have_sample)
		return min_u64(TLP_NO_SRTT_US, rto);
	pto = 2ull * tp->rto.srtt_us;
	if (tp->snd_max - tp->snd_una <= tp->mss)
		pto += TLP_WC_DELACK_US;
	else
		pto += 2000; /* two ticks of a 1 ms clock */
	return min_u64(pto, rto);
}

/*
 * RFC 8985 7.2: (re)arms the probe timer when a probe may be sent.
 *
 * Unlike RFC 8985, which keeps probes out of fast recovery (a SHOULD),
 * the probe timer also runs in recovery, as QUIC's PTO does (RFC 9002
 * 6.2). In recovery with a small cwnd the loss of a retransmission, or of
 * the last segments, leaves nothing in flight that could be SACKed after
 * it: RACK cannot see the loss and only the RTO, hundreds of round trips
 * later at 200 ms, would end the stall. One probe per round trip, never
 * more than one outstanding, lets RACK see it instead.
 */
void toe_tcp_tlp_arm(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (!(tp->flags & TOE_TCB_SACK_OK) ||
	    tp->loss_timer_mode == TOE_TCP_LOSS_TIMER_REO)
		return;
	if (tp->rack.tlp_on ||
	    tp->snd_una == tp->snd_max || (tp->flags & TOE_TCB_PERSIST) ||
	    tp->rtx_count) {
		if (tp->loss_timer_mode == TOE_TCP_LOSS_TIMER_TLP)
			loss_timer_stop(eng, tp);
		return;
	}
	loss_timer_start(eng, tp, TOE_TCP_LOSS_TIMER_TLP, tlp_pto(tp));
}

/*
 * RFC 8985 7.3: new data if the windows allow, else the last segment, or
 * the first hole when the last segment is SACKed already.
 */
static void tlp_fire(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_rack *rk = &tp->rack;
	u32 before = tp->snd_max, start, end, sacked_end;

	if (rk->tlp_on || tp->snd_una == tp->snd_max)
		return;
	TOE_TCP_STAT_INC(eng, sk, tlp_probes);
	tp->flags &= ~TOE_TCB_TLP_RETRANS;
	rk->tlp_on = true;
	toe_tcp_send_new_segment(eng, sk);
	if (tp->snd_max == before && toe_tcp_sb_last(&tp->sb, &start, &end)) {
		if (toe_tcp_sb_is_sacked(&tp->sb, start, &sacked_end)) {
			start = tp->snd_una;
			end = start + tp->mss;
		} else if (end - start > tp->mss) {
			start = end - tp->mss;
		}
		tp->flags |= TOE_TCB_TLP_RETRANS;
		toe_tcp_retransmit_range(eng, sk, start, end);
	}
	rk->tlp_end_seq = tp->snd_max;
	toe_tcp_rtx_arm(eng, sk);
}

/* RFC 8985 7.4: whether the probe repaired a loss. */
static void tlp_process_ack(struct toe_engine *eng, struct toe_sock *sk,
			    bool dsack, bool has_sack, u64 now)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_rack *rk = &tp->rack;

	if (!rk->tlp_on || toe_seq_lt(tp->snd_una, rk->tlp_end_seq))
		return;
	if (!(tp->flags & TOE_TCB_TLP_RETRANS) || dsack ||
	    tp->cc.in_recovery) {
		/*
		 * New data, or the probe's copy was a duplicate: no loss. In
		 * recovery the reduction has been made already.
		 */
		rk->tlp_on = false;
		return;
	}
	if (toe_seq_gt(tp->snd_una, rk->tlp_end_seq) || !has_sack) {
		/* Only the probe delivered the tail: it was lost once. */
		rk->tlp_on = false;
		TOE_TCP_STAT_INC(eng, sk, tlp_recoveries);
		toe_tcp_cc_on_loss(&tp->cc, loss_flight(tp), tp->snd_max,
				   now);
		toe_tcp_cc_recovery_end(&tp->cc, now);
	}
}

/* ---- the ACK -------------------------------------------------------------- */

/*
 * RFC 2883 section 4: the first block is a D-SACK when it lies below the
 * cumulative ACK or inside the second block.
 */
static bool first_is_dsack(const struct toe_tcp_opts *o, u32 ack)
{
	const struct toe_tcp_sack_block *b = o->sack;

	if (toe_seq_leq(b[0].end, ack))
		return true;
	return o->nr_sack > 1 && toe_seq_geq(b[0].start, b[1].start) &&
	       toe_seq_leq(b[0].end, b[1].end);
}

void toe_tcp_recovery_ack(struct toe_engine *eng, struct toe_sock *sk,
			  u32 prior_una, const struct toe_tcp_opts *o)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_rack *rk = &tp->rack;
	struct toe_tcp_sb *sb = &tp->sb;
	struct toe_tcp_sb_delivery d = {
		.now_us = toe_os_now_us(),
		.min_rtt_us = rk->min_rtt_us,
		.ts_offset = tp->ts_offset,
	};
	bool has_sack = o->flags & TOE_TCPOPT_F_SACK;
	bool dsack = false;
	u32 first = 0;

	if ((tp->flags & TOE_TCB_TS_OK) && (o->flags & TOE_TCPOPT_F_TS)) {
		d.have_tsecr = true;
		d.tsecr = o->tsecr;
	}
	sb->work = 0;
	if (toe_seq_gt(tp->snd_una, prior_una))
		toe_tcp_sb_cum_ack(sb, tp->snd_una, &d);
	if (has_sack) {
		TOE_TCP_STAT_ADD(eng, sk, sack_blocks_in, o->nr_sack);
		if (first_is_dsack(o, tp->snd_una)) {
			dsack = true;
			first = 1;
			TOE_TCP_STAT_INC(eng, sk, dsacks_in);
			rack_dsack_seen(tp);
		}
		toe_tcp_sb_sack(sb, tp->snd_una, tp->snd_max, o->sack + first,
				o->nr_sack - first, &d);
	}
	if (rk->dsack_round_on && toe_seq_geq(tp->snd_una, rk->dsack_round))
		rk->dsack_round_on = false;
	rack_update(tp, &d);
	tlp_process_ack(eng, sk, dsack, has_sack, d.now_us);
	if (sb->sacked_bytes)
		rack_detect_loss(eng, sk, d.now_us);
	else if (tp->loss_timer_mode == TOE_TCP_LOSS_TIMER_REO)
		loss_timer_stop(eng, tp);

	if (tp->cc.sack_recovery && toe_seq_geq(tp->snd_una, tp->cc.recover))
		recovery_end(eng, tp, d.now_us);
	recovery_check(eng, sk, d.now_us);
	if (tp->cc.sack_recovery)
		prr_update(tp, d.delivered);

	if (sb->work > tp->stats.sack_work_max)
		tp->stats.sack_work_max = sb->work;
	if (sb->work > eng->tcp.stats.sack_work_max)
		eng->tcp.stats.sack_work_max = sb->work;
	toe_tcp_tlp_arm(eng, sk);
}

/* ---- what the sender does with it ----------------------------------------- */

void toe_tcp_recovery_sent(struct toe_engine *eng, struct toe_sock *sk,
			   u32 seq, u32 end, u64 now)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (!(tp->flags & TOE_TCB_SACK_OK) || !toe_seq_lt(seq, end))
		return;
	toe_tcp_sb_sent(&tp->sb, seq, end, now);
	if (tp->cc.sack_recovery)
		tp->rack.prr_out += end - seq;
	if (tp->loss_timer_mode == TOE_TCP_LOSS_TIMER_NONE)
		toe_tcp_tlp_arm(eng, sk);
}

/*
 * RFC 6675 NextSeg rule 1: resends what the scoreboard holds lost while
 * cwnd leaves room. Returns false when cwnd is used up.
 */
bool toe_tcp_recovery_output(struct toe_engine *eng, struct toe_sock *sk,
			     u32 limit)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u32 start, end;

	while (toe_tcp_sb_next_lost(&tp->sb, &start, &end)) {
		u32 pipe = toe_tcp_sb_pipe(&tp->sb, tp->snd_una, tp->snd_max);
		u32 room = tp->cc.cwnd > pipe ? tp->cc.cwnd - pipe : 0;
		u32 len = end - start;
		u32 min_len = len < tp->mss ? len : tp->mss;

		if (room < min_len && pipe)
			return false;
		if (len > limit)
			len = limit;
		if (len > room && room >= min_len)
			len = room - room % min_len;
		if (len < min_len)
			len = min_len;
		if (toe_tcp_retransmit_range(eng, sk, start, start + len) <= 0)
			return false;
	}
	return true;
}

/* The retransmission timer expired (RFC 6675 5.1, RFC 2018 section 8). */
void toe_tcp_recovery_timeout(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	/* The peer may have reneged: SACKed data is sent again as well. */
	toe_tcp_sb_mark_all_lost(&tp->sb);
	tp->rack.tlp_on = false;
	loss_timer_stop(eng, tp);
}

static void loss_timer_run(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u8 mode = tp->loss_timer_mode;
	u64 now = toe_os_now_us();

	tp->loss_timer_mode = TOE_TCP_LOSS_TIMER_NONE;
	if (!(tp->flags & TOE_TCB_SACK_OK) || tp->snd_una == tp->snd_max)
		return;
	switch (tp->state) {
	case TOE_TCPS_ESTABLISHED:
	case TOE_TCPS_FIN_WAIT_1:
	case TOE_TCPS_CLOSE_WAIT:
	case TOE_TCPS_CLOSING:
	case TOE_TCPS_LAST_ACK:
		break;
	default:
		return;
	}
	if (mode == TOE_TCP_LOSS_TIMER_REO) {
		/* RFC 8985 6.3: the reordering window ran out. */
		rack_detect_loss(eng, sk, now);
		recovery_check(eng, sk, now);
		if (tp->cc.sack_recovery)
			prr_update(tp, 0);
		toe_tcp_output(eng, sk);
		toe_tcp_tlp_arm(eng, sk);
	} else if (mode == TOE_TCP_LOSS_TIMER_TLP) {
		tlp_fire(eng, sk);
	}
}

void toe_tcp_loss_timer_fire(struct toe_engine *eng, struct toe_sock *sk,
			     struct toe_timer *t)
{
	struct toe_sock *prev = toe_tcp_enter(eng, sk);

	loss_timer_run(eng, sk);
	toe_tcp_leave(eng, sk, prev);
}

void toe_tcp_loss_timer_cancel(struct toe_engine *eng, struct toe_sock *sk)
{
	loss_timer_stop(eng, toe_tcp(sk));
}
