// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Socket descriptors: handles with generations, allocation and freeing,
 * the listener's child and accept queues, events and send completions.
 * Host requests on sockets are in sock_api.c.
 */
#include "engine_priv.h"

/*
 * The generation stops short of bit 31: a SOCKET request completes with the
 * handle in its signed result, where negative means an error.
 */
#define TOE_HANDLE_GEN_MASK ((1u << (31 - TOE_HANDLE_INDEX_BITS)) - 1)

/* ---- Handles ---------------------------------------------------------------------- */

static u32 make_handle(u32 idx, u16 gen)
{
	return (u32)gen << TOE_HANDLE_INDEX_BITS | idx;
}

struct toe_sock *toe_sock_lookup_any(struct toe_engine *eng, u32 handle)
{
	u32 idx = handle & TOE_HANDLE_INDEX_MASK;
	struct toe_sock *sk;

	if (handle == TOE_HANDLE_NONE || idx >= eng->nr_slots)
		return NULL;
	sk = eng->slots[idx];
	if (!sk || sk->handle != handle)
		return NULL;
	return sk;
}

struct toe_sock *toe_sock_lookup(struct toe_engine *eng, u32 owner,
				 u32 handle)
{
	struct toe_sock *sk = toe_sock_lookup_any(eng, handle);

	if (!sk || owner == TOE_OWNER_NONE || sk->owner != owner ||
	    !(sk->flags & TOE_SKF_HOST_HELD) ||
	    (sk->flags & (TOE_SKF_HOST_CLOSED | TOE_SKF_FREEING)))
		return NULL;
	return sk;
}

static void sock_init_common(struct toe_sock *sk);

struct toe_sock *toe_sock_alloc(struct toe_engine *eng, u8 proto)
{
	struct toe_sock *sk;
	u32 idx;

	if (!eng->slot_free_top)
		return NULL;
	sk = toe_os_zalloc(sizeof(*sk));
	if (!sk)
		return NULL;
	idx = eng->slot_free[--eng->slot_free_top];
	sk->handle = make_handle(idx, eng->slot_gen[idx]);
	sk->proto = proto;
	sk->created_us = toe_os_now_us();
	sock_init_common(sk);
	eng->slots[idx] = sk;
	eng->nr_sockets++;
	return sk;
}

static void sock_slot_release(struct toe_engine *eng, struct toe_sock *sk)
{
	u32 idx = sk->handle & TOE_HANDLE_INDEX_MASK;
	u16 gen;

	if (TOE_WARN_ON(idx >= eng->nr_slots || eng->slots[idx] != sk))
		return;
	eng->slots[idx] = NULL;
	/* A new generation: the old handle never reaches the slot again
	 * (until the 11-bit generation wraps; 0 is never used).
	 */
	gen = (u16)((eng->slot_gen[idx] + 1) & TOE_HANDLE_GEN_MASK);
	eng->slot_gen[idx] = gen ? gen : 1;
	eng->slot_free[eng->slot_free_top++] = idx;
	eng->nr_sockets--;
}

/* ---- Events ----------------------------------------------------------------------- */

void toe_emit(struct toe_engine *eng, u32 owner, const struct toe_event *ev)
{
	if (owner == TOE_OWNER_NONE || eng->quiet)
		return;
	TOE_CTR_INC(eng, events);
	eng->ops.event(eng->port, owner, ev);
}

void toe_sock_trace(struct toe_engine *eng, const struct toe_sock *sk,
		    u16 kind, u16 reason, u32 seq, u32 len)
{
	struct toe_trace_rec rec;

	if (!eng->ops.trace)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.kind = kind;
	rec.reason = reason;
	rec.sock = toe_sock_host_visible(sk) ? sk->handle : 0;
	rec.owner = sk->owner;
	rec.proto = sk->proto;
	rec.local_ip = sk->local_ip;
	rec.remote_ip = sk->remote_ip;
	rec.local_port = sk->local_port;
	rec.remote_port = sk->remote_port;
	rec.seq = seq;
	rec.len = len;
	eng->ops.trace(eng->port, &rec);
}

void toe_sock_event(struct toe_engine *eng, struct toe_sock *sk, u16 type,
		    int status)
{
	struct toe_event ev;

	if (!toe_sock_host_visible(sk))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.status = status;
	ev.sock = sk->handle;
	ev.sock_ref = sk->user_ref;
	ev.peer_ip = sk->remote_ip;
	ev.peer_port = sk->remote_port;
	toe_emit(eng, sk->owner, &ev);
}

