/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the generic netlink files share: the family, its multicast groups
 * and the helpers that put an engine's and a context's identity.
 */
#ifndef _TOE_GENL_H
#define _TOE_GENL_H

#include <net/genetlink.h>

#include "toe_priv.h"

/* Indices into the family's multicast groups. */
enum {
	TOE_GENL_MCGRP_EVENTS_ID,
	TOE_GENL_MCGRP_SOCKETS_ID,
};

extern struct genl_family toe_genl_family;

bool toe_genl_is_admin(const struct sk_buff *skb);
/* dev->lock held. Whether the requester may see owner's sockets. */
bool toe_genl_owner_visible(struct toe_dev *dev, u32 owner,
			    const struct sk_buff *req, bool admin);
int toe_put_dev(struct sk_buff *skb, const struct toe_dev *dev);
int toe_put_owner(struct sk_buff *skb, const struct toe_ctx *ctx);
/* The header of one record of a dump. */
void *toe_genl_put_hdr(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd);

/* toe_genl_sock.c */
int toe_genl_socket_dump(struct sk_buff *skb, struct netlink_callback *cb);
int toe_genl_buffer_dump(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _TOE_GENL_H */
