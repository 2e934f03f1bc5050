/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Declarations shared by the TCP implementation files (tcp_*.c); nothing
 * outside TCP uses them.
 */
#ifndef TOE_TCP_INT_H
#define TOE_TCP_INT_H

#include "engine.h"
#include "tcp.h"
#include "tcp_options.h"
#include "tcp_seq.h"

/* Sequence-space length of a segment: payload plus SYN and FIN. */
static inline u32 toe_tcp_seg_len(const struct toe_pkt *pkt)
{
	return pkt->payload_len + !!(pkt->tcp_flags & TOE_TCPF_SYN) +
	       !!(pkt->tcp_flags & TOE_TCPF_FIN);
}

static inline struct toe_tcp_cb *toe_tcp(struct toe_sock *sk)
{
	return &sk->tcp;
}

/* Counts in the connection's and the engine's counters. */
#define TOE_TCP_STAT_INC(eng, sk, field)                 \
	do {                                             \
		(sk)->tcp.stats.field++;                 \
		(eng)->tcp.stats.field++;                \
	} while (0)
#define TOE_TCP_STAT_ADD(eng, sk, field, n)              \
	do {                                             \
		(sk)->tcp.stats.field += (n);            \
		(eng)->tcp.stats.field += (n);           \
	} while (0)

/*
 * The timestamp clock ticks every 1024 us (RFC 7323 allows 1 ms to 1 s);
 * a shift instead of a division keeps 64-bit division out of the kernel
 * build on every architecture.
 */
#define TOE_TCP_TS_SHIFT 10

/* RFC 7323 5.5: ts_recent older than 24 days is no longer trusted. */
#define TOE_TCP_PAWS_IDLE_US (24ull * 24 * 3600 * 1000000)

/* The persist timer's bounds (RFC 9293 3.8.6.1 leaves them open). */
#define TOE_TCP_PERSIST_MIN_US 200000u
#define TOE_TCP_PERSIST_MAX_US 60000000u

/* Highest byte of a window field, unscaled. */
#define TOE_TCP_MAX_WIN 65535u

static inline u32 toe_tcp_ts_now(const struct toe_tcp_cb *tp, u64 now_us)
{
	return (u32)(now_us >> TOE_TCP_TS_SHIFT) + tp->ts_offset;
}

/*
 * Every entry into TCP for a socket (segment, timer, host request) runs
 * between toe_tcp_enter() and toe_tcp_leave(): a connection that ends
 * meanwhile is only marked, and freed on the way out.
 */
static inline struct toe_sock *toe_tcp_enter(struct toe_engine *eng,
					     struct toe_sock *sk)
{
	struct toe_sock *prev = eng->tcp.busy;

	eng->tcp.busy = sk;
	return prev;
}

void toe_tcp_leave(struct toe_engine *eng, struct toe_sock *sk,
		   struct toe_sock *prev);

/* tcp_input.c: a segment for sk, without counting it */
void toe_tcp_process(struct toe_engine *eng, struct toe_sock *sk,
		     const struct toe_pkt *pkt);

/* tcp_output.c */

/* One segment for toe_tcp_emit(). */
struct toe_tcp_seg_out {
	u32 seq;
	u32 ack;
	u8 flags; /* TOE_TCPF_* of pkt.h */
	bool syn_opts; /* SYN or SYN-ACK: MSS, WS, TS */
	u32 len; /* payload from the send queue starting at seq */
	u32 gso_size; /* MSS of a super-frame (used when len > mss) */
};

int toe_tcp_emit(struct toe_engine *eng, struct toe_sock *sk,
		 const struct toe_tcp_seg_out *so);
