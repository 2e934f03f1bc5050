// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Host requests on sockets (toe_engine.h). Each checks the handle against
 * the calling owner first: unknown, stale and foreign handles all give
 * -ENOENT, and nothing is touched.
 */
#include "engine_priv.h"

int toe_sock_create(struct toe_engine *eng, u32 owner, int proto,
		    u64 user_ref, u32 *handle)
{
	struct toe_owner *o;
	struct toe_sock *sk;

	if (!handle || owner == TOE_OWNER_NONE)
		return -EINVAL;
	if (proto != TOE_PROTO_TCP && proto != TOE_PROTO_UDP)
		return -EPROTONOSUPPORT;
	o = toe_owner_get(eng, owner);
	if (!o)
		return -ENOMEM;
	sk = toe_sock_alloc(eng, (u8)proto);
	if (!sk) {
		toe_owner_maybe_free(eng, o);
		return eng->slot_free_top ? -ENOMEM : -EMFILE;
	}
	sk->owner = owner;
	sk->user_ref = user_ref;
	sk->flags |= TOE_SKF_HOST_HELD;
	toe_owner_link_sock(eng, sk);
	if (proto == TOE_PROTO_TCP)
		toe_tcp_sock_init(eng, sk);
	*handle = sk->handle;
	return 0;
}

u16 toe_port_pick(struct toe_engine *eng, u8 proto, u32 local_ip,
		  u32 remote_ip, u16 remote_port)
{
	u32 lo = eng->cfg.ephemeral_port_min;
	u32 range = (u32)eng->cfg.ephemeral_port_max - lo + 1;
	u32 start = toe_engine_random32(eng) % range;
	u32 i;

	for (i = 0; i < range; i++) {
		u16 port = (u16)(lo + (start + i) % range);

		if (toe_bind_port_used(eng, proto, port))
			continue;
		if (remote_ip && toe_flow_lookup(eng, proto, local_ip, port,
						 remote_ip, remote_port))
			continue;
		return port;
	}
	return 0;
}

static int sock_bind(struct toe_engine *eng, struct toe_sock *sk, u32 ip,
		     u16 port)
{
	int err;

	if (sk->flags & TOE_SKF_BOUND)
		return -EINVAL;
	if (ip && !toe_engine_is_local_ip(eng, ip))
		return -EADDRNOTAVAIL;
	if (!port) {
		port = toe_port_pick(eng, sk->proto, ip, 0, 0);
		if (!port)
			return -EADDRINUSE;
	}
	sk->local_ip = ip;
	sk->local_port = port;
	err = toe_bind_insert(eng, sk);
	if (err) {
		sk->local_ip = 0;
		sk->local_port = 0;
		return err;
	}
	sk->flags |= TOE_SKF_BOUND;
	/* An unconnected UDP socket takes datagrams from anyone. */
	if (sk->proto == TOE_PROTO_UDP && !(sk->flags & TOE_SKF_CONNECTED))
		TOE_WRITE_ONCE(sk->listening, 1);
	return 0;
}

int toe_sock_bind(struct toe_engine *eng, u32 owner, u32 h, u32 ip, u16 port)
{
	struct toe_sock *sk = toe_sock_lookup(eng, owner, h);

	if (!sk)
		return -ENOENT;
	if (sk->flags & (TOE_SKF_CONNECTED | TOE_SKF_LISTENING))
		return -EINVAL;
	return sock_bind(eng, sk, ip, port);
}

int toe_sock_listen(struct toe_engine *eng, u32 owner, u32 h, int backlog)
{
	struct toe_sock *sk = toe_sock_lookup(eng, owner, h);
	int err;

	if (!sk)
		return -ENOENT;
	if (sk->proto != TOE_PROTO_TCP)
		return -EOPNOTSUPP;
	if (sk->flags & (TOE_SKF_CONNECTED | TOE_SKF_CONNECTING))
		return -EISCONN;
	if (backlog < 1)
		backlog = 1;
	if (backlog > TOE_BACKLOG_MAX)
		backlog = TOE_BACKLOG_MAX;
	if (sk->flags & TOE_SKF_LISTENING) {
		sk->backlog = (u32)backlog;
		return 0;
	}
	if (!(sk->flags & TOE_SKF_BOUND)) {
		err = sock_bind(eng, sk, 0, 0);
		if (err)
			return err;
	}
	err = toe_tcp_listen(eng, sk, backlog);
	if (err)
		return err;
	sk->backlog = (u32)backlog;
	sk->flags |= TOE_SKF_LISTENING;
	eng->nr_listeners++;
	TOE_WRITE_ONCE(sk->listening, 1);
	return 0;
}

