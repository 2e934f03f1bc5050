// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Owners (application contexts): the sockets each one holds and its
 * anonymous buffer pool, so that releasing an owner touches only its own
 * objects and leaves the engine with no reference to its memory.
 */
#include "engine_priv.h"

#define OWNER_BUCKETS 256u

int toe_owners_init(struct toe_engine *eng)
{
	eng->owner_buckets =
		toe_os_zalloc(OWNER_BUCKETS * sizeof(*eng->owner_buckets));
	if (!eng->owner_buckets)
		return -ENOMEM;
	eng->owner_mask = OWNER_BUCKETS - 1;
	return 0;
}

static struct toe_owner **owner_bucket(struct toe_engine *eng, u32 id)
{
	return &eng->owner_buckets[toe_os_hash_3words(id, 0, 0,
						      eng->hash_seed) &
				   eng->owner_mask];
}

struct toe_owner *toe_owner_find(struct toe_engine *eng, u32 id)
{
	struct toe_owner *o;

	for (o = *owner_bucket(eng, id); o; o = o->hnext)
		if (o->id == id)
			return o;
	return NULL;
}

struct toe_owner *toe_owner_get(struct toe_engine *eng, u32 id)
{
	struct toe_owner **head;
	struct toe_owner *o = toe_owner_find(eng, id);

	if (o || id == TOE_OWNER_NONE)
		return o;
	o = toe_os_zalloc(sizeof(*o));
	if (!o)
		return NULL;
	o->id = id;
	head = owner_bucket(eng, id);
	o->hnext = *head;
	*head = o;
	eng->nr_owners++;
	return o;
}

void toe_owner_maybe_free(struct toe_engine *eng, struct toe_owner *o)
{
	struct toe_owner **link;

	if (o->socks || o->anon_head || o->wait_head || o->releasing)
		return;
	for (link = owner_bucket(eng, o->id); *link; link = &(*link)->hnext) {
		if (*link == o) {
			*link = o->hnext;
			break;
		}
	}
	eng->nr_owners--;
	toe_os_free(o);
}

void toe_owner_link_sock(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_owner *o = toe_owner_find(eng, sk->owner);

	if (TOE_WARN_ON(!o))
		return;
	sk->owner_prev = NULL;
	sk->owner_next = o->socks;
	if (o->socks)
		o->socks->owner_prev = sk;
	o->socks = sk;
	o->nr_socks++;
}

void toe_owner_unlink_sock(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_owner *o = toe_owner_find(eng, sk->owner);

	if (!o)
		return;
	if (sk->anon_waiting)
		toe_anon_unwait(eng, sk);
	if (sk->owner_prev)
		sk->owner_prev->owner_next = sk->owner_next;
	else if (o->socks == sk)
		o->socks = sk->owner_next;
	else
		return; /* not linked */
	if (sk->owner_next)
		sk->owner_next->owner_prev = sk->owner_prev;
	sk->owner_next = NULL;
	sk->owner_prev = NULL;
	o->nr_socks--;
	toe_owner_maybe_free(eng, o);
}

/* ---- The anonymous buffer list ---------------------------------------------------- */

struct toe_anon_buf *toe_anon_take(struct toe_engine *eng, u32 owner)
{
	struct toe_owner *o = toe_owner_find(eng, owner);
	struct toe_anon_buf *ab;

	if (!o || !o->anon_head)
		return NULL;
	ab = o->anon_head;
	o->anon_head = ab->next;
	if (!o->anon_head)
		o->anon_tail = NULL;
	o->anon_count--;
	o->anon_bytes -= ab->len;
	ab->next = NULL;
	ab->bytes = 0;
	return ab;
}

void toe_anon_wait(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_owner *o;

	if (sk->anon_waiting)
		return;
	o = toe_owner_find(eng, sk->owner);
	if (!o)
		return;
	sk->anon_wait_next = NULL;
	if (o->wait_tail)
		o->wait_tail->anon_wait_next = sk;
	else
		o->wait_head = sk;
	o->wait_tail = sk;
	sk->anon_waiting = 1;
}

void toe_anon_unwait(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_owner *o = toe_owner_find(eng, sk->owner);
	struct toe_sock *prev = NULL;
	struct toe_sock *cur;

	sk->anon_waiting = 0;
	if (!o)
		return;
	for (cur = o->wait_head; cur; prev = cur, cur = cur->anon_wait_next) {
		if (cur != sk)
			continue;
		if (prev)
			prev->anon_wait_next = cur->anon_wait_next;
		else
			o->wait_head = cur->anon_wait_next;
		if (o->wait_tail == cur)
			o->wait_tail = prev;
		break;
	}
	sk->anon_wait_next = NULL;
}