void toe_sock_connected(struct toe_engine *eng, struct toe_sock *sk,
			int status)
{
	toe_sock_event(eng, sk, TOE_EV_CONNECTED, status);
}

/* ---- Send requests ----------------------------------------------------------------- */

struct toe_send_desc *toe_send_desc_alloc(struct toe_engine *eng,
					  struct toe_sock *sk,
					  const struct toe_send_req *req)
{
	struct toe_send_desc *d = toe_os_zalloc(sizeof(*d));

	if (!d)
		return NULL;
	d->mem = req->mem;
	d->off = req->offset;
	d->len = req->length;
	d->flags = req->flags;
	d->user_ref = req->user_ref;
	d->dst_ip = req->dst_ip;
	d->dst_port = req->dst_port;
	toe_os_mem_get(d->mem);
	sk->sends_pending++;
	return d;
}

/* Frees a request that never got going (no event). */
void toe_send_desc_discard(struct toe_engine *eng, struct toe_sock *sk,
			   struct toe_send_desc *d)
{
	if (!TOE_WARN_ON(sk->sends_pending == 0))
		sk->sends_pending--;
	toe_os_mem_put(d->mem);
	toe_os_free(d);
}

void toe_send_complete(struct toe_engine *eng, struct toe_sock *sk,
		       struct toe_send_desc *d, u32 bytes, int status)
{
	struct toe_event ev;

	if (toe_sock_host_visible(sk)) {
		memset(&ev, 0, sizeof(ev));
		ev.type = TOE_EV_SEND;
		ev.status = status;
		ev.sock = sk->handle;
		ev.sock_ref = sk->user_ref;
		ev.buf_ref = d->user_ref;
		ev.bytes = bytes;
		ev.peer_ip = sk->remote_ip;
		ev.peer_port = sk->remote_port;
		toe_emit(eng, sk->owner, &ev);
	}
	toe_send_desc_discard(eng, sk, d);
}

/* ---- Neighbour resolution retries ---------------------------------------------- */

#define L2_RETRY_FIRST_US 10000u
#define L2_RETRY_MAX_US 500000u
#define L2_RETRY_ATTEMPTS 12u

static u64 l2_retry_delay(u32 attempt)
{
	u64 d = (u64)L2_RETRY_FIRST_US << TOE_MIN(attempt, 16u);

	return d > L2_RETRY_MAX_US ? L2_RETRY_MAX_US : d;
}

void toe_sock_l2_schedule(struct toe_engine *eng, struct toe_sock *sk)
{
	if (!toe_timer_pending(&sk->l2_timer))
		toe_timer_arm_in(eng, &sk->l2_timer,
				 l2_retry_delay(sk->l2_attempts));
}

void toe_sock_connect_fail(struct toe_engine *eng, struct toe_sock *sk,
			   int status)
{
	sk->flags &= ~(TOE_SKF_CONNECTING | TOE_SKF_CONNECTED);
	toe_flow_remove(eng, sk);
	toe_sock_connected(eng, sk, status);
}

static void l2_timer_fn(struct toe_engine *eng, struct toe_sock *sk,
			struct toe_timer *t)
{
	int err;

	if (sk->flags & TOE_SKF_CONNECTING) {
		err = toe_sock_resolve_l2(eng, sk);
		if (err == -EAGAIN && ++sk->l2_attempts < L2_RETRY_ATTEMPTS) {
			toe_sock_l2_schedule(eng, sk);
			return;
		}
		sk->flags &= ~TOE_SKF_CONNECTING;
		sk->l2_attempts = 0;
		if (err) {
			toe_sock_connect_fail(eng, sk, -EHOSTUNREACH);
			return;
		}
		err = toe_tcp_connect(eng, sk);
		if (err)
			toe_sock_connect_fail(eng, sk, err);
		return;
	}
	if (sk->proto == TOE_PROTO_UDP && sk->udp_l2_head)
		toe_udp_l2_retry(eng, sk);
}

static void sock_init_common(struct toe_sock *sk)
{
	toe_timer_init(&sk->l2_timer, l2_timer_fn, sk);
}

/* ---- Listener: children and the accept queue ------------------------------------- */

static void child_unlink(struct toe_sock *listener, struct toe_sock *child)
{
	if (child->child_prev)
		child->child_prev->child_next = child->child_next;
	else
		listener->child_head = child->child_next;
	if (child->child_next)
		child->child_next->child_prev = child->child_prev;
	child->child_next = NULL;
	child->child_prev = NULL;
	listener->children--;
}

