// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * CUBIC (RFC 9438) in integer arithmetic.
 *
 * Windows are in bytes. Time since the epoch is taken in units of 2^-10 s
 * ("ticks"), so the cube of an offset fits 64 bits: offsets are capped at
 * 2^21 ticks (34 minutes), where C * t^3 is already 10^9 segments and the
 * window is at its limit anyway. With C = 0.4 = 2/5 and t in ticks,
 *
 *   W_cubic(t) = 2/5 * SMSS * (t - K)^3 / 2^30 + W_max         (bytes)
 *   K^3        = (W_max - cwnd_epoch) * 5 * 2^29 / SMSS        (ticks^3)
 *
 * beta_cubic = 7/10, alpha_cubic = 3 (1 - beta) / (1 + beta) = 9/17, and
 * fast convergence remembers W_max * (1 + beta) / 2 = W_max * 17/20.
 *
 * The epoch (t_epoch, cwnd_epoch, K, W_est) starts at the first ACK of a
 * congestion avoidance stage, so t counts from the end of the slow start
 * or recovery that followed the congestion event (RFC 9438 4.2). When
 * there is no reduction to return to (the first slow start ended by
 * HyStart++, or a timeout), K = 0 and W_max = cwnd_epoch (RFC 9438 4.8,
 * 4.10).
 */
#include "tcp_cc_int.h"

#define CUBIC_TICK_SHIFT 10		/* ticks per second: 2^10 */
#define CUBIC_T_MAX ((1ull << 21) - 1)	/* ticks: offsets are capped here */
#define CUBIC_BETA_NUM 7		/* beta_cubic = 7/10 */
#define CUBIC_BETA_DEN 10
#define CUBIC_FC_NUM 17			/* (1 + beta_cubic) / 2 = 17/20 */
#define CUBIC_FC_DEN 20
#define CUBIC_ALPHA_NUM 9		/* alpha_cubic = 9/17 */
#define CUBIC_ALPHA_DEN 17

static struct toe_tcp_cubic *cubic(struct toe_tcp_cc *cc)
{
	return &cc->u.cubic;
}

void toe_cubic_init(struct toe_tcp_cc *cc)
{
	struct toe_tcp_cubic *c = cubic(cc);

	memset(c, 0, sizeof(*c));
	toe_hystart_init(&c->hystart);
	/* HyStart++ is for the initial slow start only (RFC 9406 4.3). */
	if (cc->ssthresh != TOE_TCP_CC_CWND_LIMIT)
		c->hystart.state = TOE_HYSTART_DONE;
}

/*
 * floor(cbrt(x)), one result bit per step from the top (the digit-by-digit
 * method): y doubles, and (y + 1)^3 - y^3 = 3y(y + 1) + 1 decides the bit.
 */
