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
 * Counters and their resets live in toe_counters.c, the socket and buffer
 * dumps in toe_genl_sock.c, the notifications in toe_genl_events.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/netlink.h>

#include "toe_priv.h"
#include "toe_genl.h"

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

bool toe_genl_is_admin(const struct sk_buff *skb)
{
	return netlink_capable(skb, CAP_NET_ADMIN);
}

bool toe_genl_owner_visible(struct toe_dev *dev, u32 owner,
				   const struct sk_buff *req, bool admin)
{
	struct toe_ctx *ctx;

	if (admin)
		return true;
	ctx = xa_load(&dev->ctx_by_owner, owner);
	return ctx && uid_eq(ctx->file->f_cred->uid, NETLINK_CB(req).creds.uid);
}

int toe_put_dev(struct sk_buff *skb, const struct toe_dev *dev)
{
	if (nla_put_u32(skb, TOE_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, TOE_A_IFNAME, dev->ifname))
		return -EMSGSIZE;
	return 0;
}

int toe_put_owner(struct sk_buff *skb, const struct toe_ctx *ctx)
{
	if (nla_put_u32(skb, TOE_A_APP_ID, ctx->id) ||
	    nla_put_u32(skb, TOE_A_PID, ctx->tgid) ||
	    nla_put_string(skb, TOE_A_COMM, ctx->comm) ||
	    nla_put_u32(skb, TOE_A_UID,
			from_kuid_munged(&init_user_ns, ctx->file->f_cred->uid)))
		return -EMSGSIZE;
	return 0;
}

void *toe_genl_put_hdr(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &toe_genl_family, NLM_F_MULTI, cmd);
}

/* ---- ENGINE_GET ---------------------------------------------------------- */

/*
 * dev->lock held. The limits a socket and a context meet: the engine's
 * configuration, and the module's bounds on what TOE_IOC_SETUP asks for.
 */
static int toe_put_limits(struct sk_buff *skb, struct toe_dev *dev)
{
	struct toe_engine_config cfg = {};

	if (dev->eng)
		toe_engine_get_config(dev->eng, &cfg);
	if (nla_put_u32(skb, TOE_A_LIMIT_SOCK_BUFFERS, cfg.sock_named_max) ||
	    nla_put_u32(skb, TOE_A_LIMIT_SOCK_SENDS, cfg.sock_send_max) ||
	    nla_put_u32(skb, TOE_A_LIMIT_SOCK_ACCEPTS, cfg.sock_accept_max) ||
	    nla_put_u32(skb, TOE_A_LIMIT_SOCK_BUFLETS, cfg.sock_buflets_max) ||
	    nla_put_u32(skb, TOE_A_LIMIT_BACKLOG, TOE_BACKLOG_MAX) ||
	    nla_put_u32(skb, TOE_A_LIMIT_SYN_QUEUE, cfg.syn_queue_max) ||
	    nla_put_u32(skb, TOE_A_LIMIT_TIME_WAIT, cfg.time_wait_max) ||
	    nla_put_u32(skb, TOE_A_LIMIT_ANON_BUFFERS, cfg.owner_anon_max) ||
	    nla_put_u32(skb, TOE_A_LIMIT_SQ_ENTRIES, TOE_SQ_ENTRIES_MAX) ||
	    nla_put_u32(skb, TOE_A_LIMIT_CQ_ENTRIES, TOE_CQ_ENTRIES_MAX) ||
	    nla_put_u32(skb, TOE_A_LIMIT_CQ_OVERFLOW, TOE_CQ_OVERFLOW_MAX) ||
	    nla_put_u8(skb, TOE_A_CONGESTION, cfg.congestion))
		return -EMSGSIZE;
	return 0;
}

