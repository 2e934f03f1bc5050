// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints' definitions and the glue's calls into them: engine
 * events become state and buffer-return records, and the engine's trace
 * hook, called at each retransmission and drop, the flow records.
 */

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

void toe_trace_flow(void *port, const struct toe_trace_rec *rec)
{
	struct toe_dev *dev = port;

	if (rec->kind == TOE_TRACE_RETRANSMIT)
		trace_toe_retransmit(dev->ifindex, rec);
	else
		trace_toe_drop(dev->ifindex, rec);
}
