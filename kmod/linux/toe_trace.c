// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints' definitions and the glue's calls into them.
 *
 * Retransmissions and drops happen deep in the engine, which must not know
 * about tracepoints; they fire once per engine round with the growth of
 * the engine's counters, and only while one of them is enabled. Each
 * engine's last reading sits in a small list keyed by the engine object
 * and is forgotten at detach.
 */
#include <linux/slab.h>

#include "toe_priv.h"

#define CREATE_TRACE_POINTS
#include "toe_trace.h"

void toe_trace_event(struct toe_dev *dev, u32 owner,
		     const struct toe_event *ev)
{
	struct toe_sock_info si;
	u8 state = TOE_TCPS_CLOSED;

	switch (ev->type) {
	case TOE_EV_RECV:
	case TOE_EV_RECV_ANON:
		trace_toe_buffer_return(dev->ifindex, ev->sock, owner,
					ev->type == TOE_EV_RECV_ANON,
					ev->type == TOE_EV_RECV ? ev->buf_ref :
								  ev->anon_id,
					ev->bytes, ev->reason, ev->status);
		break;
	case TOE_EV_CONNECTED:
	case TOE_EV_ACCEPT:
	case TOE_EV_PEER_CLOSED:
	case TOE_EV_ERROR:
	case TOE_EV_CLOSED:
		if (!trace_toe_sock_state_enabled())
			break;
		/* A closed socket's handle is dead: it has no state to read. */
		if (ev->type != TOE_EV_CLOSED && dev->eng &&
		    !toe_sock_get_info(dev->eng, ev->sock, &si))
			state = si.state;
		trace_toe_sock_state(dev->ifindex, ev->sock, owner, ev->type,
				     state, ev->status, ev->peer_ip,
				     ev->peer_port);
		break;
	}
}

struct toe_trace_last {
	struct list_head node;
	const struct toe_dev *dev;
	struct toe_engine_counters c;
};

static LIST_HEAD(toe_trace_lasts);
static DEFINE_MUTEX(toe_trace_lock);

static void toe_trace_delta(int ifindex, const char *reason, u64 now, u64 last)
{
	if (now > last)
		trace_toe_drop(ifindex, reason, now - last);
}

void toe_trace_round(struct toe_dev *dev)
{
	struct toe_engine_counters c;
	struct toe_trace_last *l, *found = NULL;

	if (!trace_toe_retransmit_enabled() && !trace_toe_drop_enabled())
		return;
	if (!dev->eng)
		return;
	toe_engine_get_counters(dev->eng, &c);
	mutex_lock(&toe_trace_lock);
	list_for_each_entry(l, &toe_trace_lasts, node)
		if (l->dev == dev)
			found = l;
	if (!found) {
		/* The first reading is the baseline. */
		found = kzalloc(sizeof(*found), GFP_KERNEL);
		if (found) {
			found->dev = dev;
			found->c = c;
			list_add(&found->node, &toe_trace_lasts);
		}
		mutex_unlock(&toe_trace_lock);
		return;
	}
	if (c.tcp_retransmits > found->c.tcp_retransmits)
		trace_toe_retransmit(dev->ifindex,
				     c.tcp_retransmits - found->c.tcp_retransmits,
				     c.tcp_retransmits);
	toe_trace_delta(dev->ifindex, "tcp", c.tcp_drops, found->c.tcp_drops);
	toe_trace_delta(dev->ifindex, "no_buflet", c.drop_no_buflet,
			found->c.drop_no_buflet);
	toe_trace_delta(dev->ifindex, "rx_shutdown", c.drop_rx_shutdown,
			found->c.drop_rx_shutdown);
	toe_trace_delta(dev->ifindex, "udp_no_room", c.drop_udp_no_room,
			found->c.drop_udp_no_room);
	toe_trace_delta(dev->ifindex, "anon_empty", c.drop_anon_empty,
			found->c.drop_anon_empty);
	toe_trace_delta(dev->ifindex, "bad_csum", c.bad_csum, found->c.bad_csum);
	toe_trace_delta(dev->ifindex, "bad_ip", c.bad_ip, found->c.bad_ip);
	toe_trace_delta(dev->ifindex, "bad_l4", c.bad_l4, found->c.bad_l4);
	found->c = c;
	mutex_unlock(&toe_trace_lock);
}

void toe_trace_forget(struct toe_dev *dev)
{
	struct toe_trace_last *l, *tmp;

	mutex_lock(&toe_trace_lock);
	list_for_each_entry_safe(l, tmp, &toe_trace_lasts, node) {
		if (l->dev == dev) {
			list_del(&l->node);
			kfree(l);
		}
	}
	mutex_unlock(&toe_trace_lock);
}
