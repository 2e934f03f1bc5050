/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * TCP's interface to the engine core, and its per-connection and
 * per-engine state.
 *
 * The TCP follows RFC 9293 with window scaling and timestamps (RFC 7323),
 * SACK (RFC 2018, 2883) with the RFC 6675 scoreboard, RACK-TLP loss
 * detection (RFC 8985) and Proportional Rate Reduction (RFC 6937),
 * RFC 6298 retransmission timeouts, NewReno (RFC 5681, 6582, 6928), RFC 6528
 * initial sequence numbers, the RFC 5961 defences against blind RST, SYN
 * and data injection, and SYN cookies (RFC 4987) when the SYN queue is
 * full. docs/engine-tcp.md describes the choices.
 *
 * struct toe_tcp_cb is embedded in struct toe_sock as member "tcp" and
 * struct toe_tcp_engine in struct toe_engine as member "tcp". This header
 * must not include sock.h or engine.h (sock.h includes it).
 */
#ifndef TOE_TCP_H
#define TOE_TCP_H

#include "toe_os.h"
#include "toe_engine.h"
#include "timer.h"
#include "tcp_cc.h"
#include "tcp_isn.h"
#include "tcp_rto.h"
#include "tcp_sack.h"

#ifdef __cplusplus
extern "C" {
#endif

struct toe_engine;
struct toe_sock;
struct toe_pkt;
struct toe_send_desc;
struct toe_sock_info;
struct toe_buflet;

/*
 * Engine-wide tunables. The defaults are set by toe_tcp_engine_init(); the
 * port may change them before it creates sockets (module parameters, test
 * set-up).
 */
struct toe_tcp_tunables {
	u32 msl_ms; /* TIME_WAIT lasts 2 * MSL; default 30 s */
	u32 fin_timeout_ms; /* orphaned FIN_WAIT_2; default 60 s */
	u32 syn_retries; /* SYN retransmissions before -ETIMEDOUT; 6 */
	u32 synack_retries; /* SYN-ACK retransmissions; 5 */
	u32 retries; /* data retransmissions of one segment; 15 */
	u32 delack_us; /* delayed-ACK bound; 40 ms */
	u32 keepidle_s; /* defaults for TOE_OPT_KEEP*: 7200 s, */
	u32 keepintvl_s; /* 75 s, */
	u32 keepcnt; /* 9 probes */
	u32 rcv_wscale; /* the window scale we offer; 7 */
	u32 challenge_ack_limit; /* per connection per window; 10 */
	u32 challenge_ack_window_ms; /* 5 s */
	u32 oow_ack_interval_ms; /* answers to invalid segments; 500 ms */
	u32 sack; /* offer and use SACK with RACK-TLP (RFC 2018, 8985); 1 */
	/* path MTU (tcp_pmtu.c); sizes are IPv4 datagram bytes */
	u32 pmtu_min; /* floor for ICMP-reported MTUs; 552 */
	u32 plpmtud_blackhole_rtos; /* timeouts that mean a black hole; 3 */
	u32 plpmtud_base; /* size after a black hole; 1024 */
	u32 plpmtud_probe_threshold; /* the search ends this close; 8 */
	u32 pmtu_reprobe_s; /* search upward again after; 600 s */
};

/* TCP's part of struct toe_engine. */
struct toe_tcp_engine {
	struct toe_tcp_tunables tun;
	struct toe_tcp_secret secret; /* ISNs, timestamp offsets, cookies */
	struct toe_sock *tw_head; /* TIME_WAIT sockets, oldest first */
	struct toe_sock *tw_tail;
	/*
	 * The socket TCP is working on: it is freed only when TCP returns,
	 * so no code path touches a freed control block.
	 */
	struct toe_sock *busy;
	struct toe_tcp_stats stats;
};

/* toe_tcp_cb.flags (TOE_TCPF_* in pkt.h are the header flags) */
#define TOE_TCB_TS_OK (1u << 0) /* timestamps negotiated */
#define TOE_TCB_WS_OK (1u << 1) /* window scaling negotiated */
#define TOE_TCB_NODELAY (1u << 2) /* Nagle off */
#define TOE_TCB_KEEPALIVE (1u << 3)
#define TOE_TCB_FIN_QUEUED (1u << 4) /* FIN follows the queued data */
#define TOE_TCB_FIN_SENT (1u << 5) /* FIN has been sent at least once */
#define TOE_TCB_PASSIVE (1u << 6) /* a listener's child */
#define TOE_TCB_RTT_TIMING (1u << 7) /* rtt_seq is being timed */
#define TOE_TCB_SYN_RETRANSMITTED (1u << 8)
#define TOE_TCB_PERSIST (1u << 9) /* rtx_timer runs as the persist timer */
#define TOE_TCB_ACK_NOW (1u << 10) /* an ACK must go out before we return */
#define TOE_TCB_IN_SYNQ (1u << 11) /* counted in the engine's SYN queue */
#define TOE_TCB_IN_TW (1u << 12) /* on the TIME_WAIT list */
#define TOE_TCB_FW2_TIMER (1u << 13) /* state_timer is the FIN_WAIT_2 one */
#define TOE_TCB_COOKIE (1u << 14) /* created from a SYN cookie */
#define TOE_TCB_OOO_FIN (1u << 15) /* a FIN beyond rcv_nxt is recorded */
#define TOE_TCB_FORCE (1u << 16) /* persist expiry: send despite SWS */
#define TOE_TCB_REAP (1u << 17) /* free when TCP returns (see busy) */
#define TOE_TCB_RX_DISCARDED (1u << 18) /* the host let go of unread data */
#define TOE_TCB_SACK_OK (1u << 19) /* SACK negotiated, scoreboard in use */
#define TOE_TCB_REORDER_SEEN (1u << 20) /* RACK saw reordering (RFC 8985) */
#define TOE_TCB_TLP_RETRANS (1u << 21) /* the loss probe was a retransmission */

/* toe_tcp_cb.loss_timer_mode */
#define TOE_TCP_LOSS_TIMER_NONE 0
#define TOE_TCP_LOSS_TIMER_REO 1 /* RACK's reordering window runs out */
#define TOE_TCP_LOSS_TIMER_TLP 2 /* tail loss probe (RFC 8985 7) */

/* RACK-TLP (RFC 8985 6.1) and PRR (RFC 6937) state. */
struct toe_tcp_rack {
	u64 xmit_us; /* RACK.xmit_ts: latest send time of delivered data */
	u32 end_seq; /* RACK.end_seq */
	u32 rtt_us; /* RACK.rtt */
	u32 min_rtt_us; /* RACK.min_RTT */
	u64 min_rtt_stamp_us; /* when min_rtt_us was set (windowed) */
	u32 dsack_round; /* RACK.dsack_round end, with dsack_round_on */
	bool dsack_round_on;
	u8 reo_wnd_mult; /* RACK.reo_wnd_mult */
	u8 reo_wnd_persist; /* RACK.reo_wnd_persist */
	u32 tlp_end_seq; /* TLP.end_seq, with tlp_on */
	bool tlp_on;
	bool have_xmit; /* xmit_us and end_seq hold a delivered segment */
	/* PRR */
	u32 prr_delivered;
	u32 prr_out;
	u32 recover_fs;
};

/* toe_tcp_pmtu.flags */
#define TOE_PMTU_SEARCHING (1u << 0) /* PLPMTUD probes upward */
#define TOE_PMTU_HIGH_FIRST (1u << 1) /* the next probe is search_high */
#define TOE_PMTU_PROBE_LOST (1u << 2) /* resent at probe_seq; dupacks wait */
#define TOE_PMTU_NO_DF (1u << 3) /* clamped to pmtu_min: DF off */

/*
 * Path MTU state (tcp_pmtu.c), per connection: the engine keeps no route
 * cache, so each connection learns its path on its own. Sizes are IPv4
 * datagram bytes (the MSS is mtu less the IP, TCP and option headers).
 */
struct toe_tcp_pmtu {
	u16 mtu; /* what the send MSS derives from */
	u16 search_low; /* PLPMTUD: largest size known to pass */
	u16 search_high; /* PLPMTUD: largest size not known to fail */
	u16 probe_size; /* the probe in flight, 0 = none */
	u32 probe_seq; /* its sequence space [probe_seq, probe_end) */
	u32 probe_end;
	u32 probe_dupacks; /* duplicate ACKs for probe_seq */
	u32 flags; /* TOE_PMTU_* */
	u64 reprobe_us; /* when to search upward again (mtu below the link) */
};

/* The per-connection state (the transmission control block). */
struct toe_tcp_cb {
	u8 state; /* TOE_TCPS_* */
	u8 snd_wscale; /* the peer's shift, applied to its windows */
	u8 rcv_wscale; /* our shift, applied to the windows we send */
	u8 keep_probes; /* unanswered keepalive probes */
	u32 flags; /* TOE_TCB_* */
	int error; /* why the connection died (-errno), for late requests */

	/* send sequence space (RFC 9293 3.3.1) */
	u32 iss;
	u32 snd_una;
	u32 snd_nxt; /* next to send; below snd_max after a timeout */
	u32 snd_max; /* highest sequence number sent, plus one */
	u32 snd_wnd; /* the peer's window, scaled */
	u32 snd_wl1;
	u32 snd_wl2;
	u32 max_sndwnd; /* largest window the peer offered */
	u32 snd_end; /* sequence number after the last queued byte */
	u32 snd_sml; /* end of the last sub-MSS segment sent (Nagle) */

	/* receive sequence space */
	u32 irs;
	u32 rcv_nxt;
	u32 rcv_adv; /* right edge of the window we advertised */
	u32 rcv_space_max; /* largest receive space seen (SWS avoidance) */
	u32 rcv_unacked; /* in-order bytes not yet acknowledged */
	u32 last_ack_sent; /* RCV.NXT in our last ACK (RFC 7323 4.3) */

	/* segment sizes: payload bytes per segment, options excluded */
	u16 mss; /* effective send MSS */
	u16 peer_mss; /* the peer's MSS option, or 536 */
	u16 adv_mss; /* the MSS we announced */
	u16 rcv_mss; /* largest segment received, up to adv_mss */
	u16 user_mss; /* TOE_OPT_MAXSEG, 0 = none */
	u16 reserved0;

	/* timestamps (RFC 7323) */
	u32 ts_offset; /* added to our clock on this connection */
	u32 ts_recent;
	u64 ts_recent_us; /* when ts_recent was last updated */

	/* RTT measurement without timestamps (Karn's algorithm) */
	u32 rtt_seq;
	u64 rtt_start_us;

	struct toe_tcp_rto rto;
	struct toe_tcp_cc cc;
	struct toe_tcp_sb sb; /* with TOE_TCB_SACK_OK: what is in flight */
	struct toe_tcp_rack rack;
	struct toe_tcp_sack_rx sack_rx; /* the blocks our ACKs report */
	u32 rtx_count; /* consecutive timeouts without progress */
	u64 rtx_start_us; /* when the first of them was armed */
	/* Zero-window probing keeps two counts, as RFC 9293 3.8.6.1 asks: the
	 * interval backs off per probe until the window opens, while the
	 * give-up count restarts whenever the peer answers at all.
	 */
	u32 persist_backoff; /* interval shift; cleared when the window opens */
	u32 persist_probes; /* probes since the peer last answered */
	u32 user_timeout_ms; /* TOE_OPT_USER_TIMEOUT, 0 = retries bound */

	/* send queue: host requests in sequence order, none copied */
	struct toe_send_desc *sq_head; /* oldest, holds snd_una */
	struct toe_send_desc *sq_tail;
	struct toe_send_desc *sq_cursor; /* holds snd_nxt (a hint) */
	u64 last_send_us; /* last data transmission (idle restart) */
	u64 last_recv_us; /* last segment received (keepalive) */

	/* out-of-order queue: buflet segments by sequence, no overlaps */
	struct toe_buflet *ooo_head;
	u32 ooo_bytes;
	u32 ooo_segs;
	u32 ooo_fin_seq; /* with TOE_TCB_OOO_FIN: the FIN's sequence number */

	/* keepalive (TOE_OPT_KEEP*) */
	u32 keepidle_s;
	u32 keepintvl_s;
	u32 keepcnt;

	/* RFC 5961 challenge ACK throttle */
	u64 chack_window_us;
	u32 chack_count;
	u64 oow_ack_allowed_us; /* when an invalid segment may be answered */

	/* listener: its children in SYN-RECEIVED; child: the list link */
	struct toe_sock *synq_head;
	struct toe_sock *synq_next;
	struct toe_sock *synq_prev;
	u32 synq_len;
	u64 last_cookie_us; /* listener: when it last sent a SYN cookie */
	struct toe_listen_stats listen; /* listener: its drops and cookies */

	/* TIME_WAIT list link */
	struct toe_sock *tw_next;
	struct toe_sock *tw_prev;

	struct toe_timer rtx_timer; /* retransmission, SYN, persist */
	struct toe_timer delack_timer;
	struct toe_timer keep_timer;
	struct toe_timer state_timer; /* linger, FIN_WAIT_2, TIME_WAIT */
	struct toe_timer loss_timer; /* RACK reordering window, loss probe */
	u8 loss_timer_mode; /* TOE_TCP_LOSS_TIMER_* */

	struct toe_tcp_pmtu pmtu;

	struct toe_tcp_stats stats;
};

/*
 * Sets the tunables' defaults and the secret (from the configuration, or
 * random when it is zero). Called by toe_engine_create().
 */
void toe_tcp_engine_init(struct toe_engine *eng);

/* Engine-wide TCP counters. */
void toe_tcp_get_stats(const struct toe_engine *eng,
		       struct toe_tcp_stats *stats);

/* A new TCP socket (host-created or a listener's child) is set up. */
void toe_tcp_sock_init(struct toe_engine *eng, struct toe_sock *sk);

/* A segment for an existing connection (5-tuple match). */
void toe_tcp_input(struct toe_engine *eng, struct toe_sock *sk,
		   const struct toe_pkt *pkt);

/*
 * An ICMP "fragmentation needed" (pkt->icmp) about a segment of sk's
 * (tcp_pmtu.c).
 */
void toe_tcp_icmp_frag_needed(struct toe_engine *eng, struct toe_sock *sk,
			      const struct toe_pkt *pkt);

/* A segment matching only a listener (SYN, or ACK of a SYN cookie). */
void toe_tcp_listen_input(struct toe_engine *eng, struct toe_sock *listener,
			  const struct toe_pkt *pkt);

/*
 * A TCP segment for a local address and port that no connection or
 * listener of the engine owns, when the port is the engine's (bound by one
 * of its sockets): answers with RST as RFC 9293 3.10.7.1 says for CLOSED.
 */
void toe_tcp_reject(struct toe_engine *eng, const struct toe_pkt *pkt);

/* sk is bound, its remote address and next hop are known: send SYN. */
int toe_tcp_connect(struct toe_engine *eng, struct toe_sock *sk);

/* sk becomes a listener (the core already bound it). */
int toe_tcp_listen(struct toe_engine *eng, struct toe_sock *sk, int backlog);

/* Queue a send request; TCP owns d from a 0 return on. */
int toe_tcp_send(struct toe_engine *eng, struct toe_sock *sk,
		 struct toe_send_desc *d);

/* Host close (graceful), abort (RST) and shutdown (TOE_SHUT_*). */
int toe_tcp_close(struct toe_engine *eng, struct toe_sock *sk);
int toe_tcp_abort(struct toe_engine *eng, struct toe_sock *sk, int error);
int toe_tcp_shutdown(struct toe_engine *eng, struct toe_sock *sk, int how);

int toe_tcp_setopt(struct toe_engine *eng, struct toe_sock *sk, int opt,
		   u64 value);
int toe_tcp_getopt(struct toe_engine *eng, struct toe_sock *sk, int opt,
		   u64 *value);

/* Receive space grew (a buffer was posted): maybe send a window update. */
void toe_tcp_on_buffer_posted(struct toe_engine *eng, struct toe_sock *sk);

/*
 * sk is about to be freed: cancel timers, free out-of-order buflets,
 * complete every send request still queued (toe_send_complete with an
 * error).
 */
void toe_tcp_release(struct toe_engine *eng, struct toe_sock *sk);

/* TCP's part of the introspection record. */
void toe_tcp_get_info(const struct toe_sock *sk, struct toe_sock_info *info);

/* The connection's counters. */
void toe_tcp_get_sock_stats(const struct toe_sock *sk,
			    struct toe_tcp_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* TOE_TCP_H */
