// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The flow table (the seed's active socket list): sockets hashed by their
 * exact 5-tuple, and a bind table hashing sockets by protocol and local
 * port, where listeners and bound UDP sockets are found with their local
 * ip or the wildcard. Both are fixed-size bucket arrays sized from
 * max_sockets, so lookups are O(1) on average and never resize.
 *
 * Only the engine thread changes them; toe_engine_classify() reads them
 * concurrently. Insertion publishes a fully initialised socket at the head
 * of a chain with a release store; removal unlinks it with one store and
 * leaves its own next pointer intact, so a reader standing on it walks on;
 * the socket memory is freed only after an RCU grace period.
 */
#include "engine_priv.h"

static u32 flow_hash(const struct toe_engine *eng, u8 proto, u32 local_ip,
		     u16 local_port, u32 remote_ip, u16 remote_port)
{
	return toe_os_hash_3words(local_ip ^ ((u32)proto << 24), remote_ip,
				  (u32)local_port << 16 | remote_port,
				  eng->hash_seed);
}

static u32 bind_hash(const struct toe_engine *eng, u8 proto, u16 port)
{
	return toe_os_hash_3words(proto, port, 0, eng->hash_seed);
}

static struct toe_sock **flow_bucket(struct toe_engine *eng,
				     const struct toe_sock *sk)
{
	return &eng->flow_buckets[flow_hash(eng, sk->proto, sk->local_ip,
					    sk->local_port, sk->remote_ip,
					    sk->remote_port) &
				  eng->flow_mask];
}

static struct toe_sock **bind_bucket(struct toe_engine *eng, u8 proto,
				     u16 port)
{
	return &eng->bind_buckets[bind_hash(eng, proto, port) & eng->bind_mask];
}

struct toe_sock *toe_flow_lookup(struct toe_engine *eng, u8 proto,
				 u32 local_ip, u16 local_port, u32 remote_ip,
				 u16 remote_port)
{
	struct toe_sock *sk = toe_os_rcu_deref_writer(
		eng->flow_buckets[flow_hash(eng, proto, local_ip, local_port,
					    remote_ip, remote_port) &
				  eng->flow_mask]);

	for (; sk; sk = toe_os_rcu_deref_writer(sk->flow_next))
		if (sk->local_port == local_port &&
		    sk->remote_port == remote_port &&
		    sk->local_ip == local_ip && sk->remote_ip == remote_ip &&
		    sk->proto == proto)
			return sk;
	return NULL;
}

int toe_flow_insert(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_sock **head;

	if (TOE_WARN_ON(sk->in_flow))
		return -EINVAL;
	if (toe_flow_lookup(eng, sk->proto, sk->local_ip, sk->local_port,
			    sk->remote_ip, sk->remote_port))
		return -EADDRINUSE;
	head = flow_bucket(eng, sk);
	sk->flow_next = toe_os_rcu_deref_writer(*head);
	sk->in_flow = 1;
	toe_os_rcu_assign(*head, sk);
	return 0;
}

void toe_flow_remove(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_sock **link;

	if (!sk->in_flow)
		return;
	for (link = flow_bucket(eng, sk); *link; link = &(*link)->flow_next) {
		if (*link == sk) {
			toe_os_rcu_assign(*link, sk->flow_next);
			break;
		}
	}
	sk->in_flow = 0;
}

/* Two local addresses overlap when either is the wildcard or they match. */
static bool ips_overlap(u32 a, u32 b)
{
	return !a || !b || a == b;
}

static bool bind_conflict(const struct toe_sock *old,
			  const struct toe_sock *sk)
{
	if (!ips_overlap(old->local_ip, sk->local_ip))
		return false;
	/* SO_REUSEADDR-like: two non-listening sockets that both asked
	 * for it may share (e.g. reconnecting from a fixed port).
	 */
	if ((old->flags & sk->flags & TOE_SKF_REUSEADDR) &&
	    !old->listening && !sk->listening)
		return false;
	return true;
}

int toe_bind_insert(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_sock **head = bind_bucket(eng, sk->proto, sk->local_port);
	struct toe_sock *old;

	if (TOE_WARN_ON(sk->in_bind))
		return -EINVAL;
	for (old = *head; old; old = old->bind_next)
		if (old->proto == sk->proto &&
		    old->local_port == sk->local_port && bind_conflict(old, sk))
			return -EADDRINUSE;
	sk->bind_next = toe_os_rcu_deref_writer(*head);
	sk->in_bind = 1;
	toe_os_rcu_assign(*head, sk);
	return 0;
}

void toe_bind_remove(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_sock **link;

	if (!sk->in_bind)
		return;
	for (link = bind_bucket(eng, sk->proto, sk->local_port); *link;
	     link = &(*link)->bind_next) {
		if (*link == sk) {
			toe_os_rcu_assign(*link, sk->bind_next);
			break;
		}
	}
	sk->in_bind = 0;
}