int toe_anon_provide(struct toe_engine *eng, u32 owner, struct toe_mem *mem,
		     u64 off, u32 len, u32 id)
{
	struct toe_owner *o;
	struct toe_anon_buf *ab;

	if (owner == TOE_OWNER_NONE || !mem || !len)
		return -EINVAL;
	if (!toe_os_mem_range_ok(mem, off, len))
		return -EFAULT;
	o = toe_owner_get(eng, owner);
	if (!o)
		return -ENOMEM;
	if (o->anon_count >= eng->cfg.owner_anon_max) {
		toe_owner_maybe_free(eng, o);
		return -ENOBUFS;
	}
	for (ab = o->anon_head; ab; ab = ab->next)
		if (ab->id == id)
			return -EEXIST;
	ab = toe_os_zalloc(sizeof(*ab));
	if (!ab) {
		toe_owner_maybe_free(eng, o);
		return -ENOMEM;
	}
	ab->mem = mem;
	ab->off = off;
	ab->len = len;
	ab->id = id;
	toe_os_mem_get(mem);
	if (o->anon_tail)
		o->anon_tail->next = ab;
	else
		o->anon_head = ab;
	o->anon_tail = ab;
	o->anon_count++;
	o->anon_bytes += len;

	/* Sockets with parked data waited for exactly this. */
	while (o->wait_head && o->anon_head) {
		struct toe_sock *sk = o->wait_head;

		toe_anon_unwait(eng, sk);
		toe_rx_drain(eng, sk);
		if (sk->proto == TOE_PROTO_TCP)
			toe_tcp_on_buffer_posted(eng, sk);
	}
	return 0;
}

/* The unused anonymous buffers go back to the host, cancelled. */
static void anon_pool_release(struct toe_engine *eng, struct toe_owner *o)
{
	while (o->anon_head) {
		struct toe_anon_buf *ab = o->anon_head;
		struct toe_event ev;

		o->anon_head = ab->next;
		o->anon_count--;
		o->anon_bytes -= ab->len;
		memset(&ev, 0, sizeof(ev));
		ev.type = TOE_EV_RECV_ANON;
		ev.status = -ECANCELED;
		ev.sock = TOE_HANDLE_NONE;
		ev.anon_id = ab->id;
		toe_emit(eng, o->id, &ev);
		toe_os_mem_put(ab->mem);
		toe_os_free(ab);
	}
	o->anon_tail = NULL;
}

void toe_owner_release(struct toe_engine *eng, u32 owner, int error)
{
	struct toe_owner *o = toe_owner_find(eng, owner);

	if (!o)
		return;
	o->releasing = 1;
	/* Every socket, connected or on its way out, is reset; each
	 * returns its buffers and completes its sends as it goes.
	 */
	while (o->socks) {
		struct toe_sock *sk = o->socks;

		sk->flags |= TOE_SKF_HOST_CLOSED | TOE_SKF_RD_SHUT;
		toe_rx_flush(eng, sk, TOE_RET_CLOSED, error);
		if (sk->proto == TOE_PROTO_TCP)
			toe_tcp_abort(eng, sk, error);
		/* Whatever the protocol left, the socket goes now. */
		if (o->socks == sk)
			toe_sock_free(eng, sk);
	}
	anon_pool_release(eng, o);
	o->wait_head = o->wait_tail = NULL;
	o->releasing = 0;
	toe_owner_maybe_free(eng, o);
}

void toe_owners_destroy(struct toe_engine *eng)
{
	u32 i;

	if (!eng->owner_buckets)
		return;
	for (i = 0; i <= eng->owner_mask; i++) {
		while (eng->owner_buckets[i]) {
			struct toe_owner *o = eng->owner_buckets[i];
			struct toe_anon_buf *ab = o->anon_head;

			while (ab) {
				struct toe_anon_buf *next = ab->next;

				toe_os_mem_put(ab->mem);
				toe_os_free(ab);
				ab = next;
			}
			eng->owner_buckets[i] = o->hnext;
			toe_os_free(o);
		}
	}
	toe_os_free(eng->owner_buckets);
	eng->owner_buckets = NULL;
}
