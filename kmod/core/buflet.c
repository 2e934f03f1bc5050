// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The buflet pool: fixed-size cells carved from one allocation, kept on the
 * seed's free buflet list, charged to the socket that holds them and
 * bounded per socket, so one connection cannot take them all.
 */
#include "engine_priv.h"

#define BUFLET_ALIGN 64u

int toe_buflet_pool_init(struct toe_buflet_pool *pool, u32 count, u32 size)
{
	u64 cell = sizeof(struct toe_buflet) + (u64)size;
	u32 i;

	cell = (cell + BUFLET_ALIGN - 1) & ~(u64)(BUFLET_ALIGN - 1);
	pool->mem = toe_os_zalloc((size_t)(cell * count));
	if (!pool->mem)
		return -ENOMEM;
	pool->count = count;
	pool->free = count;
	pool->cell_size = (u32)cell;
	pool->data_size = size;
	pool->free_list = NULL;
	for (i = count; i-- > 0;) {
		struct toe_buflet *b =
			(struct toe_buflet *)(pool->mem + (u64)i * cell);

		b->next = pool->free_list;
		pool->free_list = b;
	}
	return 0;
}

void toe_buflet_pool_destroy(struct toe_buflet_pool *pool)
{
	toe_os_free(pool->mem);
	pool->mem = NULL;
	pool->free_list = NULL;
}

static u32 allowed_below(const struct toe_engine *eng,
			 const struct toe_sock *sk, u32 cap)
{
	u32 left = sk->buflets_held >= cap ? 0 : cap - sk->buflets_held;

	return TOE_MIN(left, eng->buflets.free);
}

u32 toe_buflets_allowed(const struct toe_engine *eng,
			const struct toe_sock *sk)
{
	return allowed_below(eng, sk, eng->cfg.sock_buflets_max);
}

u32 toe_buflets_free(const struct toe_engine *eng)
{
	return eng->buflets.free;
}

u32 toe_buflets_for(const struct toe_engine *eng, u32 len)
{
	u32 size = eng->buflets.data_size;

	return len ? (len + size - 1) / size : 1;
}

static struct toe_buflet *alloc_below(struct toe_engine *eng,
				      struct toe_sock *sk, u32 cap)
{
	struct toe_buflet_pool *pool = &eng->buflets;
	struct toe_buflet *b;

	if (!allowed_below(eng, sk, cap))
		return NULL;
	b = pool->free_list;
	pool->free_list = b->next;
	pool->free--;
	sk->buflets_held++;
	b->next = NULL;
	b->next_seg = NULL;
	b->byte_offset = 0;
	b->byte_count = 0;
	b->l2_off = TOE_BUFLET_NO_HDR;
	b->l3_off = TOE_BUFLET_NO_HDR;
	b->l4_off = TOE_BUFLET_NO_HDR;
	b->seg_flags = 0;
	b->seq = 0;
	b->seg_len = 0;
	return b;
}

struct toe_buflet *toe_buflet_alloc(struct toe_engine *eng,
				    struct toe_sock *sk)
{
	return alloc_below(eng, sk, eng->cfg.sock_buflets_max);
}

/*
 * The receive window counts posted named space up to one bound
 * (toe_rx_space()), and that space can come back to the host early (PSH,
 * URG, a timeout) after the window was promised. In-order bytes inside
 * the window may then take up to a second bound of buflets, so the engine
 * never refuses what it advertised.
 */
struct toe_buflet *toe_buflet_alloc_in_window(struct toe_engine *eng,
					      struct toe_sock *sk)
{
	return alloc_below(eng, sk, 2 * eng->cfg.sock_buflets_max + 2);
}

void toe_buflet_free(struct toe_engine *eng, struct toe_sock *sk,
		     struct toe_buflet *b)
{
	struct toe_buflet_pool *pool = &eng->buflets;

	if (TOE_WARN_ON((u8 *)b < pool->mem ||
			(u8 *)b >= pool->mem + (u64)pool->count *
						       pool->cell_size))
		return;
	if (!TOE_WARN_ON(sk->buflets_held == 0))
		sk->buflets_held--;
	b->next = pool->free_list;
	pool->free_list = b;
	pool->free++;
}

void toe_buflet_seg_free(struct toe_engine *eng, struct toe_sock *sk,
			 struct toe_buflet *seg)
{
	while (seg) {
		struct toe_buflet *next = seg->next;

		toe_buflet_free(eng, sk, seg);
		seg = next;
	}
}

/* Allocates a chain of n buflets; all or nothing. */
static struct toe_buflet *chain_alloc(struct toe_engine *eng,
				      struct toe_sock *sk, u32 n)
{
	struct toe_buflet *first = NULL;
	struct toe_buflet **link = &first;
	u32 i;

	if (toe_buflets_allowed(eng, sk) < n)
		return NULL;
	for (i = 0; i < n; i++) {
		*link = toe_buflet_alloc(eng, sk);
		link = &(*link)->next;
	}
	return first;
}

/* Fills a chain with payload [off, off + len) of pkt, starting at byte
 * start of the first buflet.
 */
