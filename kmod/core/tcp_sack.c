// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The sender's SACK scoreboard (RFC 6675); tcp_sack.h describes the
 * records and the bound on the work one ACK can cause.
 */
#include "tcp_sack.h"
#include "tcp_seq.h"

/* The timestamp clock of tcp_int.h: one tick per 1024 us. */
#define SB_TS_SHIFT 10

static struct toe_tcp_txrec *rec_at(struct toe_tcp_sb *sb, u32 i)
{
	return &sb->rec[sb->head + i];
}

static u32 rec_len(const struct toe_tcp_txrec *r)
{
	return r->end - r->start;
}

void toe_tcp_sb_init(struct toe_tcp_sb *sb, u32 snd_una)
{
	toe_tcp_sb_free(sb);
	sb->fack = snd_una;
}

void toe_tcp_sb_free(struct toe_tcp_sb *sb)
{
	if (sb->rec)
		toe_os_free(sb->rec);
	memset(sb, 0, sizeof(*sb));
}

/* Room for one more record at the end; false when the bound is reached. */
static bool sb_make_room(struct toe_tcp_sb *sb)
{
	struct toe_tcp_txrec *bigger;
	u32 cap;

	if (sb->head + sb->count < sb->cap)
		return true;
	if (sb->head) {
		memmove(sb->rec, rec_at(sb, 0), sb->count * sizeof(*sb->rec));
		sb->head = 0;
		return true;
	}
	if (sb->cap >= TOE_TCP_SB_MAX)
		return false;
	cap = sb->cap ? sb->cap * 2 : TOE_TCP_SB_MIN;
	bigger = toe_os_zalloc(cap * sizeof(*bigger));
	if (!bigger)
		return false;
	if (sb->count)
		memcpy(bigger, sb->rec, sb->count * sizeof(*bigger));
	if (sb->rec)
		toe_os_free(sb->rec);
	sb->rec = bigger;
	sb->cap = cap;
	return true;
}