u32 toe_cubic_cbrt(u64 x)
{
	u64 y = 0;
	int s;

	for (s = 63; s >= 0; s -= 3) {
		u64 b;

		y <<= 1;
		b = 3 * y * (y + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	return (u32)y;
}

static u64 us_to_ticks(u64 us)
{
	/* Beyond 2^40 us (12 days) the window is long at its limit. */
	if (us > (1ull << 40))
		us = 1ull << 40;
	return toe_os_div_u64(us << CUBIC_TICK_SHIFT, 1000000);
}

u32 toe_cubic_window(const struct toe_tcp_cc *cc, u64 t)
{
	const struct toe_tcp_cubic *c = &cc->u.cubic;
	bool below = t < c->k;
	u64 d = below ? c->k - t : t - c->k;
	u64 delta;

	if (d > CUBIC_T_MAX)
		return below ? 0 : TOE_TCP_CC_CWND_LIMIT;
	/* (d^3 >> 20) < 2^43, times 2 * SMSS < 2^17: no overflow. */
	delta = ((d * d * d) >> 20) * 2 * cc->smss;
	delta = toe_os_div_u64(delta, 5) >> CUBIC_TICK_SHIFT;
	if (below)
		return delta < c->w_max ? c->w_max - (u32)delta : 0;
	if (delta >= TOE_TCP_CC_CWND_LIMIT - c->w_max)
		return TOE_TCP_CC_CWND_LIMIT;
	return c->w_max + (u32)delta;
}

static void epoch_start(struct toe_tcp_cc *cc, u64 now_us)
{
	struct toe_tcp_cubic *c = cubic(cc);

	c->epoch_valid = true;
	c->epoch_us = now_us;
	c->cwnd_epoch = cc->cwnd;
	c->w_est = cc->cwnd;
	c->grow_acc = 0;
	c->est_acc = 0;
	if (!c->w_max_valid || c->w_max <= cc->cwnd) {
		/*
		 * Nothing to return to, or already beyond it: the curve
		 * starts here, in its convex part (RFC 9438 4.8, 4.10).
		 */
		if (!c->w_max_valid)
			c->cwnd_prior = cc->cwnd;
		c->w_max = cc->cwnd;
		c->k = 0;
		return;
	}
	c->k = toe_cubic_cbrt(toe_os_div_u64((u64)(c->w_max - cc->cwnd) * 5
						     << 29,
					     cc->smss));
}

/* RFC 9438 4.3: W_est grows by alpha_cubic SMSS per cwnd acknowledged. */
static void reno_friendly(struct toe_tcp_cc *cc, u32 acked)
{
	struct toe_tcp_cubic *c = cubic(cc);
	/* Once W_est reaches cwnd_prior, grow as fast as Reno (alpha = 1). */
	u32 alpha = c->w_est >= c->cwnd_prior ? CUBIC_ALPHA_DEN :
						CUBIC_ALPHA_NUM;
	u64 inc;

	c->est_acc += (u64)acked * alpha * cc->smss;
	/* floor(floor(a / cwnd) / 17) = floor(a / (17 * cwnd)) */
	inc = toe_os_div_u64(toe_os_div_u64(c->est_acc, cc->cwnd),
			     CUBIC_ALPHA_DEN);
	c->est_acc -= inc * CUBIC_ALPHA_DEN * cc->cwnd;
	if (inc > TOE_TCP_CC_CWND_LIMIT - c->w_est)
		c->w_est = TOE_TCP_CC_CWND_LIMIT;
	else
		c->w_est += (u32)inc;
}

static void congestion_avoidance(struct toe_tcp_cc *cc,
				 const struct toe_tcp_cc_ack *a)
{
	struct toe_tcp_cubic *c = cubic(cc);
	u64 t_us, inc;
	u32 target, max_target;

	if (!c->epoch_valid)
		epoch_start(cc, a->now_us);
	t_us = a->now_us > c->epoch_us ? a->now_us - c->epoch_us : 0;
	reno_friendly(cc, a->acked);
	if (toe_cubic_window(cc, us_to_ticks(t_us)) < c->w_est) {
		/*
		 * The Reno-friendly region (RFC 9438 4.3): cwnd = W_est, but
		 * never below what the cubic growth reached already.
		 */
		cc->cwnd = toe_cc_max(cc->cwnd, c->w_est);
		return;
	}
	/* RFC 9438 4.4, 4.5: aim at W_cubic one RTT ahead, within 1.5 cwnd. */
	target = toe_cubic_window(cc, us_to_ticks(t_us + c->srtt_us));
	max_target = cc->cwnd + cc->cwnd / 2;
	if (target > max_target)
		target = max_target;
	if (target <= cc->cwnd)
		return;
	/* cwnd grows by (target - cwnd) / cwnd per byte acknowledged. */
	c->grow_acc += (u64)(target - cc->cwnd) * a->acked;
	inc = toe_os_div_u64(c->grow_acc, cc->cwnd);
	c->grow_acc -= inc * cc->cwnd;
	cc->cwnd += (u32)inc;
}

void toe_cubic_grow(struct toe_tcp_cc *cc, const struct toe_tcp_cc_ack *a)
{
	struct toe_tcp_cubic *c = cubic(cc);

	if (a->rtt_us)
		c->srtt_us = c->srtt_us ?
				     c->srtt_us - c->srtt_us / 8 + a->rtt_us / 8 :
				     a->rtt_us;
	if (cc->cwnd < cc->ssthresh) {
		if (c->hystart.state != TOE_HYSTART_DONE)
			cc->cwnd += toe_hystart_on_ack(cc, &c->hystart, a);
		else
			cc->cwnd += toe_cc_abc(cc, a->acked);
		return;
	}
	congestion_avoidance(cc, a);
}

/* RFC 9438 4.6 and 4.7: a loss found by duplicate ACKs, SACK or RACK. */
u32 toe_cubic_congestion(struct toe_tcp_cc *cc, u32 flight)
{
	struct toe_tcp_cubic *c = cubic(cc);
	u32 ssthresh;

	c->cwnd_prior = cc->cwnd;
	/* Fast convergence: below the last W_max, yield to newer flows. */
	if (c->w_max_valid && cc->cwnd < c->w_max)
		c->w_max = (u32)toe_os_div_u64((u64)cc->cwnd * CUBIC_FC_NUM,
					       CUBIC_FC_DEN);
	else
		c->w_max = cc->cwnd;
	c->w_max_valid = true;
	c->epoch_valid = false;
	c->hystart.state = TOE_HYSTART_DONE;
	ssthresh = (u32)toe_os_div_u64((u64)flight * CUBIC_BETA_NUM,
				       CUBIC_BETA_DEN);
	return toe_cc_max(ssthresh, 2 * cc->smss);
}

/*
 * RFC 9438 4.8: ssthresh by beta_cubic on the first expiry; the next
 * congestion avoidance starts a curve with K = 0 and W_max = cwnd_epoch.
 */
void toe_cubic_timeout(struct toe_tcp_cc *cc, u32 flight, bool first)
{
	struct toe_tcp_cubic *c = cubic(cc);

	if (first) {
		u32 ssthresh = (u32)toe_os_div_u64((u64)flight *
							   CUBIC_BETA_NUM,
						   CUBIC_BETA_DEN);

		c->cwnd_prior = cc->cwnd;
		cc->ssthresh = toe_cc_max(ssthresh, 2 * cc->smss);
	}
	c->w_max_valid = false;
	c->epoch_valid = false;
	c->hystart.state = TOE_HYSTART_DONE;
}

/*
 * Restart after idle: the idle time is no growth time (RFC 9438 5.8), so
 * the next congestion avoidance starts a new epoch; W_max is kept.
 */
void toe_cubic_after_idle(struct toe_tcp_cc *cc)
{
	cubic(cc)->epoch_valid = false;
}