int toe_sock_accept(struct toe_engine *eng, u32 owner, u32 listener,
		    u64 user_ref)
{
	struct toe_sock *sk = toe_sock_lookup(eng, owner, listener);

	if (!sk)
		return -ENOENT;
	if (!(sk->flags & TOE_SKF_LISTENING))
		return -EINVAL;
	return toe_sock_accept_request(eng, sk, user_ref);
}

/* Fixes the local address for a connection to ip:port. */
static int connect_addrs(struct toe_engine *eng, struct toe_sock *sk, u32 ip,
			 u16 port)
{
	u32 lip = sk->local_ip;
	u16 lport = sk->local_port;
	int err;

	if (!lip) {
		if (!eng->nr_local_ips)
			return -EADDRNOTAVAIL;
		lip = eng->local_ips[0];
	}
	if (!(sk->flags & TOE_SKF_BOUND)) {
		lport = toe_port_pick(eng, sk->proto, lip, ip, port);
		if (!lport)
			return -EADDRNOTAVAIL;
	}
	TOE_WRITE_ONCE(sk->local_ip, lip);
	sk->local_port = lport;
	sk->remote_ip = ip;
	sk->remote_port = port;
	err = toe_flow_insert(eng, sk);
	if (err) {
		sk->remote_ip = 0;
		sk->remote_port = 0;
		if (!(sk->flags & TOE_SKF_BOUND)) {
			sk->local_ip = 0;
			sk->local_port = 0;
		}
		return err;
	}
	sk->flags |= TOE_SKF_CONNECTED;
	return 0;
}

static int udp_connect(struct toe_engine *eng, struct toe_sock *sk, u32 ip,
		       u16 port)
{
	int err;

	if (sk->flags & TOE_SKF_CONNECTED) {
		toe_flow_remove(eng, sk);
		sk->flags &= ~(TOE_SKF_CONNECTED | TOE_SKF_L2_OK);
		sk->remote_ip = 0;
		sk->remote_port = 0;
	}
	if (!(sk->flags & TOE_SKF_BOUND)) {
		/* Reserve the port in the bind table, not listening. */
		sk->flags |= TOE_SKF_CONNECTED;
		err = sock_bind(eng, sk, 0, 0);
		sk->flags &= ~TOE_SKF_CONNECTED;
		if (err)
			return err;
	}
	err = connect_addrs(eng, sk, ip, port);
	if (err)
		return err;
	TOE_WRITE_ONCE(sk->listening, 0);
	/* Resolved now if the neighbour is known; sends retry otherwise. */
	toe_sock_resolve_l2(eng, sk);
	return 0;
}

int toe_sock_connect(struct toe_engine *eng, u32 owner, u32 h, u32 ip,
		     u16 port)
{
	struct toe_sock *sk = toe_sock_lookup(eng, owner, h);
	int err;

	if (!sk)
		return -ENOENT;
	if (!ip || !port)
		return -EINVAL;
	if (sk->proto == TOE_PROTO_UDP)
		return udp_connect(eng, sk, ip, port);
	/*
	 * RFC 9293 MUST-46, -ENETUNREACH as Linux's tcp_v4_connect. Loopback
	 * is no group: it fails as unreachable once the SYN finds no route.
	 */
	if (toe_ipv4_is_group(ip))
		return -ENETUNREACH;
	if (sk->flags & TOE_SKF_LISTENING)
		return -EINVAL;
	if (sk->flags & TOE_SKF_CONNECTING)
		return -EALREADY;
	if (sk->flags & TOE_SKF_CONNECTED)
		return -EISCONN;
	err = connect_addrs(eng, sk, ip, port);
	if (err)
		return err;
	err = toe_sock_resolve_l2(eng, sk);
	if (err == -EAGAIN) {
		sk->flags |= TOE_SKF_CONNECTING;
		sk->l2_attempts = 0;
		toe_sock_l2_schedule(eng, sk);
		return 0;
	}
	if (err) {
		toe_sock_connect_fail(eng, sk, -EHOSTUNREACH);
		return 0;
	}
	err = toe_tcp_connect(eng, sk);
	if (err) {
		sk->flags &= ~TOE_SKF_CONNECTED;
		toe_flow_remove(eng, sk);
	}
	return err;
}

