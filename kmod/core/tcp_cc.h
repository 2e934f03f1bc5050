/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Congestion control: the shared machinery and the choice of algorithm.
 *
 * Two algorithms grow and shrink the window (docs/engine-tcp.md,
 * "Congestion control"):
 *  - NewReno (tcp_newreno.c): slow start and congestion avoidance of
 *    RFC 5681, ssthresh = FlightSize / 2;
 *  - CUBIC (tcp_cubic.c): RFC 9438, beta 0.7, with HyStart++ (RFC 9406,
 *    tcp_hystart.c) for the first slow start.
 * toe_tcp_cc_init starts NewReno; the engine gives each connection its
 * configured algorithm (cfg.congestion, CUBIC unless set) with
 * toe_tcp_cc_set_algo, and TOE_OPT_CONGESTION changes it per socket.
 *
 * Both share what tcp_cc.c does (see docs/engine-tcp.md):
 *  - initial window min(10 * SMSS, max(2 * SMSS, 14600)) (RFC 6928);
 *  - slow start grows by min(N, 2 * SMSS) per ACK that covers N new bytes
 *    (appropriate byte counting, RFC 3465 with L = 2), so a receiver that
 *    delays ACKs does not halve the growth rate; HyStart++ uses its own
 *    L = 8 (RFC 9406 4.2, a sender that does not pace);
 *  - fast retransmit and fast recovery with partial acknowledgments
 *    (RFC 6582) without SACK; "recover" holds the sequence number
 *    following the highest one sent when recovery began, so a full ACK is
 *    ack >= recover and a new fast retransmit needs ack > recover (RFC 6582
 *    3.2 steps 2 and 5);
 *  - on a full ACK cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS)
 *    (RFC 6582 3.2 step 5 option 1), which avoids a burst;
 *  - recovery driven by SACK or RACK (toe_tcp_cc_on_loss) leaves cwnd to
 *    the caller's Proportional Rate Reduction until it ends;
 *  - after an idle period longer than the RTO, cwnd restarts from
 *    min(cwnd, IW) (RFC 5681 4.1).
 *
 * The module keeps only the congestion state; the caller owns the sequence
 * space and performs the retransmissions the functions ask for. No
 * floating point: it runs in the kernel.
 */
#ifndef TOE_TCP_CC_H
#define TOE_TCP_CC_H

#include "toe_os.h"

#define TOE_TCP_DUPACK_THRESHOLD 3

/* The values are TOE_CC_NEWRENO and TOE_CC_CUBIC of the uapi. */
enum toe_tcp_cc_algo {
	TOE_TCP_CC_NEWRENO = 0,
	TOE_TCP_CC_CUBIC = 1,
};

#define TOE_TCP_CC_ALGO_MAX TOE_TCP_CC_CUBIC

/* HyStart++ (RFC 9406), the slow start of CUBIC; tcp_hystart.c. */
struct toe_tcp_hystart {
	u32 window_end;		/* this round ends when it is acknowledged */
	u32 last_round_min_rtt;	/* us; ~0 = none yet */
	u32 cur_round_min_rtt;	/* us; ~0 = none yet */
	u32 css_baseline_min_rtt; /* us; ~0 outside CSS */
	u16 rtt_samples;	/* in this round */
	u8 css_rounds;		/* rounds completed in CSS */
	u8 state;		/* TOE_HYSTART_* (tcp_cc_int.h) */
	bool window_end_valid;	/* a round has begun */
};

/* CUBIC (RFC 9438); tcp_cubic.c. Windows in bytes, times in us. */
struct toe_tcp_cubic {
	u64 epoch_us;		/* t_epoch: this congestion avoidance began */
	u64 grow_acc;		/* the W_cubic growth's remainder (bytes * cwnd) */
	u64 est_acc;		/* W_est's byte count (bytes * 17) */
	u32 w_max;		/* the window before the last reduction */
	u32 cwnd_epoch;		/* cwnd when the epoch began */
	u32 cwnd_prior;		/* cwnd when ssthresh was last set */
	u32 w_est;		/* the Reno-friendly estimate */
	u32 k;			/* K in 2^-10 s */
	u32 srtt_us;		/* smoothed from the ACKs' samples, 0 = none */
	bool epoch_valid;	/* epoch_us, cwnd_epoch, K and W_est are set */
	bool w_max_valid;	/* false: no reduction to remember (K = 0) */
	struct toe_tcp_hystart hystart;
};

