// SPDX-License-Identifier: GPL-2.0
/*
 * SOCKET_GET and BUFFER_GET: the engine's sockets, listeners included, and
 * their posted named buffers.
 *
 * Both walk the engines in ifindex order and resume from cb->args: the
 * ifindex of the last engine finished, the engine's socket cursor, then a
 * socket's buffer cursor. An engine's state is read under its mutex, which
 * a dump never holds across a return to user space. Sockets of another
 * user's process are shown only to CAP_NET_ADMIN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "toe_priv.h"
#include "toe_genl.h"

/*
 * dev->lock held. The socket's reference number: TOE_SO_REF's, which the
 * glue keeps, or else the one the engine got at SOCKET or ACCEPT.
 */
static u64 toe_sock_ref(struct toe_dev *dev, const struct toe_sock_info *si)
{
	struct toe_sock_rec *rec = toe_sock_rec_find(dev, si->owner,
						     si->handle);

	return rec && rec->sock_ref_set ? rec->sock_ref : si->user_ref;
}

/* dev->lock held. TCP's counters and options; zero for UDP. */
static int toe_put_sock_tcp(struct sk_buff *skb,
			    const struct toe_sock_info *si)
{
	if (nla_put_u64_64bit(skb, TOE_A_SEGS_IN, si->segs_in, TOE_A_PAD) ||
	    nla_put_u64_64bit(skb, TOE_A_SEGS_OUT, si->segs_out, TOE_A_PAD) ||
	    nla_put_u64_64bit(skb, TOE_A_BYTES_SENT, si->bytes_sent,
			      TOE_A_PAD) ||
	    nla_put_u64_64bit(skb, TOE_A_BYTES_ACKED, si->bytes_acked,
			      TOE_A_PAD) ||
	    nla_put_u64_64bit(skb, TOE_A_BYTES_RECEIVED, si->bytes_received,
			      TOE_A_PAD) ||
	    nla_put_u32(skb, TOE_A_OPT_KEEPIDLE, si->keepidle_s) ||
	    nla_put_u32(skb, TOE_A_OPT_KEEPINTVL, si->keepintvl_s) ||
	    nla_put_u32(skb, TOE_A_OPT_KEEPCNT, si->keepcnt) ||
	    nla_put_u32(skb, TOE_A_OPT_USER_TIMEOUT_MS, si->user_timeout_ms))
		return -EMSGSIZE;
	return 0;
}