bool toe_bind_port_used(struct toe_engine *eng, u8 proto, u16 port)
{
	struct toe_sock *sk;

	for (sk = *bind_bucket(eng, proto, port); sk; sk = sk->bind_next)
		if (sk->proto == proto && sk->local_port == port)
			return true;
	return false;
}

struct toe_sock *toe_bind_lookup(struct toe_engine *eng, u8 proto,
				 u32 local_ip, u16 local_port)
{
	struct toe_sock *sk;

	for (sk = *bind_bucket(eng, proto, local_port); sk; sk = sk->bind_next)
		if (sk->proto == proto && sk->local_port == local_port &&
		    (sk->local_ip == local_ip ||
		     (!sk->local_ip && toe_engine_is_local_ip(eng, local_ip))))
			return sk;
	return NULL;
}

struct toe_sock *toe_listener_lookup(struct toe_engine *eng, u8 proto,
				     u32 local_ip, u16 local_port)
{
	struct toe_sock *sk;
	struct toe_sock *wild = NULL;

	for (sk = *bind_bucket(eng, proto, local_port); sk; sk = sk->bind_next) {
		if (sk->proto != proto || sk->local_port != local_port ||
		    !sk->listening)
			continue;
		if (sk->local_ip == local_ip)
			return sk;
		if (!sk->local_ip && !wild)
			wild = sk;
	}
	if (wild && !toe_engine_is_local_ip(eng, local_ip))
		return NULL;
	return wild;
}

/* ---- The concurrent reader ----------------------------------------------------- */

static bool local_ip_rcu(const struct toe_engine *eng, u32 ip)
{
	u32 n = TOE_READ_ONCE(eng->nr_local_ips);
	u32 i;

	if (n > TOE_MAX_LOCAL_IPS)
		n = TOE_MAX_LOCAL_IPS;
	for (i = 0; i < n; i++)
		if (TOE_READ_ONCE(eng->local_ips[i]) == ip)
			return true;
	return false;
}

/* An exact 5-tuple match, inside an RCU read-side section. */
static bool flow_exists_rcu(const struct toe_engine *eng, u8 proto,
			    u32 local_ip, u16 local_port, u32 remote_ip,
			    u16 remote_port)
{
	const struct toe_sock *sk;
	u32 h;

	h = flow_hash(eng, proto, local_ip, local_port, remote_ip,
		      remote_port) &
	    eng->flow_mask;
	for (sk = toe_os_rcu_deref(eng->flow_buckets[h]); sk;
	     sk = toe_os_rcu_deref(sk->flow_next)) {
		if (TOE_READ_ONCE(sk->local_port) == local_port &&
		    TOE_READ_ONCE(sk->remote_port) == remote_port &&
		    TOE_READ_ONCE(sk->local_ip) == local_ip &&
		    TOE_READ_ONCE(sk->remote_ip) == remote_ip &&
		    sk->proto == proto)
			return true;
	}
	return false;
}

bool toe_flow_classify_tuple(const struct toe_engine *eng, u8 proto,
			     u32 local_ip, u16 local_port, u32 remote_ip,
			     u16 remote_port)
{
	bool found;

	toe_os_rcu_read_lock();
	found = flow_exists_rcu(eng, proto, local_ip, local_port, remote_ip,
				remote_port);
	toe_os_rcu_read_unlock();
	return found;
}

bool toe_flow_classify(const struct toe_engine *eng, const struct toe_pkt *pkt)
{
	const struct toe_sock *sk;
	bool found = false;
	u32 h;

	toe_os_rcu_read_lock();
	if (flow_exists_rcu(eng, pkt->proto, pkt->dst_ip, pkt->dst_port,
			    pkt->src_ip, pkt->src_port)) {
		found = true;
		goto out;
	}
	h = bind_hash(eng, pkt->proto, pkt->dst_port) & eng->bind_mask;
	for (sk = toe_os_rcu_deref(eng->bind_buckets[h]); sk;
	     sk = toe_os_rcu_deref(sk->bind_next)) {
		u32 lip;

		/* Listeners and bound UDP sockets take these; other bound
		 * ports are ours too (input answers for them).
		 */
		if (sk->proto != pkt->proto ||
		    TOE_READ_ONCE(sk->local_port) != pkt->dst_port)
			continue;
		lip = TOE_READ_ONCE(sk->local_ip);
		if (lip == pkt->dst_ip ||
		    (!lip && local_ip_rcu(eng, pkt->dst_ip))) {
			found = true;
			goto out;
		}
	}
out:
	toe_os_rcu_read_unlock();
	return found;
}
