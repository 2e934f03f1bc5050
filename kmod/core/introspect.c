// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Introspection for toectl: per-socket records, iterators over sockets
 * and over a socket's posted named buffers, and an owner's totals. Administrative: any owner's
 * sockets are visible here (the glue restricts who may ask).
 */
#include "engine_priv.h"

static void fill_info(struct toe_engine *eng, const struct toe_sock *sk,
		      struct toe_sock_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = sk->handle;
	info->owner = sk->owner;
	info->user_ref = sk->user_ref;
	info->proto = sk->proto;
	info->local_ip = sk->local_ip;
	info->local_port = sk->local_port;
	info->remote_ip = sk->remote_ip;
	info->remote_port = sk->remote_port;
	info->buflets_held = sk->buflets_held;
	info->named_pending = sk->nb_count;
	info->bytes_parked = sk->bytes_parked;
	info->bytes_placed = sk->bytes_placed;
	info->sends_pending = sk->sends_pending;
	if (sk->flags & TOE_SKF_LISTENING)
		info->flags |= TOE_SIF_LISTENING;
	if (sk->flags & TOE_SKF_ANON)
		info->flags |= TOE_SIF_ANON;
	if (sk->flags & TOE_SKF_HOST_CLOSED)
		info->flags |= TOE_SIF_HOST_CLOSED;
	if (sk->flags & TOE_SKF_RD_SHUT)
		info->flags |= TOE_SIF_RD_SHUT;
	if (sk->flags & TOE_SKF_WR_SHUT)
		info->flags |= TOE_SIF_WR_SHUT;
	if (sk->flags & TOE_SKF_LISTENING) {
		info->backlog = sk->backlog;
		info->acceptq_len = sk->acc_count;
		info->accept_reqs = sk->areq_count;
	}
	if (sk->proto == TOE_PROTO_TCP) {
		info->rcv_wnd = toe_rx_space(eng, sk);
		toe_tcp_get_info(sk, info);
	}
}

int toe_sock_get_info(struct toe_engine *eng, u32 handle,
		      struct toe_sock_info *info)
{
	struct toe_sock *sk = toe_sock_lookup_any(eng, handle);

	if (!sk || !info)
		return -ENOENT;
	fill_info(eng, sk, info);
	return 0;
}

int toe_sock_iter_next(struct toe_engine *eng, u32 *cursor,
		       struct toe_sock_info *info)
{
	u32 i;

	if (!cursor || !info)
		return -EINVAL;
	/* The cursor is the next slot to look at; slot 0 is never used. */
	for (i = *cursor ? *cursor : 1; i < eng->nr_slots; i++) {
		if (!eng->slots[i])
			continue;
		fill_info(eng, eng->slots[i], info);
		*cursor = i + 1;
		return 0;
	}
	*cursor = eng->nr_slots;
	return -ENOENT;
}

int toe_sock_buffer_iter_next(struct toe_engine *eng, u32 handle,
			      u32 *cursor, struct toe_buffer_info *info)
{
	struct toe_sock *sk = toe_sock_lookup_any(eng, handle);
	const struct toe_named_buf *nb;
	u32 i;

	if (!sk || !cursor || !info)
		return -ENOENT;
	for (nb = sk->nb_head, i = 0; nb && i < *cursor; nb = nb->next)
		i++;
	if (!nb)
		return -ENOENT;
	memset(info, 0, sizeof(*info));
	info->user_ref = nb->user_ref;
	info->offset = nb->offset;
	info->length = nb->length;
	info->threshold = nb->threshold;
	info->bytes = nb->bytes;
	info->timeout_ms = nb->timeout_ms;
	info->posted_us = nb->posted_us;
	(*cursor)++;
	return 0;
}

int toe_owner_get_info(struct toe_engine *eng, u32 owner,
		       struct toe_owner_info *info)
{
	struct toe_owner *o = toe_owner_find(eng, owner);
	const struct toe_sock *sk;

	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	if (!o)
		return -ENOENT;
	for (sk = o->socks; sk; sk = sk->owner_next) {
		info->sockets++;
		info->named_pending += sk->nb_count;
		info->sends_pending += sk->sends_pending;
	}
	info->anon_buffers = o->anon_count;
	return 0;
}
