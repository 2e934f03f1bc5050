// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * UDP: datagrams in (placed by rx_place.c, one per named buffer, with the
 * UDP header bytes and the source reported) and out (straight from host
 * memory; the send completes once the frame is handed to the port).
 */
#include "engine_priv.h"
#include "toe_bytes.h"

#define UDP_MAX_PAYLOAD (65535u - 20u - TOE_UDP_HLEN)

void toe_udp_input(struct toe_engine *eng, struct toe_sock *sk,
		   const struct toe_pkt *pkt)
{
	TOE_CTR_INC(eng, udp_in);
	toe_udp_deliver(eng, sk, pkt);
}

/* Sends d to ip:port through mac. 0 or -errno. */
static int udp_xmit(struct toe_engine *eng, struct toe_sock *sk,
		    struct toe_send_desc *d, u32 dst_ip, u16 dst_port,
		    const u8 mac[6])
{
	struct toe_l3_addr a;
	struct toe_l4_out l4;
	struct toe_tx_frag frag;
	u8 uh[TOE_UDP_HLEN];

	toe_put_be16(uh, sk->local_port);
	toe_put_be16(uh + 2, dst_port);
	toe_put_be16(uh + 4, (u16)(TOE_UDP_HLEN + d->len));
	uh[6] = 0;
	uh[7] = 0;
	frag.mem = d->mem;
	frag.off = d->off;
	frag.len = d->len;
	frag.reserved = 0;
	memset(&l4, 0, sizeof(l4));
	l4.hdr = uh;
	l4.hdr_len = sizeof(uh);
	l4.frags = &frag;
	l4.nr_frags = d->len ? 1 : 0;
	l4.payload_len = d->len;
	l4.proto = TOE_PROTO_UDP;
	l4.tos = sk->tos;
	l4.ttl = sk->ttl;
	a.src_ip = sk->local_ip ? sk->local_ip : eng->local_ips[0];
	a.dst_ip = dst_ip;
	memcpy(a.dst_mac, mac, 6);
	a.reserved = 0;
	TOE_CTR_INC(eng, udp_out);
	return toe_ip_output_addr(eng, &a, &l4);
}

/* The destination of d: the connected peer or the request's. */
static void udp_dest(const struct toe_sock *sk, const struct toe_send_desc *d,
		     u32 *ip, u16 *port)
{
	if (sk->flags & TOE_SKF_CONNECTED) {
		*ip = sk->remote_ip;
		*port = sk->remote_port;
	} else {
		*ip = d->dst_ip;
		*port = d->dst_port;
	}
}

/* Resolves and sends d: 0 when done (completed), -EAGAIN when the next hop
 * is still unknown (d is untouched).
 */
static int udp_try_send(struct toe_engine *eng, struct toe_sock *sk,
			struct toe_send_desc *d)
{
	u8 mac[6];
	u32 ip;
	u16 port;
	int err;

	udp_dest(sk, d, &ip, &port);
	if ((sk->flags & TOE_SKF_CONNECTED) && (sk->flags & TOE_SKF_L2_OK)) {
		memcpy(mac, sk->remote_mac, 6);
	} else {
		err = eng->ops.resolve_l2(eng->port, ip, mac);
		if (err == -EAGAIN)
			return -EAGAIN;
		if (err) {
			TOE_CTR_INC(eng, tx_no_l2);
			toe_send_complete(eng, sk, d, 0, -EHOSTUNREACH);
			return 0;
		}
		if (sk->flags & TOE_SKF_CONNECTED) {
			memcpy(sk->remote_mac, mac, 6);
			sk->flags |= TOE_SKF_L2_OK;
		}
	}
	err = udp_xmit(eng, sk, d, ip, port, mac);
	toe_send_complete(eng, sk, d, err ? 0 : d->len, err);
	return 0;
}

static void l2_queue_add(struct toe_sock *sk, struct toe_send_desc *d)
{
	d->next = NULL;
	if (sk->udp_l2_tail)
		sk->udp_l2_tail->next = d;
	else
		sk->udp_l2_head = d;
	sk->udp_l2_tail = d;
}

int toe_udp_send(struct toe_engine *eng, struct toe_sock *sk,
		 struct toe_send_desc *d)
{
	u32 ip;
	u16 port;
	int err;

	udp_dest(sk, d, &ip, &port);
	if (!ip || !port)
		return (sk->flags & TOE_SKF_CONNECTED) ? -EINVAL :
							 -EDESTADDRREQ;
	if (d->len > UDP_MAX_PAYLOAD ||
	    d->len + TOE_UDP_HLEN + 20 > eng->cfg.mtu)
		return -EMSGSIZE;
	if (!(sk->flags & TOE_SKF_BOUND)) {
		/* Implicit bind to the wildcard, as sendto() does. */
		u16 p = toe_port_pick(eng, TOE_PROTO_UDP, 0, 0, 0);

		if (!p)
			return -EADDRINUSE;
		sk->local_ip = 0;
		sk->local_port = p;
		err = toe_bind_insert(eng, sk);
		if (err) {
			sk->local_port = 0;
			return err;
		}
		sk->flags |= TOE_SKF_BOUND;
		TOE_WRITE_ONCE(sk->listening, 1);
	}
	/* Order: nothing overtakes datagrams waiting for the next hop. */
	if (sk->udp_l2_head || udp_try_send(eng, sk, d) == -EAGAIN) {
		if (!sk->udp_l2_head)
			sk->l2_attempts = 0;
		d->attempts = 0;
		l2_queue_add(sk, d);
		toe_sock_l2_schedule(eng, sk);
	}
	return 0;
}

#define UDP_L2_ATTEMPTS 12u

void toe_udp_l2_retry(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_send_desc *d;

	while ((d = sk->udp_l2_head) != NULL) {
		sk->udp_l2_head = d->next;
		if (!sk->udp_l2_head)
			sk->udp_l2_tail = NULL;
		if (udp_try_send(eng, sk, d) != -EAGAIN)
			continue; /* completed */
		if (++d->attempts >= UDP_L2_ATTEMPTS) {
			TOE_CTR_INC(eng, tx_no_l2);
			toe_send_complete(eng, sk, d, 0, -EHOSTUNREACH);
			continue;
		}
		/* Still unresolved: back to the head, try again later. */
		d->next = sk->udp_l2_head;
		sk->udp_l2_head = d;
		if (!sk->udp_l2_tail)
			sk->udp_l2_tail = d;
		sk->l2_attempts = d->attempts;
		toe_sock_l2_schedule(eng, sk);
		return;
	}
}

void toe_udp_fail_pending(struct toe_engine *eng, struct toe_sock *sk,
			  int status)
{
	while (sk->udp_l2_head) {
		struct toe_send_desc *d = sk->udp_l2_head;

		sk->udp_l2_head = d->next;
		toe_send_complete(eng, sk, d, 0, status);
	}
	sk->udp_l2_tail = NULL;
}