void toe_tcp_output(struct toe_engine *eng, struct toe_sock *sk);
int toe_tcp_send_ack(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_send_challenge_ack(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_send_dupack(struct toe_engine *eng, struct toe_sock *sk,
			 const struct toe_pkt *pkt);
int toe_tcp_send_syn(struct toe_engine *eng, struct toe_sock *sk);
int toe_tcp_send_rst(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_send_rst_reply(struct toe_engine *eng, const struct toe_pkt *pkt);
u32 toe_tcp_cookie_window(const struct toe_engine *eng);
void toe_tcp_send_cookie_synack(struct toe_engine *eng,
				const struct toe_pkt *pkt,
				const struct toe_tcp_opts *peer, u32 iss,
				u16 adv_mss, u32 ts_offset);
void toe_tcp_send_window_probe(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_send_keepalive(struct toe_engine *eng, struct toe_sock *sk);
u32 toe_tcp_select_window(struct toe_engine *eng, struct toe_sock *sk);
u32 toe_tcp_window_now(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_ack_maybe_delayed(struct toe_engine *eng, struct toe_sock *sk);

/* tcp_timer.c */
void toe_tcp_timers_init(struct toe_sock *sk);
void toe_tcp_timers_cancel(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_rtx_arm(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_rtx_restart(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_persist_arm(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_keepalive_reset(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_delack_arm(struct toe_engine *eng, struct toe_sock *sk);

/* tcp_input.c */
void toe_tcp_established(struct toe_engine *eng, struct toe_sock *sk);

/* tcp_output.c */
/* Whether the state lets data (and a FIN) be sent. */
bool toe_tcp_can_send_data(u8 state);
/* Bookkeeping after [seq, seq + len) (+ FIN) went out, first time or not. */
void toe_tcp_sent_range(struct toe_engine *eng, struct toe_sock *sk, u32 seq,
			u32 len, bool fin);

/* tcp_resend.c */
void toe_tcp_retransmit_head(struct toe_engine *eng, struct toe_sock *sk);
/* Resends [start, end) (with the FIN if it covers it); returns bytes sent. */
int toe_tcp_retransmit_range(struct toe_engine *eng, struct toe_sock *sk,
			     u32 start, u32 end);
/* One new segment, whatever cwnd says (a loss probe); the peer's window holds. */
void toe_tcp_send_new_segment(struct toe_engine *eng, struct toe_sock *sk);
/* Resends [snd_una, end) in MSS segments, whatever cwnd says (PMTU). */
void toe_tcp_resend_flight(struct toe_engine *eng, struct toe_sock *sk,
			   u32 end);

/* tcp_pmtu.c */
/* The send MSS (and the one we announce), with cwnd at the initial window. */
void toe_tcp_update_mss(struct toe_engine *eng, struct toe_sock *sk);
/*
 * The retransmission timer expired (rtx_count counts it). Returns true
 * when a PLPMTUD probe was what got lost: it is resent, and the timeout is
 * no congestion signal. May lower the MSS on a black hole.
 */
bool toe_tcp_pmtu_timeout(struct toe_engine *eng, struct toe_sock *sk);
/* snd_una advanced. */
void toe_tcp_pmtu_on_ack(struct toe_engine *eng, struct toe_sock *sk);
/* A duplicate ACK: true when it is about a probe (cc must not count it). */
bool toe_tcp_pmtu_dupack(struct toe_engine *eng, struct toe_sock *sk);
/*
 * Under SACK: whether everything the scoreboard holds lost is the PLPMTUD
 * probe's, which says the size failed, not that the path is congested.
 */
bool toe_tcp_pmtu_loss_is_probe(struct toe_sock *sk);
/* [seq, end) was sent again: a probe among it failed. */
void toe_tcp_pmtu_retransmitted(struct toe_engine *eng, struct toe_sock *sk,
				u32 seq, u32 end);
/* Payload of a probe to send now at snd_nxt, or 0. */
u32 toe_tcp_pmtu_probe_len(struct toe_engine *eng, struct toe_sock *sk,
			   u32 usable, u32 avail);
void toe_tcp_pmtu_probe_sent(struct toe_engine *eng, struct toe_sock *sk,
			     u32 seq, u32 len);

/* tcp_reass.c */
void toe_tcp_reass_insert(struct toe_engine *eng, struct toe_sock *sk,
			  const struct toe_pkt *pkt, u32 off, u32 len, u32 seq,
			  u32 seg_flags);
/* Delivers what became in order; returns true if a FIN was reached. */
bool toe_tcp_reass_drain(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_reass_purge(struct toe_engine *eng, struct toe_sock *sk);

/* tcp_sack_rx.c: the blocks our ACKs report */
void toe_tcp_sack_rx_note(struct toe_tcp_cb *tp, u32 seq);
void toe_tcp_sack_rx_dsack(struct toe_tcp_cb *tp, u32 start, u32 end);
void toe_tcp_sack_rx_clear(struct toe_tcp_cb *tp);
bool toe_tcp_sack_rx_pending(const struct toe_tcp_cb *tp);
/*
 * Writes the SACK option for the next segment into buf (at most room
 * bytes); returns its length. *complete is false when blocks were left out.
 */
u32 toe_tcp_sack_rx_build(struct toe_engine *eng, struct toe_sock *sk, u8 *buf,
			  u32 room, bool *complete);

/* tcp_recovery.c: SACK loss recovery, RACK-TLP, PRR */
void toe_tcp_recovery_init(struct toe_tcp_cb *tp);
void toe_tcp_recovery_release(struct toe_tcp_cb *tp);
/* An acceptable ACK; snd_una has moved from prior_una already. */
void toe_tcp_recovery_ack(struct toe_engine *eng, struct toe_sock *sk,
			  u32 prior_una, const struct toe_tcp_opts *o);
/* [seq, end) of sequence space left now. */
void toe_tcp_recovery_sent(struct toe_engine *eng, struct toe_sock *sk,
			   u32 seq, u32 end, u64 now);
/* Resends lost data within cwnd; false when cwnd is used up. */
bool toe_tcp_recovery_output(struct toe_engine *eng, struct toe_sock *sk,
			     u32 limit);
void toe_tcp_recovery_timeout(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_tlp_arm(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_loss_timer_fire(struct toe_engine *eng, struct toe_sock *sk,
			     struct toe_timer *t);
void toe_tcp_loss_timer_cancel(struct toe_engine *eng, struct toe_sock *sk);

/* tcp_synq.c */
void toe_tcp_synq_unlink(struct toe_engine *eng, struct toe_sock *child);
void toe_tcp_synq_purge(struct toe_engine *eng, struct toe_sock *listener);

/* tcp_close.c */
void toe_tcp_set_state(struct toe_engine *eng, struct toe_sock *sk, u8 state);
void toe_tcp_enter_time_wait(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_tw_unlink(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_done(struct toe_engine *eng, struct toe_sock *sk, int error);
void toe_tcp_fail(struct toe_engine *eng, struct toe_sock *sk, int error,
		  bool send_rst);
void toe_tcp_fin_acked(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_queue_fin(struct toe_engine *eng, struct toe_sock *sk);
void toe_tcp_complete_sends(struct toe_engine *eng, struct toe_sock *sk,
			    int status);

/* tcp_paws.c */
bool toe_tcp_paws_reject(const struct toe_tcp_cb *tp, const struct toe_pkt *pkt,
			 const struct toe_tcp_opts *o);
void toe_tcp_update_ts_recent(struct toe_tcp_cb *tp, const struct toe_pkt *pkt,
			      const struct toe_tcp_opts *o);

/* tcp_user.c */
void toe_tcp_init_sequence(struct toe_engine *eng, struct toe_sock *sk);

#endif /* TOE_TCP_INT_H */