static void acceptq_unlink(struct toe_sock *listener, struct toe_sock *child)
{
	struct toe_sock **link;
	struct toe_sock *prev = NULL;

	if (!(child->flags & TOE_SKF_IN_ACCEPTQ))
		return;
	for (link = &listener->acc_head; *link; link = &(*link)->acc_next) {
		if (*link == child) {
			*link = child->acc_next;
			if (listener->acc_tail == child)
				listener->acc_tail = prev;
			listener->acc_count--;
			break;
		}
		prev = *link;
	}
	child->acc_next = NULL;
	child->flags &= ~TOE_SKF_IN_ACCEPTQ;
}

int toe_sock_create_child(struct toe_engine *eng, struct toe_sock *listener,
			  const struct toe_pkt *pkt, struct toe_sock **out)
{
	struct toe_sock *sk;
	int err;

	*out = NULL;
	if (!(listener->flags & TOE_SKF_LISTENING) ||
	    (listener->flags & TOE_SKF_FREEING))
		return -EINVAL;
	sk = toe_sock_alloc(eng, TOE_PROTO_TCP);
	if (!sk)
		return eng->slot_free_top ? -ENOMEM : -ENOSPC;
	sk->local_ip = pkt->dst_ip;
	sk->local_port = pkt->dst_port;
	sk->remote_ip = pkt->src_ip;
	sk->remote_port = pkt->src_port;
	sk->owner = listener->owner;
	sk->tos = listener->tos;
	sk->ttl = listener->ttl;
	sk->linger_s = listener->linger_s;
	sk->flags |= TOE_SKF_BOUND | TOE_SKF_CONNECTED |
		     (listener->flags & (TOE_SKF_ANON | TOE_SKF_REUSEADDR));
	/* The neighbour table's answer when it has one; else the SYN came
	 * through this MAC and answers go back the same way.
	 */
	if (toe_sock_resolve_l2(eng, sk)) {
		memcpy(sk->remote_mac, pkt->eth + 6, 6);
		sk->flags |= TOE_SKF_L2_OK;
	}
	err = toe_flow_insert(eng, sk);
	if (err) {
		sock_slot_release(eng, sk);
		toe_os_free(sk);
		return err;
	}
	sk->parent = listener;
	sk->child_prev = NULL;
	sk->child_next = listener->child_head;
	if (listener->child_head)
		listener->child_head->child_prev = sk;
	listener->child_head = sk;
	listener->children++;
	toe_tcp_sock_init(eng, sk);
	*out = sk;
	return 0;
}

bool toe_sock_accept_queue_full(const struct toe_sock *listener)
{
	return listener->acc_count >= listener->backlog;
}

/* Gives child to the host through an accept request. */
static void accept_deliver(struct toe_engine *eng, struct toe_sock *listener,
			   struct toe_sock *child, u64 user_ref)
{
	struct toe_event ev;

	acceptq_unlink(listener, child);
	child_unlink(listener, child);
	child->parent = NULL;
	child->user_ref = user_ref;
	child->owner = listener->owner;
	child->flags |= TOE_SKF_HOST_HELD;
	toe_owner_link_sock(eng, child);
	memset(&ev, 0, sizeof(ev));
	ev.type = TOE_EV_ACCEPT;
	ev.sock = child->handle;
	ev.sock_ref = user_ref;
	ev.parent = listener->handle;
	ev.buf_ref = user_ref;
	ev.peer_ip = child->remote_ip;
	ev.peer_port = child->remote_port;
	toe_emit(eng, child->owner, &ev);
}

int toe_sock_accept_ready(struct toe_engine *eng, struct toe_sock *child)
{
	struct toe_sock *l = child->parent;
	struct toe_accept_req *req;

	if (TOE_WARN_ON(!l) || (child->flags & TOE_SKF_IN_ACCEPTQ))
		return -EINVAL;
	if (l->areq_head) {
		req = l->areq_head;
		l->areq_head = req->next;
		if (!l->areq_head)
			l->areq_tail = NULL;
		l->areq_count--;
		accept_deliver(eng, l, child, req->user_ref);
		toe_os_free(req);
		return 0;
	}
	if (toe_sock_accept_queue_full(l))
		return -ENOBUFS;
	child->acc_next = NULL;
	if (l->acc_tail)
		l->acc_tail->acc_next = child;
	else
		l->acc_head = child;
	l->acc_tail = child;
	l->acc_count++;
	child->flags |= TOE_SKF_IN_ACCEPTQ;
	return 0;
}