/* dev->lock held. A listener's queues and drops. */
static int toe_put_sock_listener(struct sk_buff *skb,
				 const struct toe_sock_info *si)
{
	const struct toe_listen_stats *ls = &si->listen;

	if (!(si->flags & TOE_SIF_LISTENING))
		return 0;
	if (nla_put_u32(skb, TOE_A_BACKLOG, si->backlog) ||
	    nla_put_u32(skb, TOE_A_ACCEPTQ_LEN, si->acceptq_len) ||
	    nla_put_u32(skb, TOE_A_SYNQ_LEN, si->synq_len) ||
	    nla_put_u32(skb, TOE_A_ACCEPT_REQS, si->accept_reqs) ||
	    nla_put_u64_64bit(skb, TOE_A_ACCEPTQ_OVERFLOWS,
			      ls->acceptq_overflows, TOE_A_PAD) ||
	    nla_put_u64_64bit(skb, TOE_A_CHILD_FAILURES, ls->child_failures,
			      TOE_A_PAD) ||
	    nla_put_u64_64bit(skb, TOE_A_SYNCOOKIES_SENT, ls->syncookies_sent,
			      TOE_A_PAD) ||
	    nla_put_u64_64bit(skb, TOE_A_SYNCOOKIES_OK, ls->syncookies_ok,
			      TOE_A_PAD) ||
	    nla_put_u64_64bit(skb, TOE_A_SYNCOOKIES_FAILED,
			      ls->syncookies_failed, TOE_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/* dev->lock held. */
static int toe_fill_socket(struct sk_buff *skb, struct toe_dev *dev,
			   const struct toe_sock_info *si)
{
	struct toe_ctx *ctx = xa_load(&dev->ctx_by_owner, si->owner);

	if (toe_put_dev(skb, dev) ||
	    (ctx && toe_put_owner(skb, ctx)) ||
	    nla_put_u32(skb, TOE_A_SOCK_HANDLE, si->handle) ||
	    nla_put_u8(skb, TOE_A_SOCK_PROTO, si->proto) ||
	    nla_put_u8(skb, TOE_A_SOCK_STATE, si->state) ||
	    nla_put_u32(skb, TOE_A_SOCK_FLAGS, si->flags) ||
	    nla_put_in_addr(skb, TOE_A_LOCAL_ADDR, htonl(si->local_ip)) ||
	    nla_put_u16(skb, TOE_A_LOCAL_PORT, si->local_port) ||
	    nla_put_in_addr(skb, TOE_A_REMOTE_ADDR, htonl(si->remote_ip)) ||
	    nla_put_u16(skb, TOE_A_REMOTE_PORT, si->remote_port) ||
	    nla_put_u32(skb, TOE_A_SND_UNA, si->snd_una) ||
	    nla_put_u32(skb, TOE_A_SND_NXT, si->snd_nxt) ||
	    nla_put_u32(skb, TOE_A_RCV_NXT, si->rcv_nxt) ||
	    nla_put_u32(skb, TOE_A_SND_WND, si->snd_wnd) ||
	    nla_put_u32(skb, TOE_A_RCV_WND, si->rcv_wnd) ||
	    nla_put_u32(skb, TOE_A_CWND, si->cwnd) ||
	    nla_put_u32(skb, TOE_A_SSTHRESH, si->ssthresh) ||
	    (si->proto == TOE_PROTO_TCP &&
	     nla_put_u8(skb, TOE_A_CONGESTION, si->congestion)) ||
	    nla_put_u32(skb, TOE_A_SRTT_US, si->srtt_us) ||
	    nla_put_u32(skb, TOE_A_RTO_US, si->rto_us) ||
	    nla_put_u32(skb, TOE_A_MSS, si->mss) ||
	    nla_put_u64_64bit(skb, TOE_A_RETRANSMITS, si->retransmits,
			      TOE_A_PAD) ||
	    nla_put_u32(skb, TOE_A_BUFLETS_HELD, si->buflets_held) ||
	    nla_put_u32(skb, TOE_A_NAMED_PENDING, si->named_pending) ||
	    nla_put_u64_64bit(skb, TOE_A_BYTES_PARKED, si->bytes_parked,
			      TOE_A_PAD) ||
	    nla_put_u64_64bit(skb, TOE_A_BYTES_PLACED, si->bytes_placed,
			      TOE_A_PAD) ||
	    nla_put_u32(skb, TOE_A_SENDS_PENDING, si->sends_pending) ||
	    nla_put_u64_64bit(skb, TOE_A_USER_REF, toe_sock_ref(dev, si),
			      TOE_A_PAD))
		return -EMSGSIZE;
	if (si->proto == TOE_PROTO_TCP && toe_put_sock_tcp(skb, si))
		return -EMSGSIZE;
	return toe_put_sock_listener(skb, si);
}

/* dev->lock held. */
static int toe_fill_buffer(struct sk_buff *skb, struct toe_dev *dev,
			   const struct toe_sock_info *si,
			   const struct toe_buffer_info *bi, u64 now_us)
{
	if (toe_put_dev(skb, dev) ||
	    nla_put_u32(skb, TOE_A_SOCK_HANDLE, si->handle) ||
	    nla_put_u32(skb, TOE_A_APP_ID, si->owner) ||
	    nla_put_u64_64bit(skb, TOE_A_USER_REF, bi->user_ref, TOE_A_PAD) ||
	    nla_put_u64_64bit(skb, TOE_A_BUF_OFFSET, bi->offset, TOE_A_PAD) ||
	    nla_put_u32(skb, TOE_A_BUF_LENGTH, bi->length) ||
	    nla_put_u32(skb, TOE_A_BUF_THRESHOLD, bi->threshold) ||
	    nla_put_u32(skb, TOE_A_BUF_BYTES, bi->bytes) ||
	    nla_put_u32(skb, TOE_A_BUF_TIMEOUT_MS, bi->timeout_ms) ||
	    nla_put_u64_64bit(skb, TOE_A_BUF_AGE_US,
			      now_us > bi->posted_us ? now_us - bi->posted_us : 0,
			      TOE_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/*
 * dev->lock held. Emits the buffers of socket si from cb->args[2] on;
 * -EMSGSIZE when the skb filled up first.
 */
static int toe_dump_buffers(struct sk_buff *skb, struct netlink_callback *cb,
			    struct toe_dev *dev, const struct toe_sock_info *si)
{
	struct toe_buffer_info bi;
	u64 now = toe_os_now_us();
	u32 cursor = cb->args[2];

	while (!toe_sock_buffer_iter_next(dev->eng, si->handle, &cursor, &bi)) {
		void *hdr = toe_genl_put_hdr(skb, cb, TOE_CMD_BUFFER_GET);

		if (!hdr || toe_fill_buffer(skb, dev, si, &bi, now)) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			return -EMSGSIZE;
		}
		genlmsg_end(skb, hdr);
		cb->args[2] = cursor;
	}
	return 0;
}

/*
 * The walk shared by SOCKET_GET and BUFFER_GET. cb->args: [0] the ifindex
 * of the last engine finished, [1] the socket cursor within the current
 * engine, [2] the buffer cursor within the current socket.
 */
static int toe_genl_sock_walk(struct sk_buff *skb, struct netlink_callback *cb,
			      bool buffers)
{
	struct nlattr *const *attrs = toe_genl_dump_attrs(genl_dumpit_info(cb));
	struct nlattr *handle_attr = attrs[TOE_A_SOCK_HANDLE];
	struct nlattr *ifindex_attr = attrs[TOE_A_IFINDEX];
	bool admin = toe_genl_is_admin(cb->skb);
	struct net *net = sock_net(skb->sk);
	struct toe_sock_info si;
	struct toe_dev *dev;
	bool full = false;

	while (!full && (dev = toe_dev_next(net, cb->args[0]))) {
		u32 cursor = cb->args[1];

		if (ifindex_attr && nla_get_u32(ifindex_attr) != dev->ifindex)
			goto next_dev;
		mutex_lock(&dev->lock);
		while (dev->eng) {
			u32 at = cursor;
			void *hdr;

			if (toe_sock_iter_next(dev->eng, &cursor, &si))
				break;
			if (!toe_genl_owner_visible(dev, si.owner, cb->skb,
						    admin) ||
			    (handle_attr &&
			     nla_get_u32(handle_attr) != si.handle)) {
				cb->args[1] = cursor;
				continue;
			}
			if (buffers) {
				if (toe_dump_buffers(skb, cb, dev, &si)) {
					cb->args[1] = at;
					full = true;
					break;
				}
				cb->args[1] = cursor;
				cb->args[2] = 0;
				continue;
			}
			hdr = toe_genl_put_hdr(skb, cb, TOE_CMD_SOCKET_GET);
			if (!hdr || toe_fill_socket(skb, dev, &si)) {
				if (hdr)
					genlmsg_cancel(skb, hdr);
				full = true;
				break;
			}
			genlmsg_end(skb, hdr);
			cb->args[1] = cursor;
		}
		mutex_unlock(&dev->lock);
next_dev:
		if (!full) {
			cb->args[0] = dev->ifindex;
			cb->args[1] = 0;
			cb->args[2] = 0;
		}
		toe_dev_put(dev);
	}
	return skb->len;
}

int toe_genl_socket_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return toe_genl_sock_walk(skb, cb, false);
}

int toe_genl_buffer_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return toe_genl_sock_walk(skb, cb, true);
}