int toe_sock_post_buffer(struct toe_engine *eng, u32 owner, u32 h,
			 const struct toe_named_buffer_req *req)
{
	struct toe_sock *sk = toe_sock_lookup(eng, owner, h);

	if (!sk)
		return -ENOENT;
	return toe_rx_post(eng, sk, req);
}

int toe_sock_send(struct toe_engine *eng, u32 owner, u32 h,
		  const struct toe_send_req *req)
{
	struct toe_sock *sk = toe_sock_lookup(eng, owner, h);
	struct toe_send_desc *d;
	int err;

	if (!sk)
		return -ENOENT;
	if (!req || !req->mem)
		return -EINVAL;
	if (!toe_os_mem_range_ok(req->mem, req->offset, req->length))
		return -EFAULT;
	if (sk->flags & TOE_SKF_WR_SHUT)
		return -EPIPE;
	if (sk->flags & TOE_SKF_LISTENING)
		return -ENOTCONN;
	if (sk->proto == TOE_PROTO_TCP && !req->length)
		return -EINVAL;
	if (sk->sends_pending >= eng->cfg.sock_send_max)
		return -ENOBUFS;
	d = toe_send_desc_alloc(eng, sk, req);
	if (!d)
		return -ENOMEM;
	if (sk->proto == TOE_PROTO_TCP)
		err = toe_tcp_send(eng, sk, d);
	else
		err = toe_udp_send(eng, sk, d);
	if (err)
		toe_send_desc_discard(eng, sk, d);
	return err;
}

static bool opt_is_tcp(int opt)
{
	switch (opt) {
	case TOE_OPT_NODELAY:
	case TOE_OPT_KEEPALIVE:
	case TOE_OPT_KEEPIDLE:
	case TOE_OPT_KEEPINTVL:
	case TOE_OPT_KEEPCNT:
	case TOE_OPT_USER_TIMEOUT:
	case TOE_OPT_MAXSEG:
	case TOE_OPT_CONGESTION:
		return true;
	default:
		return false;
	}
}

static void set_anon(struct toe_engine *eng, struct toe_sock *sk, bool on)
{
	if (on) {
		sk->flags |= TOE_SKF_ANON;
		if (sk->rxq.head) {
			toe_rx_drain(eng, sk);
			if (sk->rxq.head)
				toe_anon_wait(eng, sk);
			if (sk->proto == TOE_PROTO_TCP)
				toe_tcp_on_buffer_posted(eng, sk);
		}
		return;
	}
	if (sk->anon_waiting)
		toe_anon_unwait(eng, sk);
	if (sk->anon_cur)
		toe_anon_return(eng, sk, sk->anon_cur, 0, 0);
	sk->flags &= ~TOE_SKF_ANON;
}

int toe_sock_setopt(struct toe_engine *eng, u32 owner, u32 h, int opt,
		    u64 value)
{
	struct toe_sock *sk = toe_sock_lookup(eng, owner, h);

	if (!sk)
		return -ENOENT;
	if (opt_is_tcp(opt))
		return sk->proto == TOE_PROTO_TCP ?
			       toe_tcp_setopt(eng, sk, opt, value) :
			       -ENOPROTOOPT;
	switch (opt) {
	case TOE_OPT_ANON_DELIVERY:
		if (value > 1)
			return -EINVAL;
		set_anon(eng, sk, value);
		return 0;
	case TOE_OPT_REUSEADDR:
		if (value > 1)
			return -EINVAL;
		if (value)
			sk->flags |= TOE_SKF_REUSEADDR;
		else
			sk->flags &= ~TOE_SKF_REUSEADDR;
		return 0;
	case TOE_OPT_TOS:
		if (value > 255)
			return -EINVAL;
		sk->tos = (u8)value;
		return 0;
	case TOE_OPT_TTL:
		if (value > 255)
			return -EINVAL;
		sk->ttl = (u8)value;
		return 0;
	case TOE_OPT_LINGER:
		if (sk->proto != TOE_PROTO_TCP)
			return -ENOPROTOOPT;
		sk->linger_s = value > 0xffffffffull ? 0xffffffffu : (u32)value;
		return toe_tcp_setopt(eng, sk, opt, value);
	default:
		return -ENOPROTOOPT;
	}
}

