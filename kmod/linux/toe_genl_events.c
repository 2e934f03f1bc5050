// SPDX-License-Identifier: GPL-2.0
/*
 * Notifications: engines attaching and detaching and contexts opening and
 * closing on the "events" group, connection events on the "sockets" group
 * (CAP_NET_ADMIN to join). Nothing is built while nobody listens.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/genetlink.h>
#include <net/netlink.h>

#include "toe_priv.h"
#include "toe_genl.h"

static struct sk_buff *toe_genl_event_new(u8 cmd, void **hdr, gfp_t gfp)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, gfp);

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
	if (!genl_has_listeners(&toe_genl_family, dev->net,
				TOE_GENL_MCGRP_EVENTS_ID))
		return;
	skb = toe_genl_event_new(attached ? TOE_CMD_ENGINE_ATTACHED :
					    TOE_CMD_ENGINE_DETACHED, &hdr,
				 GFP_KERNEL);
	if (!skb)
		return;
	if (toe_put_dev(skb, dev) || nla_put_s32(skb, TOE_A_CPU, dev->cpu) ||
	    nla_put_u32(skb, TOE_A_POLL_IDLE_US, dev->poll_idle_us)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&toe_genl_family, dev->net, skb, 0,
				TOE_GENL_MCGRP_EVENTS_ID, GFP_KERNEL);
}

void toe_genl_notify_app(struct toe_ctx *ctx, struct net *net, bool opened)
{
	struct sk_buff *skb;
	void *hdr;

	if (!net || !genl_has_listeners(&toe_genl_family, net,
					  TOE_GENL_MCGRP_EVENTS_ID))
		return;
	skb = toe_genl_event_new(opened ? TOE_CMD_APP_OPENED :
					  TOE_CMD_APP_CLOSED, &hdr, GFP_KERNEL);
	if (!skb)
		return;
	if (toe_put_owner(skb, ctx)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&toe_genl_family, net, skb, 0,
				TOE_GENL_MCGRP_EVENTS_ID, GFP_KERNEL);
}


static u8 toe_sock_event_kind(const struct toe_event *ev)
{
	switch (ev->type) {
	case TOE_EV_CONNECTED:
		return TOE_SOCK_EV_CONNECTED;
	case TOE_EV_ACCEPT:
		return TOE_SOCK_EV_ACCEPTED;
	case TOE_EV_PEER_CLOSED:
		return TOE_SOCK_EV_PEER_CLOSED;
	case TOE_EV_ERROR:
		return TOE_SOCK_EV_ERROR;
	case TOE_EV_CLOSED:
		return TOE_SOCK_EV_CLOSED;
	}
	return 0;
}

/* dev->lock held. The socket an event is about, as far as it still exists. */
static int toe_put_event_sock(struct sk_buff *skb, struct toe_dev *dev,
			      u32 owner, const struct toe_event *ev)
{
	struct toe_ctx *ctx = xa_load(&dev->ctx_by_owner, owner);
	struct toe_sock_rec *rec;
	struct toe_sock_info si;

	if (toe_put_dev(skb, dev) || (ctx && toe_put_owner(skb, ctx)) ||
	    nla_put_u32(skb, TOE_A_SOCK_HANDLE, ev->sock) ||
	    nla_put_s32(skb, TOE_A_SOCK_STATUS, ev->status))
		return -EMSGSIZE;
	/* A closed socket's handle is dead: the glue's record has its port. */
	if (ev->type == TOE_EV_CLOSED || !dev->eng ||
	    toe_sock_get_info(dev->eng, ev->sock, &si)) {
		rec = toe_sock_rec_find(dev, owner, ev->sock);
		if (rec && rec->bound &&
		    nla_put_u16(skb, TOE_A_LOCAL_PORT, rec->port))
			return -EMSGSIZE;
		return 0;
	}
	if (nla_put_u8(skb, TOE_A_SOCK_PROTO, si.proto) ||
	    nla_put_u8(skb, TOE_A_SOCK_STATE, si.state) ||
	    nla_put_in_addr(skb, TOE_A_LOCAL_ADDR, htonl(si.local_ip)) ||
	    nla_put_u16(skb, TOE_A_LOCAL_PORT, si.local_port) ||
	    nla_put_in_addr(skb, TOE_A_REMOTE_ADDR, htonl(si.remote_ip)) ||
	    nla_put_u16(skb, TOE_A_REMOTE_PORT, si.remote_port))
		return -EMSGSIZE;
	return 0;
}

void toe_genl_notify_sock(struct toe_dev *dev, u32 owner,
			  const struct toe_event *ev)
{
	u8 kind = toe_sock_event_kind(ev);
	struct sk_buff *skb;
	void *hdr;

	if (!kind || !genl_has_listeners(&toe_genl_family, dev->net,
					 TOE_GENL_MCGRP_SOCKETS_ID))
		return;
	/* The engine thread must not wait for memory: the event is lost. */
	skb = toe_genl_event_new(TOE_CMD_SOCK_EVENT, &hdr,
				 GFP_NOWAIT | __GFP_NOWARN);
	if (!skb)
		return;
	if (nla_put_u8(skb, TOE_A_SOCK_EVENT, kind) ||
	    toe_put_event_sock(skb, dev, owner, ev)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&toe_genl_family, dev->net, skb, 0,
				TOE_GENL_MCGRP_SOCKETS_ID,
				GFP_NOWAIT | __GFP_NOWARN);
}
