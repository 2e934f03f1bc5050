// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "toe": toectl's control plane.
 *
 * Lists are dumps that resume from a cursor in cb->args: the ifindex of the
 * engine being walked (engines are visited in ifindex order), then the
 * engine's socket cursor, then a socket's buffer cursor. Engine state is
 * read under the engine mutex, one engine at a time, so a dump never holds
 * it across a return to user space.
 *
 * Reading is open to everyone, but sockets (and their buffers) of another
 * user's process are shown only to CAP_NET_ADMIN. Changes need
 * CAP_NET_ADMIN (GENL_ADMIN_PERM).
 *
 * Counters and their resets live in toe_counters.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/netlink.h>

#include "toe_priv.h"

static struct genl_family toe_genl_family;

/* ---- Helpers -------------------------------------------------------------- */

static int toe_genl_ifindex(struct net *net, struct nlattr **attrs,
			    struct netlink_ext_ack *extack)
{
	struct net_device *ndev;
	int ifindex;

	if (attrs[TOE_A_IFINDEX])
		return nla_get_u32(attrs[TOE_A_IFINDEX]);
	if (!attrs[TOE_A_IFNAME]) {
		NL_SET_ERR_MSG(extack, "a device (ifindex or ifname) is needed");
		return -EINVAL;
	}
	ndev = dev_get_by_name(net, nla_data(attrs[TOE_A_IFNAME]));
	if (!ndev) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TOE_A_IFNAME],
				    "no such device");
		return -ENODEV;
	}
	ifindex = ndev->ifindex;
	dev_put(ndev);
	return ifindex;
}

static bool toe_genl_is_admin(const struct sk_buff *skb)
{
	return netlink_capable(skb, CAP_NET_ADMIN);
}

/* dev->lock held. Whether the requester may see owner's sockets. */
static bool toe_genl_owner_visible(struct toe_dev *dev, u32 owner,
				   const struct sk_buff *req, bool admin)
{
	struct toe_ctx *ctx;

	if (admin)
		return true;
	ctx = xa_load(&dev->ctx_by_owner, owner);
	return ctx && uid_eq(ctx->file->f_cred->uid, NETLINK_CB(req).creds.uid);
}

static int toe_put_dev(struct sk_buff *skb, const struct toe_dev *dev)
{
	if (nla_put_u32(skb, TOE_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, TOE_A_IFNAME, dev->ifname))
		return -EMSGSIZE;
	return 0;
}

static int toe_put_owner(struct sk_buff *skb, const struct toe_ctx *ctx)
{
	if (nla_put_u32(skb, TOE_A_APP_ID, ctx->id) ||
	    nla_put_u32(skb, TOE_A_PID, ctx->tgid) ||
	    nla_put_string(skb, TOE_A_COMM, ctx->comm) ||
	    nla_put_u32(skb, TOE_A_UID,
			from_kuid_munged(&init_user_ns, ctx->file->f_cred->uid)))
		return -EMSGSIZE;
	return 0;
}

static void *toe_genl_put_hdr(struct sk_buff *skb, struct netlink_callback *cb,
			      u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &toe_genl_family, NLM_F_MULTI, cmd);
}

/* ---- ENGINE_GET ---------------------------------------------------------- */

/* dev->lock held. */
static int toe_fill_engine(struct sk_buff *skb, struct toe_dev *dev)
{
	struct toe_engine_counters c = {};

	if (dev->eng)
		toe_engine_get_counters(dev->eng, &c);
	if (toe_put_dev(skb, dev) || nla_put_s32(skb, TOE_A_CPU, dev->cpu) ||
	    nla_put_u32(skb, TOE_A_POLL_IDLE_US, dev->poll_idle_us) ||
	    nla_put_u32(skb, TOE_A_BUFLETS, c.buflets_total) ||
	    nla_put_u32(skb, TOE_A_MAX_SOCKETS, dev->max_sockets))
		return -EMSGSIZE;
	return toe_counters_put_dev(skb, dev);
}

/*
 * One engine's record with all its counters comes close to NLMSG_GOODSIZE,
 * which is all a dump gets when the reader's buffer is a page: ask for
 * room to spare.
 */
#define TOE_ENGINE_DUMP_ALLOC 16384

static int toe_genl_engine_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = TOE_ENGINE_DUMP_ALLOC;
	return 0;
}