/* dev->lock held. */
static int toe_fill_engine(struct sk_buff *skb, struct toe_dev *dev)
{
	struct toe_engine_counters c = {};

	if (dev->eng)
		toe_engine_get_counters(dev->eng, &c);
	if (toe_put_dev(skb, dev) || nla_put_s32(skb, TOE_A_CPU, dev->cpu) ||
	    nla_put_u32(skb, TOE_A_POLL_IDLE_US, dev->poll_idle_us) ||
	    nla_put_u32(skb, TOE_A_BUFLETS, c.buflets_total) ||
	    nla_put_u32(skb, TOE_A_MAX_SOCKETS, dev->max_sockets) ||
	    nla_put_u8(skb, TOE_A_WAIT_MODE,
		       dev->inline_off ? TOE_WAIT_THREAD : TOE_WAIT_INLINE) ||
	    nla_put_u32(skb, TOE_A_RX_DEFER_US, dev->rx_defer_us) ||
	    nla_put_u8(skb, TOE_A_POLL_MODE,
		       dev->poll_adaptive ? TOE_POLL_ADAPTIVE : TOE_POLL_FIXED) ||
	    toe_put_limits(skb, dev))
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
	struct toe_owner_info oi = {};

	/* An owner the engine has no state for has nothing to sum: zeroes. */
	if (dev->eng)
		toe_owner_get_info(dev->eng, ctx->id, &oi);
	if (toe_put_dev(skb, dev) || toe_put_owner(skb, ctx) ||
	    nla_put_u32(skb, TOE_A_APP_SOCKETS, oi.sockets) ||
	    nla_put_u32(skb, TOE_A_APP_BUFFERS_POSTED, oi.named_pending) ||
	    nla_put_u32(skb, TOE_A_APP_SENDS_PENDING, oi.sends_pending) ||
	    nla_put_u32(skb, TOE_A_SQ_PENDING, toe_ring_sq_fill(ctx)) ||
	    nla_put_u32(skb, TOE_A_CQ_PENDING, toe_ring_cq_ready(ctx)) ||
	    nla_put_u32(skb, TOE_A_CQ_OVERFLOW, ctx->nr_overflow) ||
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

/* ---- ENGINE_ATTACH, ENGINE_DETACH, COUNTERS_RESET ------------------------- */

static int toe_genl_attach(struct sk_buff *skb, struct genl_info *info)
{
	struct toe_attach_opts opts = {
		.cpu = -1, .congestion = -1, .rx_defer_us = -1
	};
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
	if (info->attrs[TOE_A_CONGESTION])
		opts.congestion = nla_get_u8(info->attrs[TOE_A_CONGESTION]);
	if (info->attrs[TOE_A_WAIT_MODE])
		opts.wait_mode = nla_get_u8(info->attrs[TOE_A_WAIT_MODE]);
	if (info->attrs[TOE_A_POLL_MODE])
		opts.poll_mode = nla_get_u8(info->attrs[TOE_A_POLL_MODE]);
	if (info->attrs[TOE_A_RX_DEFER_US])
		opts.rx_defer_us = nla_get_u32(info->attrs[TOE_A_RX_DEFER_US]);

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
			       "cpu offline, poll idle time, buflet or socket count out of range, or unknown congestion control");
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
	[TOE_A_SEGS_IN ... TOE_A_SOCK_STATUS] = { .type = NLA_REJECT },
	[TOE_A_CONGESTION] = NLA_POLICY_MAX(NLA_U8, TOE_CC_CUBIC),
	[TOE_A_WAIT_MODE] = NLA_POLICY_MAX(NLA_U8, TOE_WAIT_THREAD),
	[TOE_A_RX_DEFER_US] = NLA_POLICY_MAX(NLA_U32, TOE_RX_DEFER_MAX_US),
	[TOE_A_POLL_MODE] = NLA_POLICY_MAX(NLA_U8, TOE_POLL_ADAPTIVE),
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
	[TOE_GENL_MCGRP_EVENTS_ID] = { .name = TOE_GENL_MCGRP_EVENTS },
	/* Other users' connections: as a dump shows them, to admins only. */
	[TOE_GENL_MCGRP_SOCKETS_ID] = { .name = TOE_GENL_MCGRP_SOCKETS,
					.flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family toe_genl_family = {
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
