// SPDX-License-Identifier: GPL-2.0
/*
 * Port reservation in the host stack, and the glue's per-socket records.
 *
 * Every local port an engine socket uses is held by a bound kernel socket
 * of the same protocol in the device's namespace, so the host stack can
 * neither hand it out to its own applications nor bind it twice: a port
 * the host already uses gives -EADDRINUSE, exactly as bind(2) would. A
 * port the engine binds without one asked for (connect, listen or a UDP
 * send on an unbound socket) comes from a port-0 bind: the host picks it
 * from its ephemeral range. Accepted connections share their listener's
 * port and hold no reservation of their own.
 *
 * Ports below ip_unprivileged_port_start need CAP_NET_BIND_SERVICE in the
 * device's namespace, checked against the credentials the application
 * opened /dev/toe with (the engine thread itself is all-powerful).
 *
 * A TCP socket's reservation outlives the socket by TOE_PORT_LINGER_US, the
 * time its TIME_WAIT may keep claiming segments, so the host cannot reuse
 * the port under it; an engine socket binding that port meanwhile takes the
 * lingering reservation over.
 *
 * Everything here runs under the engine mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/in.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/sock.h>

#include "toe_priv.h"

int toe_sock_rec_add(struct toe_dev *dev, u32 handle, u32 owner, u8 proto,
		     bool bound)
{
	struct toe_sock_rec *rec, *old;

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	rec->handle = handle;
	rec->owner = owner;
	rec->proto = proto;
	rec->bound = bound;
	INIT_LIST_HEAD(&rec->linger_node);

	old = xa_store(&dev->socks, handle, rec, GFP_KERNEL);
	if (xa_is_err(old)) {
		kfree(rec);
		return xa_err(old);
	}
	if (old) {
		/* The engine reused the handle: the old socket is gone. */
		toe_port_unreserve(dev, old);
		kfree(old);
	}
	return 0;
}

struct toe_sock_rec *toe_sock_rec_find(struct toe_dev *dev, u32 owner,
				       u32 handle)
{
	struct toe_sock_rec *rec = xa_load(&dev->socks, handle);

	return rec && rec->owner == owner ? rec : NULL;
}

void toe_sock_rec_closed(struct toe_dev *dev, u32 handle)
{
	struct toe_sock_rec *rec = xa_erase(&dev->socks, handle);

	if (!rec)
		return;
	if (rec->resv && rec->proto == TOE_PROTO_TCP) {
		rec->expires_us = toe_os_now_us() + TOE_PORT_LINGER_US;
		list_add_tail(&rec->linger_node, &dev->lingering);
		return;
	}
	toe_port_unreserve(dev, rec);
	kfree(rec);
}

static bool toe_port_allowed(struct toe_dev *dev, struct toe_ctx *ctx, u16 port)
{
	if (!port || !inet_port_requires_bind_service(dev->net, port))
		return true;
	return file_ns_capable(ctx->file, dev->net->user_ns,
			       CAP_NET_BIND_SERVICE);
}

/*
 * A reservation still lingering for a closed socket of the same protocol
 * that covers ip:port, taken over by rec: the engine itself decides whether
 * its TIME_WAIT connections allow the port to be bound again.
 */
static bool toe_port_take_lingering(struct toe_dev *dev,
				    struct toe_sock_rec *rec, __be32 ip,
				    u16 port)
{
	struct toe_sock_rec *old;

	list_for_each_entry(old, &dev->lingering, linger_node) {
		if (old->proto != rec->proto || old->port != port ||
		    (old->addr != ip && old->addr != htonl(INADDR_ANY)))
			continue;
		list_del(&old->linger_node);
		rec->resv = old->resv;
		rec->addr = old->addr;
		rec->port = port;
		kfree(old);
		return true;
	}
	return false;
}

int toe_port_reserve(struct toe_dev *dev, struct toe_ctx *ctx,
		     struct toe_sock_rec *rec, __be32 ip, u16 port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = ip,
		.sin_port = htons(port),
	};
	struct socket *sock;
	int type = rec->proto == TOE_PROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int err;

	if (rec->resv)
		return -EINVAL;
	if (!toe_port_allowed(dev, ctx, port)) {
		dev->ctr.ports_denied++;
		return -EACCES;
	}
	if (port && toe_port_take_lingering(dev, rec, ip, port))
		return 0;
	err = sock_create_kern(dev->net, PF_INET, type, rec->proto, &sock);
	if (err)
		return err;
	if (rec->proto == TOE_PROTO_UDP) {
		/*
		 * Datagrams for the port belong to the engine; whatever
		 * reaches the host copy anyway is dropped early.
		 */
		lock_sock(sock->sk);
		sock->sk->sk_userlocks |= SOCK_RCVBUF_LOCK;
		WRITE_ONCE(sock->sk->sk_rcvbuf, SOCK_MIN_RCVBUF);
		release_sock(sock->sk);
	}
	err = kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
	if (err) {
		if (err == -EADDRINUSE)
			dev->ctr.ports_busy++;
		sock_release(sock);
		return err;
	}
	if (!port) {
		err = kernel_getsockname(sock, (struct sockaddr *)&sin);
		if (err < 0) {
			sock_release(sock);
			return err;
		}
		port = ntohs(sin.sin_port);
	}
	rec->resv = sock;
	rec->addr = ip;
	rec->port = port;
	dev->ctr.ports_reserved++;
	return 0;
}

void toe_port_unreserve(struct toe_dev *dev, struct toe_sock_rec *rec)
{
	if (!rec->resv)
		return;
	sock_release(rec->resv);
	rec->resv = NULL;
	rec->port = 0;
	dev->ctr.ports_reserved--;
}

void toe_port_reap(struct toe_dev *dev, u64 now_us)
{
	struct toe_sock_rec *rec, *tmp;

	/* Appended with a constant delay, so the list is in expiry order. */
	list_for_each_entry_safe(rec, tmp, &dev->lingering, linger_node) {
		if (rec->expires_us > now_us)
			break;
		list_del(&rec->linger_node);
		toe_port_unreserve(dev, rec);
		kfree(rec);
	}
}

u64 toe_port_next_expiry(struct toe_dev *dev)
{
	struct toe_sock_rec *rec;

	rec = list_first_entry_or_null(&dev->lingering, struct toe_sock_rec,
				       linger_node);
	return rec ? rec->expires_us : TOE_DEADLINE_NONE;
}

void toe_port_release_all(struct toe_dev *dev)
{
	struct toe_sock_rec *rec, *tmp;
	unsigned long handle;

	xa_for_each(&dev->socks, handle, rec) {
		xa_erase(&dev->socks, handle);
		toe_port_unreserve(dev, rec);
		kfree(rec);
	}
	list_for_each_entry_safe(rec, tmp, &dev->lingering, linger_node) {
		list_del(&rec->linger_node);
		toe_port_unreserve(dev, rec);
		kfree(rec);
	}
}