struct toe_tcp_cc {
	u32 cwnd;
	u32 ssthresh;
	u32 smss;
	u32 recover;
	u32 bytes_acked;	/* congestion avoidance byte counter */
	u32 dupacks;
	bool in_recovery;
	bool partial_seen;	/* a partial ACK arrived in this recovery */
	/*
	 * Recovery driven by the SACK scoreboard (toe_tcp_cc_on_loss): the
	 * caller sets cwnd by Proportional Rate Reduction until
	 * toe_tcp_cc_recovery_end, so on_ack leaves it alone.
	 */
	bool sack_recovery;
	u8 algo;		/* enum toe_tcp_cc_algo */
	/* The algorithm's own state; NewReno needs none beyond the above. */
	union {
		struct toe_tcp_cubic cubic;
	} u;
};

/* What one acceptable ACK that advanced snd_una tells the controller. */
struct toe_tcp_cc_ack {
	u32 ack;	  /* the new snd_una */
	u32 acked;	  /* bytes it newly acknowledged */
	u32 flight_after; /* what remains outstanding after it */
	u32 snd_max;	  /* the next sequence number to be sent */
	u32 rtt_us;	  /* an RTT sample this ACK gave, 0 = none */
	u64 now_us;
};

/* What the caller must do after an ACK or a duplicate ACK. */
#define TOE_CC_RETRANSMIT_HEAD (1u << 0)	/* resend the first unacked segment */
#define TOE_CC_RESTART_TIMER (1u << 1)		/* re-arm the retransmission timer */
#define TOE_CC_ENTERED_RECOVERY (1u << 2)	/* a fast retransmit happened */

/* The RFC 6928 initial window for a sender MSS. */
u32 toe_tcp_cc_initial_window(u32 smss);

/*
 * iss is the initial send sequence number; recover starts there. The
 * algorithm is NewReno until toe_tcp_cc_set_algo.
 */
void toe_tcp_cc_init(struct toe_tcp_cc *cc, u32 smss, u32 iss);

/*
 * Chooses the algorithm (enum toe_tcp_cc_algo) and resets its own state;
 * cwnd and ssthresh stay. Meant for before data flows. 0 or -EINVAL.
 */
int toe_tcp_cc_set_algo(struct toe_tcp_cc *cc, unsigned int algo);

/* The send MSS changed (handshake finished): rescale the initial window. */
void toe_tcp_cc_set_mss(struct toe_tcp_cc *cc, u32 smss);

/* An ACK advanced snd_una (see struct toe_tcp_cc_ack). */
unsigned int toe_tcp_cc_on_ack(struct toe_tcp_cc *cc,
			       const struct toe_tcp_cc_ack *a);

/*
 * A duplicate ACK (RFC 5681 section 2 definition) for ack; flight is
 * snd_max - snd_una and snd_max the next sequence number to be sent.
 */
unsigned int toe_tcp_cc_on_dupack(struct toe_tcp_cc *cc, u32 ack, u32 flight,
				  u32 snd_max);

/*
 * The SACK scoreboard or RACK found a loss outside recovery: ssthresh
 * falls for the flight (what was outstanding when the loss was found) and
 * recovery lasts until snd_max is acknowledged. cwnd is the caller's
 * (Proportional Rate Reduction, RFC 6937) until toe_tcp_cc_recovery_end.
 */
void toe_tcp_cc_on_loss(struct toe_tcp_cc *cc, u32 flight, u32 snd_max,
			u64 now_us);

/* A recovery begun by toe_tcp_cc_on_loss ended: cwnd = ssthresh. */
void toe_tcp_cc_recovery_end(struct toe_tcp_cc *cc, u64 now_us);

/*
 * The retransmission timer expired. first is true for the first expiry of
 * the segment at snd_una (RFC 5681 eq. 4 applies only then).
 */
void toe_tcp_cc_on_timeout(struct toe_tcp_cc *cc, u32 flight, u32 snd_max,
			   bool first, u64 now_us);

/* Sending resumes after an idle period longer than the RTO. */
void toe_tcp_cc_after_idle(struct toe_tcp_cc *cc, u64 now_us);

#endif /* TOE_TCP_CC_H */