static int toe_genl_engine_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct toe_dev *dev;
	void *hdr;
	int err;

	while ((dev = toe_dev_next(net, cb->args[0]))) {
		hdr = toe_genl_put_hdr(skb, cb, TOE_CMD_ENGINE_GET);
		if (!hdr) {
			toe_dev_put(dev);
			break;
		}
		mutex_lock(&dev->lock);
		err = toe_fill_engine(skb, dev);
		mutex_unlock(&dev->lock);
		if (err) {
			genlmsg_cancel(skb, hdr);
			toe_dev_put(dev);
			/* Not even one record fits: fail, not an empty dump. */
			return skb->len ? skb->len : err;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = dev->ifindex;
		toe_dev_put(dev);
	}
	return skb->len;
}

/* ---- APP_GET --------------------------------------------------------------- */

/* dev->lock held. */
static int toe_fill_app(struct sk_buff *skb, struct toe_dev *dev,
			struct toe_ctx *ctx)
{
	u64 pinned = atomic64_read(&ctx->pinned_pages);

	if (toe_put_dev(skb, dev) || toe_put_owner(skb, ctx) ||
	    nla_put_u32(skb, TOE_A_SQ_ENTRIES, ctx->sq.entries) ||
	    nla_put_u32(skb, TOE_A_CQ_ENTRIES, ctx->cq.entries) ||
	    nla_put_u32(skb, TOE_A_ANON_COUNT, ctx->anon_count) ||
	    nla_put_u32(skb, TOE_A_ANON_SIZE, ctx->anon_size) ||
	    nla_put_u32(skb, TOE_A_MEM_REGIONS, atomic_read(&ctx->nr_mrs)) ||
	    nla_put_u64_64bit(skb, TOE_A_MEM_REGISTERED, pinned << PAGE_SHIFT,
			      TOE_A_PAD) ||
	    nla_put_u64_64bit(skb, TOE_A_PINNED_PAGES, pinned, TOE_A_PAD))
		return -EMSGSIZE;
	return toe_counters_put_ctx(skb, ctx);
}

static int toe_genl_app_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct toe_dev *dev;
	struct toe_ctx *ctx;
	bool full = false;

	while (!full && (dev = toe_dev_next(net, cb->args[0]))) {
		long skip = cb->args[1], i = 0;

		mutex_lock(&dev->lock);
		list_for_each_entry(ctx, &dev->ctxs, dev_node) {
			void *hdr;

			if (i++ < skip)
				continue;
			hdr = toe_genl_put_hdr(skb, cb, TOE_CMD_APP_GET);
			if (!hdr || toe_fill_app(skb, dev, ctx)) {
				if (hdr)
					genlmsg_cancel(skb, hdr);
				full = true;
				break;
			}
			genlmsg_end(skb, hdr);
			cb->args[1] = i;
		}
		mutex_unlock(&dev->lock);
		if (!full) {
			cb->args[0] = dev->ifindex;
			cb->args[1] = 0;
		}
		toe_dev_put(dev);
	}
	return skb->len;
}

/* ---- SOCKET_GET and BUFFER_GET --------------------------------------------- */

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
	    nla_put_u64_64bit(skb, TOE_A_USER_REF, si->user_ref, TOE_A_PAD))
		return -EMSGSIZE;
	return 0;
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

static int toe_genl_socket_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	return toe_genl_sock_walk(skb, cb, false);
}

static int toe_genl_buffer_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	return toe_genl_sock_walk(skb, cb, true);
}

/* ---- ENGINE_ATTACH, ENGINE_DETACH, COUNTERS_RESET ------------------------- */

static int toe_genl_attach(struct sk_buff *skb, struct genl_info *info)
{
	struct toe_attach_opts opts = { .cpu = -1 };
	struct net *net = genl_info_net(info);
	int err;

	opts.ifindex = toe_genl_ifindex(net, info->attrs, info->extack);
	if (opts.ifindex < 0)
		return opts.ifindex;
	if (info->attrs[TOE_A_CPU])
		opts.cpu = nla_get_s32(info->attrs[TOE_A_CPU]);
	if (info->attrs[TOE_A_POLL_IDLE_US])
		opts.poll_idle_us = nla_get_u32(info->attrs[TOE_A_POLL_IDLE_US]);
	if (info->attrs[TOE_A_BUFLETS])
		opts.buflets = nla_get_u32(info->attrs[TOE_A_BUFLETS]);
	if (info->attrs[TOE_A_MAX_SOCKETS])
		opts.max_sockets =
			nla_get_u32(info->attrs[TOE_A_MAX_SOCKETS]);

	/* An attached engine pins the module; it must not be leaving. */
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	err = toe_dev_attach(net, &opts);
	module_put(THIS_MODULE);
	switch (err) {
	case -ENODEV:
		NL_SET_ERR_MSG(info->extack, "no such device");
		break;
	case -EBUSY:
		NL_SET_ERR_MSG(info->extack,
			       "the device already has an engine or another rx_handler (bridge, bond)");
		break;
	case -EOPNOTSUPP:
		NL_SET_ERR_MSG(info->extack, "not an Ethernet device");
		break;
	case -EINVAL:
		NL_SET_ERR_MSG(info->extack,
			       "cpu offline, poll idle time, buflet or socket count out of range");
		break;
	}
	return err;
}