int toe_sock_getopt(struct toe_engine *eng, u32 owner, u32 h, int opt,
		    u64 *value)
{
	struct toe_sock *sk = toe_sock_lookup(eng, owner, h);

	if (!sk)
		return -ENOENT;
	if (!value)
		return -EINVAL;
	if (opt_is_tcp(opt))
		return sk->proto == TOE_PROTO_TCP ?
			       toe_tcp_getopt(eng, sk, opt, value) :
			       -ENOPROTOOPT;
	switch (opt) {
	case TOE_OPT_ANON_DELIVERY:
		*value = !!(sk->flags & TOE_SKF_ANON);
		return 0;
	case TOE_OPT_REUSEADDR:
		*value = !!(sk->flags & TOE_SKF_REUSEADDR);
		return 0;
	case TOE_OPT_TOS:
		*value = sk->tos;
		return 0;
	case TOE_OPT_TTL:
		*value = sk->ttl ? sk->ttl : eng->cfg.ip_ttl;
		return 0;
	case TOE_OPT_LINGER:
		if (sk->proto != TOE_PROTO_TCP)
			return -ENOPROTOOPT;
		*value = sk->linger_s;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/*
 * The host stops reading: what waits unread is dropped with the buffers.
 * TCP remembers that data was lost, so that the close resets rather than
 * ending with a FIN as if every byte had been read (RFC 9293 3.6.1).
 */
static void host_stops_reading(struct toe_engine *eng, struct toe_sock *sk)
{
	if (sk->proto == TOE_PROTO_TCP && sk->rxq.bytes)
		sk->tcp.flags |= TOE_TCB_RX_DISCARDED;
	toe_rx_flush(eng, sk, TOE_RET_CLOSED, 0);
}

int toe_sock_shutdown(struct toe_engine *eng, u32 owner, u32 h, int how)
{
	struct toe_sock *sk = toe_sock_lookup(eng, owner, h);
	int err = 0;

	if (!sk)
		return -ENOENT;
	if (how != TOE_SHUT_RD && how != TOE_SHUT_WR && how != TOE_SHUT_RDWR)
		return -EINVAL;
	if (sk->proto == TOE_PROTO_TCP) {
		if (!(sk->flags & TOE_SKF_CONNECTED))
			return -ENOTCONN;
		err = toe_tcp_shutdown(eng, sk, how);
		if (err)
			return err;
	}
	if (how != TOE_SHUT_WR) {
		sk->flags |= TOE_SKF_RD_SHUT;
		host_stops_reading(eng, sk);
	}
	if (how != TOE_SHUT_RD)
		sk->flags |= TOE_SKF_WR_SHUT;
	return 0;
}

/* The host lets go: buffers come back now; the protocol finishes. */
static struct toe_sock *host_close(struct toe_engine *eng, u32 owner, u32 h)
{
	struct toe_sock *sk = toe_sock_lookup(eng, owner, h);

	if (!sk)
		return NULL;
	sk->flags |= TOE_SKF_HOST_CLOSED | TOE_SKF_RD_SHUT;
	if (sk->flags & TOE_SKF_CONNECTING) {
		sk->flags &= ~TOE_SKF_CONNECTING;
		toe_timer_cancel(eng, &sk->l2_timer);
	}
	host_stops_reading(eng, sk);
	return sk;
}

int toe_sock_close(struct toe_engine *eng, u32 owner, u32 h)
{
	struct toe_sock *sk = host_close(eng, owner, h);

	if (!sk)
		return -ENOENT;
	if (sk->proto == TOE_PROTO_UDP) {
		toe_sock_free(eng, sk);
		return 0;
	}
	toe_tcp_close(eng, sk);
	return 0;
}

int toe_sock_abort(struct toe_engine *eng, u32 owner, u32 h)
{
	struct toe_sock *sk = host_close(eng, owner, h);

	if (!sk)
		return -ENOENT;
	if (sk->proto == TOE_PROTO_UDP) {
		toe_sock_free(eng, sk);
		return 0;
	}
	toe_tcp_abort(eng, sk, -ECONNABORTED);
	return 0;
}
