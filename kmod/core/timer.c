// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The timer wheel (see timer.h).
 *
 * Level L holds timers whose expiry agrees with the wheel's current time
 * (cur) in every bit above 6 * (L + 1) but not in the 6 bits of group L;
 * the slot is that group's value. Level 0 therefore holds timers expiring
 * within cur's current 64 us block, one exact microsecond per slot. When
 * cur reaches the start of a higher-level slot, that slot's timers move
 * down (cascade). The run loop jumps straight to the next occupied slot
 * using the occupancy bitmaps, so idle time costs nothing.
 */
#include "engine.h"

#define WHEEL_MASK ((u64)TOE_WHEEL_SLOTS - 1)

static inline u32 level_shift(u32 lvl)
{
	return lvl * TOE_WHEEL_BITS;
}

static inline u32 slot_index(u64 t, u32 lvl)
{
	return (u32)((t >> level_shift(lvl)) & WHEEL_MASK);
}

/* An expiry's level: the highest 6-bit group in which it differs from the
 * wheel's time.
 */
static inline u32 level_of(u64 diff)
{
	return diff ? (u32)(63 - __builtin_clzll(diff)) / TOE_WHEEL_BITS : 0;
}

static bool is_slot_head(const struct toe_timer_wheel *w,
			 struct toe_timer **pprev)
{
	uintptr_t p = (uintptr_t)pprev;
	uintptr_t first = (uintptr_t)&w->slots[0][0];
	uintptr_t last =
		(uintptr_t)&w->slots[TOE_WHEEL_LEVELS - 1][TOE_WHEEL_SLOTS - 1];

	return p >= first && p <= last;
}

static void unlink_timer(struct toe_timer_wheel *w, struct toe_timer *t)
{
	struct toe_timer **pprev = t->pprev;

	*pprev = t->next;
	if (t->next)
		t->next->pprev = pprev;
	t->next = NULL;
	t->pprev = NULL;
	if (*pprev == NULL && is_slot_head(w, pprev)) {
		size_t pos = (size_t)(pprev - &w->slots[0][0]);

		w->occupied[pos / TOE_WHEEL_SLOTS] &=
			~(1ull << (pos % TOE_WHEEL_SLOTS));
	}
}

static void place(struct toe_timer_wheel *w, struct toe_timer *t)
{
	u64 exp = t->expires_us < w->cur ? w->cur : t->expires_us;
	u64 diff = exp ^ w->cur;
	u32 lvl;
	u32 idx;
	struct toe_timer **head;

	lvl = level_of(diff);
	idx = slot_index(exp, lvl);
	head = &w->slots[lvl][idx];
	t->next = *head;
	if (t->next)
		t->next->pprev = &t->next;
	*head = t;
	t->pprev = head;
	w->occupied[lvl] |= 1ull << idx;
}

void toe_wheel_init(struct toe_timer_wheel *w, u64 now)
{
	memset(w, 0, sizeof(*w));
	w->cur = now;
}

void toe_wheel_add(struct toe_timer_wheel *w, struct toe_timer *t,
		   u64 expires_us)
{
	if (t->pprev) {
		unlink_timer(w, t);
		w->count--;
		if (w->min_valid && t->expires_us == w->min_expires)
			w->min_valid = false;
	}
	t->expires_us = expires_us;
	place(w, t);
	w->count++;
	if (w->count == 1) {
		w->min_valid = true;
		w->min_expires = expires_us;
	} else if (w->min_valid && expires_us < w->min_expires) {
		w->min_expires = expires_us;
	}
}

void toe_wheel_del(struct toe_timer_wheel *w, struct toe_timer *t)
{
	if (!t->pprev)
		return;
	unlink_timer(w, t);
	w->count--;
	if (w->min_valid && t->expires_us == w->min_expires)
		w->min_valid = false;
}

/* The lowest level holding a slot at or after cur, with that slot's start
 * time. Slots of lower levels always start before those of higher ones.
 */
static bool next_slot(const struct toe_timer_wheel *w, u32 *lvl_out,
		      u64 *start_out)
{
	u32 lvl;

	for (lvl = 0; lvl < TOE_WHEEL_LEVELS; lvl++) {
		u32 cur_idx = slot_index(w->cur, lvl);
		u64 mask;
		u32 shift_up = level_shift(lvl + 1);
		u64 base;
		u32 j;

		if (lvl == 0)
			mask = w->occupied[0] & (~0ull << cur_idx);
		else
			mask = cur_idx == TOE_WHEEL_SLOTS - 1 ?
				       0 :
				       w->occupied[lvl] &
					       (~0ull << (cur_idx + 1));
		if (!mask)
			continue;
		j = (u32)__builtin_ctzll(mask);
		base = shift_up >= 64 ? 0 : (w->cur >> shift_up) << shift_up;
		*lvl_out = lvl;
		*start_out = base | ((u64)j << level_shift(lvl));
		return true;
	}
	return false;
}

u32 toe_wheel_run(struct toe_timer_wheel *w, u64 now, struct toe_engine *ctx)
{
	u32 ran = 0;

	if (now < w->cur)
		return 0;
	for (;;) {
		struct toe_timer *list;
		u32 lvl, idx;
		u64 start;

		if (!next_slot(w, &lvl, &start) || start > now) {
			w->cur = now;
			break;
		}
		w->cur = start;
		idx = slot_index(start, lvl);
		/* Take the slot's list private, so callbacks may arm and
		 * cancel freely (a cancel unlinks from this list).
		 */
		list = w->slots[lvl][idx];
		w->slots[lvl][idx] = NULL;
		w->occupied[lvl] &= ~(1ull << idx);
		if (list)
			list->pprev = &list;
		while (list) {
			struct toe_timer *t = list;

			unlink_timer(w, t);
			if (lvl == 0) {
				w->count--;
				if (w->min_valid &&
				    t->expires_us == w->min_expires)
					w->min_valid = false;
				ran++;
				t->fn(ctx, t->sk, t);
			} else {
				place(w, t);
			}
		}
	}
	return ran;
}

u64 toe_wheel_next_expiry(struct toe_timer_wheel *w)
{
	const struct toe_timer *t;
	u64 min = ~0ull;
	u64 start;
	u32 lvl;

	if (!w->count)
		return ~0ull;
	if (w->min_valid)
		return w->min_expires;
	if (!next_slot(w, &lvl, &start))
		return ~0ull;
	for (t = w->slots[lvl][slot_index(start, lvl)]; t; t = t->next)
		if (t->expires_us < min)
			min = t->expires_us;
	w->min_valid = true;
	w->min_expires = min;
	return min;
}

void toe_timer_init(struct toe_timer *t, toe_timer_fn fn, struct toe_sock *sk)
{
	t->next = NULL;
	t->pprev = NULL;
	t->expires_us = 0;
	t->fn = fn;
	t->sk = sk;
}

void toe_timer_arm(struct toe_engine *eng, struct toe_timer *t,
		   u64 expires_us)
{
	toe_wheel_add(&eng->wheel, t, expires_us);
}

void toe_timer_arm_in(struct toe_engine *eng, struct toe_timer *t,
		      u64 delay_us)
{
	toe_wheel_add(&eng->wheel, t, toe_os_now_us() + delay_us);
}

void toe_timer_cancel(struct toe_engine *eng, struct toe_timer *t)
{
	toe_wheel_del(&eng->wheel, t);
}