static int toe_genl_detach(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	int ifindex, err;

	ifindex = toe_genl_ifindex(net, info->attrs, info->extack);
	if (ifindex < 0)
		return ifindex;
	err = toe_dev_detach(net, ifindex);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no engine is attached to the device");
	else if (err == -ENODEV)
		NL_SET_ERR_MSG(info->extack, "no such device");
	return err;
}

static int toe_genl_counters_reset(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct toe_dev *dev;
	int ifindex = 0, after = 0, err = 0;

	if (info->attrs[TOE_A_IFINDEX] || info->attrs[TOE_A_IFNAME]) {
		ifindex = toe_genl_ifindex(net, info->attrs, info->extack);
		if (ifindex < 0)
			return ifindex;
		after = ifindex - 1;
	}
	while (!err && (dev = toe_dev_next(net, after))) {
		after = dev->ifindex;
		if (ifindex && dev->ifindex != ifindex) {
			toe_dev_put(dev);
			break;
		}
		mutex_lock(&dev->lock);
		err = toe_counters_reset(dev);
		mutex_unlock(&dev->lock);
		toe_dev_put(dev);
		if (ifindex)
			return err;
	}
	if (ifindex && !err) {
		NL_SET_ERR_MSG(info->extack, "no engine is attached to the device");
		return -ENOENT;
	}
	return err;
}

/* ---- Events ------------------------------------------------------------------ */

static struct sk_buff *toe_genl_event_new(u8 cmd, void **hdr)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &toe_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

void toe_genl_notify_engine(struct toe_dev *dev, bool attached)
{
	struct sk_buff *skb;
	void *hdr;

	if (!attached)
		toe_counters_forget(dev);
	if (!genl_has_listeners(&toe_genl_family, dev->net, 0))
		return;
	skb = toe_genl_event_new(attached ? TOE_CMD_ENGINE_ATTACHED :
					    TOE_CMD_ENGINE_DETACHED, &hdr);
	if (!skb)
		return;
	if (toe_put_dev(skb, dev) || nla_put_s32(skb, TOE_A_CPU, dev->cpu) ||
	    nla_put_u32(skb, TOE_A_POLL_IDLE_US, dev->poll_idle_us)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&toe_genl_family, dev->net, skb, 0, 0,
				GFP_KERNEL);
}

void toe_genl_notify_app(struct toe_ctx *ctx, struct net *net, bool opened)
{
	struct sk_buff *skb;
	void *hdr;

	if (!net || !genl_has_listeners(&toe_genl_family, net, 0))
		return;
	skb = toe_genl_event_new(opened ? TOE_CMD_APP_OPENED :
					  TOE_CMD_APP_CLOSED, &hdr);
	if (!skb)
		return;
	if (toe_put_owner(skb, ctx)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&toe_genl_family, net, skb, 0, 0, GFP_KERNEL);
}

/* ---- The family ------------------------------------------------------------ */

static struct netlink_range_validation toe_poll_idle_range = {
	.max = TOE_POLL_IDLE_MAX_US,
};

static struct netlink_range_validation toe_buflets_range = {
	.min = TOE_BUFLETS_MIN,
	.max = TOE_BUFLETS_MAX,
};

static struct netlink_range_validation toe_sockets_range = {
	.min = TOE_SOCKETS_MIN,
	.max = TOE_SOCKETS_MAX,
};