/* Index of the first record ending after seq (count if none). */
static u32 sb_find(struct toe_tcp_sb *sb, u32 seq)
{
	u32 lo = 0, hi = sb->count;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (toe_seq_leq(rec_at(sb, mid)->end, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void account(struct toe_tcp_sb *sb, const struct toe_tcp_txrec *r,
		    int sign)
{
	u32 len = rec_len(r);

	if (r->flags & TOE_TXR_SACKED)
		sb->sacked_bytes += sign > 0 ? len : -len;
	if (r->flags & TOE_TXR_LOST)
		sb->lost_bytes += sign > 0 ? len : -len;
}

/*
 * Splits record i at seq (strictly inside it): i keeps [start, seq), a new
 * record i + 1 gets [seq, end) with the same state. False when refused.
 */
static bool sb_split(struct toe_tcp_sb *sb, u32 i, u32 seq)
{
	struct toe_tcp_txrec *r;

	if (!sb_make_room(sb)) {
		sb->splits_refused++;
		return false;
	}
	r = rec_at(sb, i);
	memmove(r + 1, r, (sb->count - i) * sizeof(*r));
	sb->count++;
	r->end = seq;
	(r + 1)->start = seq;
	return true;
}

/* Cuts [start, end) out as whole records; returns the first index. */
static u32 sb_isolate(struct toe_tcp_sb *sb, u32 start, u32 end, u32 *last)
{
	u32 i = sb_find(sb, start), j;

	if (i < sb->count && toe_seq_lt(rec_at(sb, i)->start, start)) {
		if (sb_split(sb, i, start))
			i++;
	}
	j = sb_find(sb, end);
	if (j < sb->count && toe_seq_lt(rec_at(sb, j)->start, end) &&
	    toe_seq_gt(rec_at(sb, j)->end, end))
		sb_split(sb, j, end);
	*last = sb_find(sb, end);
	return i;
}

int toe_tcp_sb_sent(struct toe_tcp_sb *sb, u32 start, u32 end, u64 now_us)
{
	struct toe_tcp_txrec *r;
	u32 i, last;

	if (!toe_seq_lt(start, end))
		return 0;
	r = sb->count ? rec_at(sb, sb->count - 1) : NULL;
	if (!r || toe_seq_geq(start, r->end)) {
		if (!sb_make_room(sb)) {
			if (!r)
				return -ENOMEM;
			/* Full: the last record grows, a little coarser. */
			account(sb, r, -1);
			r->end = end;
			r->xmit_us = now_us;
			r->flags &= ~TOE_TXR_LOST;
			account(sb, r, 1);
			return 0;
		}
		r = rec_at(sb, sb->count++);
		r->start = start;
		r->end = end;
		r->xmit_us = now_us;
		r->flags = 0;
		r->reserved = 0;
		return 0;
	}
	/* A retransmission (possibly running on into new data). */
	if (toe_seq_gt(end, r->end)) {
		u32 held_end = r->end;

		toe_tcp_sb_sent(sb, held_end, end, now_us);
		end = held_end;
	}
	i = sb_isolate(sb, start, end, &last);
	/*
	 * A split the bound refused leaves the record holding end whole: it
	 * counts as sent again, or recovery would find the same lost record
	 * after each resend of its head and resend that head forever.
	 */
	if (last < sb->count && toe_seq_lt(rec_at(sb, last)->start, end))
		last++;
	for (; i < last; i++) {
		r = rec_at(sb, i);
		account(sb, r, -1);
		r->flags &= ~TOE_TXR_LOST;
		r->flags |= TOE_TXR_RETRANS;
		r->xmit_us = now_us;
		account(sb, r, 1);
	}
	return 0;
}

/* RFC 8985 6.2 step 2, for one record an ACK delivered. */
static void note_delivered(struct toe_tcp_sb *sb, const struct toe_tcp_txrec *r,
			   u32 bytes, struct toe_tcp_sb_delivery *d)
{
	d->delivered += bytes;
	if (r->flags & TOE_TXR_RETRANS) {
		/* Ambiguous: the ACK may be for the first transmission. */
		if (d->have_tsecr &&
		    toe_seq_lt(d->tsecr,
			       (u32)(r->xmit_us >> SB_TS_SHIFT) + d->ts_offset))
			return;
		if (d->now_us - r->xmit_us < d->min_rtt_us)
			return;
	} else if (toe_seq_lt(r->end, sb->fack)) {
		d->reordered = true;
	}
	if (!d->valid || r->xmit_us > d->xmit_us ||
	    (r->xmit_us == d->xmit_us && toe_seq_gt(r->end, d->end_seq))) {
		d->valid = true;
		d->xmit_us = r->xmit_us;
		d->end_seq = r->end;
	}
}

void toe_tcp_sb_cum_ack(struct toe_tcp_sb *sb, u32 ack,
			struct toe_tcp_sb_delivery *d)
{
	while (sb->count) {
		struct toe_tcp_txrec *r = rec_at(sb, 0);
		u32 acked;

		if (toe_seq_leq(r->end, ack))
			acked = rec_len(r);
		else if (toe_seq_lt(r->start, ack))
			acked = ack - r->start;
		else
			break;
		sb->work++;
		account(sb, r, -1);
		if (!(r->flags & TOE_TXR_SACKED))
			note_delivered(sb, r, acked, d);
		if (acked == rec_len(r)) {
			sb->head++;
			sb->count--;
			if (sb->lost_hint)
				sb->lost_hint--;
		} else {
			r->start = ack;
			account(sb, r, 1);
		}
	}
	if (!sb->count)
		sb->head = 0;
	if (toe_seq_gt(ack, sb->fack))
		sb->fack = ack;
}

void toe_tcp_sb_sack(struct toe_tcp_sb *sb, u32 snd_una, u32 snd_max,
		     const struct toe_tcp_sack_block *blocks, u32 nr,
		     struct toe_tcp_sb_delivery *d)
{
	u32 b, fack = sb->fack;

	for (b = 0; b < nr && b < TOE_TCP_MAX_SACK_BLOCKS; b++) {
		u32 start = blocks[b].start, end = blocks[b].end, i, last;

		if (!toe_seq_lt(start, end) || toe_seq_leq(end, snd_una) ||
		    toe_seq_gt(end, snd_max))
			continue;
		if (toe_seq_lt(start, snd_una))
			start = snd_una;
		for (i = sb_isolate(sb, start, end, &last); i < last; i++) {
			struct toe_tcp_txrec *r = rec_at(sb, i);

			sb->work++;
			/* A record the bound kept whole counts only if covered. */
			if ((r->flags & TOE_TXR_SACKED) ||
			    toe_seq_lt(r->start, start) ||
			    toe_seq_gt(r->end, end))
				continue;
			account(sb, r, -1);
			note_delivered(sb, r, rec_len(r), d);
			d->sacked += rec_len(r);
			r->flags |= TOE_TXR_SACKED;
			r->flags &= ~TOE_TXR_LOST;
			account(sb, r, 1);
			if (toe_seq_gt(r->end, fack))
				fack = r->end;
		}
	}
	sb->fack = fack;
}

u64 toe_tcp_sb_mark_lost(struct toe_tcp_sb *sb, u64 rack_xmit_us,
			 u32 rack_end_seq, u64 threshold_us, u64 now_us)
{
	u64 wait = 0;
	u32 i;

	for (i = 0; i < sb->count; i++) {
		struct toe_tcp_txrec *r = rec_at(sb, i);
		u64 due;

		sb->work++;
		if (r->flags & (TOE_TXR_SACKED | TOE_TXR_LOST))
			continue;
		/* RACK_sent_after(RACK.xmit_ts, RACK.end_seq, seg) */
		if (r->xmit_us > rack_xmit_us ||
		    (r->xmit_us == rack_xmit_us &&
		     toe_seq_geq(r->end, rack_end_seq)))
			continue;
		due = r->xmit_us + threshold_us;
		if (due <= now_us) {
			r->flags |= TOE_TXR_LOST;
			sb->lost_bytes += rec_len(r);
			if (i < sb->lost_hint)
				sb->lost_hint = i;
		} else if (!wait || due - now_us < wait) {
			wait = due - now_us;
		}
	}
	return wait;
}

void toe_tcp_sb_mark_all_lost(struct toe_tcp_sb *sb)
{
	u32 i;

	for (i = 0; i < sb->count; i++) {
		struct toe_tcp_txrec *r = rec_at(sb, i);

		r->flags &= ~TOE_TXR_SACKED;
		r->flags |= TOE_TXR_LOST;
	}
	sb->sacked_bytes = 0;
	sb->lost_bytes = sb->count ? rec_at(sb, sb->count - 1)->end -
					     rec_at(sb, 0)->start :
				     0;
	sb->lost_hint = 0;
	sb->fack = sb->count ? rec_at(sb, 0)->start : sb->fack;
}

bool toe_tcp_sb_next_lost(struct toe_tcp_sb *sb, u32 *start, u32 *end)
{
	u32 i;

	if (!sb->lost_bytes)
		return false;
	for (i = sb->lost_hint; i < sb->count; i++) {
		struct toe_tcp_txrec *r = rec_at(sb, i);

		if (r->flags & TOE_TXR_LOST) {
			sb->lost_hint = i;
			*start = r->start;
			*end = r->end;
			return true;
		}
	}
	/* Only reached if the hint was wrong: start over once. */
	for (i = 0; i < sb->lost_hint && i < sb->count; i++) {
		struct toe_tcp_txrec *r = rec_at(sb, i);

		if (r->flags & TOE_TXR_LOST) {
			sb->lost_hint = i;
			*start = r->start;
			*end = r->end;
			return true;
		}
	}
	return false;
}

bool toe_tcp_sb_last(const struct toe_tcp_sb *sb, u32 *start, u32 *end)
{
	const struct toe_tcp_txrec *r;

	if (!sb->count)
		return false;
	r = &sb->rec[sb->head + sb->count - 1];
	*start = r->start;
	*end = r->end;
	return true;
}

u32 toe_tcp_sb_lost_in(struct toe_tcp_sb *sb, u32 start, u32 end)
{
	u32 i, lost = 0;

	for (i = sb_find(sb, start); i < sb->count; i++) {
		const struct toe_tcp_txrec *r = rec_at(sb, i);
		u32 from, to;

		if (!toe_seq_lt(r->start, end))
			break;
		sb->work++;
		if (!(r->flags & TOE_TXR_LOST))
			continue;
		from = toe_seq_gt(r->start, start) ? r->start : start;
		to = toe_seq_lt(r->end, end) ? r->end : end;
		lost += to - from;
	}
	return lost;
}

bool toe_tcp_sb_is_sacked(struct toe_tcp_sb *sb, u32 seq, u32 *end)
{
	u32 i = sb_find(sb, seq);
	struct toe_tcp_txrec *r;

	if (i >= sb->count)
		return false;
	r = rec_at(sb, i);
	if (toe_seq_gt(r->start, seq) || !(r->flags & TOE_TXR_SACKED))
		return false;
	*end = r->end;
	return true;
}