static int chain_fill(struct toe_engine *eng, struct toe_buflet *b,
		      u32 start, const struct toe_pkt *pkt, u32 off, u32 len)
{
	u32 size = eng->buflets.data_size;

	for (; b && len; b = b->next, start = 0) {
		u32 n = TOE_MIN(size - start, len);
		int err = toe_pkt_copy_payload(pkt, off, b->data + start, n);

		if (err)
			return err;
		b->byte_offset = start;
		b->byte_count = n;
		off += n;
		len -= n;
	}
	return len ? -EINVAL : 0;
}

struct toe_buflet *toe_buflet_seg_from_pkt(struct toe_engine *eng,
					   struct toe_sock *sk,
					   const struct toe_pkt *pkt, u32 off,
					   u32 len, u32 seq, u32 seg_flags)
{
	struct toe_buflet *seg;

	if (off > pkt->payload_len || len > pkt->payload_len - off)
		return NULL;
	seg = chain_alloc(eng, sk, toe_buflets_for(eng, len));
	if (!seg) {
		TOE_CTR_INC(eng, drop_no_buflet);
		return NULL;
	}
	if (chain_fill(eng, seg, 0, pkt, off, len)) {
		toe_buflet_seg_free(eng, sk, seg);
		return NULL;
	}
	seg->seq = seq;
	seg->seg_len = len;
	seg->seg_flags = (u8)seg_flags;
	return seg;
}

struct toe_buflet *toe_buflet_seg_from_datagram(struct toe_engine *eng,
						struct toe_sock *sk,
						const struct toe_pkt *pkt)
{
	u32 hdr_len = pkt->payload_off; /* L2..L4 headers */
	u32 size = eng->buflets.data_size;
	u32 len = pkt->payload_len;
	u32 first_room;
	u32 n;
	struct toe_buflet *seg;

	if (TOE_WARN_ON(hdr_len >= size))
		return NULL;
	first_room = size - hdr_len;
	n = 1 + (len > first_room ?
			 (len - first_room + size - 1) / size : 0);
	seg = chain_alloc(eng, sk, n);
	if (!seg)
		return NULL;
	if (toe_frame_copy(pkt->frame, 0, seg->data, hdr_len) ||
	    chain_fill(eng, seg, hdr_len, pkt, 0, len)) {
		toe_buflet_seg_free(eng, sk, seg);
		return NULL;
	}
	if (!len)
		seg->byte_offset = hdr_len;
	seg->l2_off = 0;
	seg->l3_off = (u16)pkt->l3_off;
	seg->l4_off = (u16)pkt->l4_off;
	seg->seg_len = len;
	return seg;
}

/* Moves the segment fields from the first buflet to its successor. */
static void seg_pass_head(struct toe_buflet *from, struct toe_buflet *to)
{
	to->next_seg = from->next_seg;
	to->seg_flags = from->seg_flags;
	to->seq = from->seq;
	to->seg_len = from->seg_len;
}

struct toe_buflet *toe_buflet_seg_trim_front(struct toe_engine *eng,
					     struct toe_sock *sk,
					     struct toe_buflet *seg, u32 n)
{
	if (n >= seg->seg_len) {
		toe_buflet_seg_free(eng, sk, seg);
		return NULL;
	}
	seg->seq += n;
	seg->seg_len -= n;
	while (n) {
		if (n >= seg->byte_count) {
			struct toe_buflet *next = seg->next;

			n -= seg->byte_count;
			seg_pass_head(seg, next);
			toe_buflet_free(eng, sk, seg);
			seg = next;
		} else {
			seg->byte_offset += n;
			seg->byte_count -= n;
			n = 0;
		}
	}
	/* A first buflet emptied exactly at a boundary moves on too. */
	while (seg->byte_count == 0 && seg->next) {
		struct toe_buflet *next = seg->next;

		seg_pass_head(seg, next);
		toe_buflet_free(eng, sk, seg);
		seg = next;
	}
	return seg;
}

struct toe_buflet *toe_buflet_seg_trim_back(struct toe_engine *eng,
					    struct toe_sock *sk,
					    struct toe_buflet *seg, u32 n)
{
	u32 keep;
	struct toe_buflet *b;

	if (n >= seg->seg_len) {
		toe_buflet_seg_free(eng, sk, seg);
		return NULL;
	}
	if (!n)
		return seg;
	keep = seg->seg_len - n;
	seg->seg_len = keep;
	/* PSH and FIN belonged to the end that is gone. */
	seg->seg_flags &= (u8)~(TOE_SEGF_PSH | TOE_SEGF_FIN);
	for (b = seg; b; b = b->next) {
		if (keep <= b->byte_count) {
			b->byte_count = keep;
			toe_buflet_seg_free(eng, sk, b->next);
			b->next = NULL;
			break;
		}
		keep -= b->byte_count;
	}
	return seg;
}

int toe_buflet_seg_copy(const struct toe_buflet *seg, u32 off, void *dst,
			u32 len)
{
	u8 *out = dst;
	const struct toe_buflet *b;

	if (off > seg->seg_len || len > seg->seg_len - off)
		return -EINVAL;
	for (b = seg; b && len; b = b->next) {
		u32 n;

		if (off >= b->byte_count) {
			off -= b->byte_count;
			continue;
		}
		n = TOE_MIN(b->byte_count - off, len);
		memcpy(out, b->data + b->byte_offset + off, n);
		out += n;
		len -= n;
		off = 0;
	}
	return len ? -EINVAL : 0;
}
