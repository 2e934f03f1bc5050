/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * TCP's interface to the engine core. PLACEHOLDER written by the engine
 * core so the core builds; the TCP implementation replaces this file with
 * its own (it owns tcp.h and tcp_*.c). The prototypes below are the core's
 * proposal of what it calls; struct toe_tcp_cb is embedded in struct
 * toe_sock as member "tcp". This header must not include sock.h or
 * engine.h (sock.h includes it).
 */
#ifndef TOE_TCP_H
#define TOE_TCP_H

#include "toe_os.h"
#include "timer.h"

#ifdef __cplusplus
extern "C" {
#endif

struct toe_engine;
struct toe_sock;
struct toe_pkt;
struct toe_send_desc;
struct toe_sock_info;

/* TCP's per-connection control block (the full one is TCP's). */
struct toe_tcp_cb {
	u8 state; /* TOE_TCPS_* */
	struct toe_timer rtx_timer;
};

/* A new TCP socket (host-created or a listener's child) is set up. */
void toe_tcp_sock_init(struct toe_engine *eng, struct toe_sock *sk);

/* A segment for an existing connection (5-tuple match). */
void toe_tcp_input(struct toe_engine *eng, struct toe_sock *sk,
		   const struct toe_pkt *pkt);

/* A segment matching only a listener (SYN, or ACK of a SYN cookie). */
void toe_tcp_listen_input(struct toe_engine *eng, struct toe_sock *listener,
			  const struct toe_pkt *pkt);

/* sk is bound, its remote address and next hop are known: send SYN. */
int toe_tcp_connect(struct toe_engine *eng, struct toe_sock *sk);

/* sk becomes a listener (the core already bound it). */
int toe_tcp_listen(struct toe_engine *eng, struct toe_sock *sk, int backlog);

/* Queue a send request; TCP owns d from a 0 return on. */
int toe_tcp_send(struct toe_engine *eng, struct toe_sock *sk,
		 struct toe_send_desc *d);

/* Host close (graceful), abort (RST) and shutdown (TOE_SHUT_*). */
int toe_tcp_close(struct toe_engine *eng, struct toe_sock *sk);
int toe_tcp_abort(struct toe_engine *eng, struct toe_sock *sk);
int toe_tcp_shutdown(struct toe_engine *eng, struct toe_sock *sk, int how);

int toe_tcp_setopt(struct toe_engine *eng, struct toe_sock *sk, int opt,
		   u64 value);
int toe_tcp_getopt(struct toe_engine *eng, struct toe_sock *sk, int opt,
		   u64 *value);

/* Receive space grew (a buffer was posted): maybe send a window update. */
void toe_tcp_on_buffer_posted(struct toe_engine *eng, struct toe_sock *sk);

/* sk is about to be freed: cancel timers, free out-of-order buflets,
 * complete every send request still queued (toe_send_complete with an
 * error). */
void toe_tcp_release(struct toe_engine *eng, struct toe_sock *sk);

/* TCP's part of the introspection record. */
void toe_tcp_get_info(const struct toe_sock *sk, struct toe_sock_info *info);

#ifdef __cplusplus
}
#endif

#endif /* TOE_TCP_H */