static const struct nla_policy toe_genl_policy[TOE_A_MAX + 1] = {
	[TOE_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[TOE_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[TOE_A_CPU] = NLA_POLICY_MIN(NLA_S32, -1),
	[TOE_A_POLL_IDLE_US] = NLA_POLICY_FULL_RANGE(NLA_U32,
						     &toe_poll_idle_range),
	[TOE_A_BUFLETS] = NLA_POLICY_FULL_RANGE(NLA_U32, &toe_buflets_range),
	[TOE_A_MAX_SOCKETS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &toe_sockets_range),
	[TOE_A_COUNTERS] = { .type = NLA_REJECT },
	[TOE_A_COUNTER] = { .type = NLA_REJECT },
	[TOE_A_COUNTER_NAME] = { .type = NLA_REJECT },
	[TOE_A_COUNTER_VALUE] = { .type = NLA_REJECT },
	[TOE_A_APP_ID] = { .type = NLA_U32 },
	[TOE_A_PID] = { .type = NLA_REJECT },
	[TOE_A_COMM] = { .type = NLA_REJECT },
	[TOE_A_UID] = { .type = NLA_REJECT },
	[TOE_A_SQ_ENTRIES] = { .type = NLA_REJECT },
	[TOE_A_CQ_ENTRIES] = { .type = NLA_REJECT },
	[TOE_A_ANON_COUNT] = { .type = NLA_REJECT },
	[TOE_A_ANON_SIZE] = { .type = NLA_REJECT },
	[TOE_A_MEM_REGIONS] = { .type = NLA_REJECT },
	[TOE_A_MEM_REGISTERED] = { .type = NLA_REJECT },
	[TOE_A_PINNED_PAGES] = { .type = NLA_REJECT },
	[TOE_A_SOCK_HANDLE] = { .type = NLA_U32 },
	[TOE_A_SOCK_PROTO] = { .type = NLA_REJECT },
	[TOE_A_SOCK_STATE] = { .type = NLA_REJECT },
	[TOE_A_SOCK_FLAGS] = { .type = NLA_REJECT },
	[TOE_A_LOCAL_ADDR] = { .type = NLA_REJECT },
	[TOE_A_LOCAL_PORT] = { .type = NLA_REJECT },
	[TOE_A_REMOTE_ADDR] = { .type = NLA_REJECT },
	[TOE_A_REMOTE_PORT] = { .type = NLA_REJECT },
	[TOE_A_SND_UNA ... TOE_A_BUF_AGE_US] = { .type = NLA_REJECT },
	[TOE_A_PAD] = { .type = NLA_REJECT },
};

static const struct genl_ops toe_genl_full_ops[] = {
	{
		.cmd = TOE_CMD_ENGINE_GET,
		.start = toe_genl_engine_start,
		.dumpit = toe_genl_engine_dump,
	},
};

static const struct genl_small_ops toe_genl_ops[] = {
	{
		.cmd = TOE_CMD_ENGINE_ATTACH,
		.doit = toe_genl_attach,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TOE_CMD_ENGINE_DETACH,
		.doit = toe_genl_detach,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TOE_CMD_APP_GET,
		.dumpit = toe_genl_app_dump,
	},
	{
		.cmd = TOE_CMD_SOCKET_GET,
		.dumpit = toe_genl_socket_dump,
	},
	{
		.cmd = TOE_CMD_BUFFER_GET,
		.dumpit = toe_genl_buffer_dump,
	},
	{
		.cmd = TOE_CMD_COUNTERS_RESET,
		.doit = toe_genl_counters_reset,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group toe_genl_mcgrps[] = {
	{ .name = TOE_GENL_MCGRP_EVENTS },
};

static struct genl_family toe_genl_family = {
	.name = TOE_GENL_NAME,
	.version = TOE_GENL_VERSION,
	.maxattr = TOE_A_MAX,
	.policy = toe_genl_policy,
	.netnsok = true,
	/* Attach and detach serialise on RTNL, the rest on engine mutexes. */
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = toe_genl_full_ops,
	.n_ops = ARRAY_SIZE(toe_genl_full_ops),
	.small_ops = toe_genl_ops,
	.n_small_ops = ARRAY_SIZE(toe_genl_ops),
	.resv_start_op = TOE_CMD_COUNTERS_RESET + 1,
	.mcgrps = toe_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(toe_genl_mcgrps),
};

int toe_genl_register(void)
{
	return genl_register_family(&toe_genl_family);
}

void toe_genl_unregister(void)
{
	genl_unregister_family(&toe_genl_family);
	toe_counters_forget_all();
}
