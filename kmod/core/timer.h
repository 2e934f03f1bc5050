/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The engine's timer wheel: hierarchical, 11 levels of 64 slots at 1 us
 * resolution (the whole 64-bit time range), with occupancy bitmaps so that advancing the clock costs
 * O(levels) per armed timer and nothing scans idle slots or connections.
 * A timer armed for time T runs on the first toe_engine_poll() with
 * toe_os_now_us() >= T, exactly (timers cascade down to 1 us slots).
 *
 * Timers live inside the objects they serve (the socket, TCP's control
 * block, a named buffer) and never allocate.
 */
#ifndef TOE_TIMER_H
#define TOE_TIMER_H

#include "toe_os.h"

#ifdef __cplusplus
extern "C" {
#endif

struct toe_engine;
struct toe_sock;
struct toe_timer;

/* Runs on the engine thread. The timer is no longer pending when this is
 * called, so the callback may re-arm it (or free its object).
 */
typedef void (*toe_timer_fn)(struct toe_engine *eng, struct toe_sock *sk,
			     struct toe_timer *t);

struct toe_timer {
	struct toe_timer *next;
	struct toe_timer **pprev; /* NULL when not pending */
	u64 expires_us;
	toe_timer_fn fn;
	struct toe_sock *sk;
};

#define TOE_WHEEL_BITS 6
#define TOE_WHEEL_SLOTS (1u << TOE_WHEEL_BITS)
/* 11 levels of 6 bits cover all 64 bits of time: any expiry has a slot. */
#define TOE_WHEEL_LEVELS 11

struct toe_timer_wheel {
	u64 cur; /* every timer expiring before cur has run */
	u64 occupied[TOE_WHEEL_LEVELS]; /* bit per non-empty slot */
	struct toe_timer *slots[TOE_WHEEL_LEVELS][TOE_WHEEL_SLOTS];
	u32 count; /* pending timers */
	bool min_valid; /* min_expires is exact */
	u64 min_expires;
};

void toe_timer_init(struct toe_timer *t, toe_timer_fn fn,
		    struct toe_sock *sk);

static inline bool toe_timer_pending(const struct toe_timer *t)
{
	return t->pprev != NULL;
}

/* Arms (or re-arms) t to run at absolute time expires_us; a time in the
 * past runs on the next poll.
 */
void toe_timer_arm(struct toe_engine *eng, struct toe_timer *t,
		   u64 expires_us);
/* Arms t to run delay_us from now. */
void toe_timer_arm_in(struct toe_engine *eng, struct toe_timer *t,
		      u64 delay_us);
/* Disarms t; harmless when it is not pending. */
void toe_timer_cancel(struct toe_engine *eng, struct toe_timer *t);

/* The wheel itself, usable on its own (tests). */
void toe_wheel_init(struct toe_timer_wheel *w, u64 now);
void toe_wheel_add(struct toe_timer_wheel *w, struct toe_timer *t,
		   u64 expires_us);
void toe_wheel_del(struct toe_timer_wheel *w, struct toe_timer *t);
/* Runs every timer expiring at or before now, in expiry order; returns
 * how many ran. ctx is passed to the callbacks as the engine.
 */
u32 toe_wheel_run(struct toe_timer_wheel *w, u64 now,
		  struct toe_engine *ctx);
/* Earliest pending expiry, or ~0. */
u64 toe_wheel_next_expiry(struct toe_timer_wheel *w);

#ifdef __cplusplus
}
#endif

#endif /* TOE_TIMER_H */