int toe_sock_accept_request(struct toe_engine *eng, struct toe_sock *l,
			    u64 user_ref)
{
	struct toe_accept_req *req;

	if (l->acc_head) {
		accept_deliver(eng, l, l->acc_head, user_ref);
		return 0;
	}
	if (l->areq_count >= eng->cfg.sock_accept_max)
		return -ENOBUFS;
	req = toe_os_zalloc(sizeof(*req));
	if (!req)
		return -ENOMEM;
	req->user_ref = user_ref;
	if (l->areq_tail)
		l->areq_tail->next = req;
	else
		l->areq_head = req;
	l->areq_tail = req;
	l->areq_count++;
	return 0;
}

/* A listener goes: its accept requests fail, its children are reset. */
static void listener_teardown(struct toe_engine *eng, struct toe_sock *l)
{
	while (l->areq_head) {
		struct toe_accept_req *req = l->areq_head;
		struct toe_event ev;

		l->areq_head = req->next;
		l->areq_count--;
		if (toe_sock_host_visible(l)) {
			memset(&ev, 0, sizeof(ev));
			ev.type = TOE_EV_ACCEPT;
			ev.status = -ECONNABORTED;
			ev.sock = TOE_HANDLE_NONE;
			ev.sock_ref = req->user_ref;
			ev.buf_ref = req->user_ref;
			ev.parent = l->handle;
			toe_emit(eng, l->owner, &ev);
		}
		toe_os_free(req);
	}
	l->areq_tail = NULL;
	while (l->child_head) {
		struct toe_sock *c = l->child_head;

		toe_tcp_abort(eng, c, -ECONNABORTED);
		if (l->child_head == c)
			toe_sock_free(eng, c);
	}
	if (l->flags & TOE_SKF_LISTENING) {
		l->flags &= ~TOE_SKF_LISTENING;
		TOE_WRITE_ONCE(l->listening, 0);
		eng->nr_listeners--;
	}
}

/* ---- The end of a socket -------------------------------------------------------- */

void toe_sock_host_detach(struct toe_engine *eng, struct toe_sock *sk,
			  int status)
{
	if (!(sk->flags & TOE_SKF_HOST_HELD) ||
	    (sk->flags & TOE_SKF_CLOSED_SENT) ||
	    !(sk->flags & TOE_SKF_HOST_CLOSED))
		return;
	TOE_WARN_ON(sk->sends_pending);
	toe_rx_flush(eng, sk, TOE_RET_CLOSED, 0);
	toe_sock_event(eng, sk, TOE_EV_CLOSED, status);
	sk->flags |= TOE_SKF_CLOSED_SENT;
	toe_owner_unlink_sock(eng, sk);
	sk->owner = TOE_OWNER_NONE;
}

void toe_sock_free(struct toe_engine *eng, struct toe_sock *sk)
{
	if (sk->flags & TOE_SKF_FREEING)
		return;
	sk->flags |= TOE_SKF_FREEING;
	toe_timer_cancel(eng, &sk->l2_timer);
	if (sk->proto == TOE_PROTO_TCP)
		toe_tcp_release(eng, sk);
	else
		toe_udp_fail_pending(eng, sk, -ECONNABORTED);
	listener_teardown(eng, sk);
	if (sk->parent) {
		acceptq_unlink(sk->parent, sk);
		child_unlink(sk->parent, sk);
		sk->parent = NULL;
	}
	toe_rx_flush(eng, sk, TOE_RET_CLOSED, 0);
	toe_flow_remove(eng, sk);
	toe_bind_remove(eng, sk);
	TOE_WARN_ON(sk->sends_pending);
	TOE_WARN_ON(sk->buflets_held);
	if ((sk->flags & TOE_SKF_HOST_HELD) &&
	    !(sk->flags & TOE_SKF_CLOSED_SENT)) {
		toe_sock_event(eng, sk, TOE_EV_CLOSED, 0);
		sk->flags |= TOE_SKF_CLOSED_SENT;
		toe_owner_unlink_sock(eng, sk);
	}
	sk->owner = TOE_OWNER_NONE;
	sock_slot_release(eng, sk);
	/* classify may still be looking at it */
	toe_os_free_rcu(sk, rcu);
}

void toe_sock_free_all(struct toe_engine *eng)
{
	u32 i;

	/* Listeners first, so their children go with them. */
	for (i = 0; i < eng->nr_slots; i++)
		if (eng->slots[i] && (eng->slots[i]->flags & TOE_SKF_LISTENING))
			toe_sock_free(eng, eng->slots[i]);
	for (i = 0; i < eng->nr_slots; i++)
		if (eng->slots[i])
			toe_sock_free(eng, eng->slots[i]);
}
