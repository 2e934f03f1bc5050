/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Selective acknowledgments (RFC 2018, RFC 2883) and the sender's
 * scoreboard of RFC 6675, which RACK-TLP (RFC 8985) reads for loss
 * detection.
 *
 * The sender's scoreboard is an array of transmission records sorted by
 * sequence number, disjoint, covering [snd_una, snd_max): one record per
 * emitted frame (a GSO super-frame is one record), split where a SACK
 * block edge or a retransmission falls inside one. It grows by doubling up
 * to TOE_TCP_SB_MAX records. The work one ACK can cause is bounded: at most
 * four blocks, at most two splits per block, and a visit of each record at
 * most once per block, so a hostile peer costs O(records) per ACK and no
 * memory beyond the bound (the kernel's CVE-2019-11477/11478 class). When
 * the array is full, new data extends the last record and a split is
 * refused: a partly SACKed record then counts as not SACKed, which only
 * makes the sender retransmit more; a partly resent record counts as
 * resent, so recovery moves on (RACK or the RTO finds its tail lost
 * again later).
 *
 * This header must not include sock.h or engine.h (tcp.h includes it).
 */
#ifndef TOE_TCP_SACK_H
#define TOE_TCP_SACK_H

#include "toe_os.h"
#include "tcp_options.h"

/* toe_tcp_txrec.flags */
#define TOE_TXR_SACKED (1u << 0) /* the peer holds it (SACK block) */
#define TOE_TXR_LOST (1u << 1) /* judged lost and not sent again since */
#define TOE_TXR_RETRANS (1u << 2) /* sent more than once (RACK, Karn) */

/* One transmission: the sequence range and when it last left. */
struct toe_tcp_txrec {
	u32 start;
	u32 end;
	u64 xmit_us;
	u32 flags; /* TOE_TXR_* */
	u32 reserved;
};

#define TOE_TCP_SB_MIN 64u
#define TOE_TCP_SB_MAX 4096u

struct toe_tcp_sb {
	struct toe_tcp_txrec *rec; /* live records are rec[head, head + count) */
	u32 cap;
	u32 head;
	u32 count;
	u32 sacked_bytes; /* in records marked SACKED */
	u32 lost_bytes; /* in records marked LOST */
	u32 fack; /* highest sequence number delivered (acked or SACKed) */
	u32 lost_hint; /* no LOST record before rec[head + lost_hint] */
	u32 work; /* records visited for the current ACK */
	u32 work_max; /* the most records any one ACK visited */
	u32 splits_refused; /* splits the bound refused */
};

/*
 * What the records an ACK delivered tell RACK (RFC 8985 6.2 step 2): the
 * most recently sent of them whose RTT is not ambiguous, and whether one
 * that was never retransmitted arrived behind a later one (reordering).
 */
struct toe_tcp_sb_delivery {
	u64 now_us;
	u32 min_rtt_us; /* RACK.min_RTT, 0 = unknown */
	bool have_tsecr; /* the ACK echoes a timestamp */
	u32 tsecr;
	u32 ts_offset; /* the connection's timestamp clock offset */
	/* results */
	bool valid;
	bool reordered;
	u64 xmit_us;
	u32 end_seq;
	u32 delivered; /* bytes newly acked or SACKed */
	u32 sacked; /* bytes newly SACKed */
};

/* Sets up an empty scoreboard with fack at snd_una; allocates nothing. */
void toe_tcp_sb_init(struct toe_tcp_sb *sb, u32 snd_una);
void toe_tcp_sb_free(struct toe_tcp_sb *sb);

/*
 * [start, end) left at now_us: new data beyond the last record is
 * appended, a range already held is a retransmission (its records are
 * split to the range, lose TOE_TXR_LOST and gain TOE_TXR_RETRANS).
 * Returns -ENOMEM only when not even the first array could be allocated.
 */
int toe_tcp_sb_sent(struct toe_tcp_sb *sb, u32 start, u32 end, u64 now_us);

/* The cumulative ACK moved to ack: records below it go. */
void toe_tcp_sb_cum_ack(struct toe_tcp_sb *sb, u32 ack,
			struct toe_tcp_sb_delivery *d);

/*
 * Marks what the blocks cover as SACKED. Blocks outside (snd_una,
 * snd_max] or inverted are ignored (the caller has taken out the D-SACK
 * block).
 */
void toe_tcp_sb_sack(struct toe_tcp_sb *sb, u32 snd_una, u32 snd_max,
		     const struct toe_tcp_sack_block *blocks, u32 nr,
		     struct toe_tcp_sb_delivery *d);

/*
 * RACK's loss marking (RFC 8985 6.2 step 5): every record neither SACKED
 * nor LOST that was sent before (xmit_us, end_seq) and longer than
 * threshold_us ago becomes LOST. Returns the time until the next such
 * record would expire (0 = none waits).
 */
u64 toe_tcp_sb_mark_lost(struct toe_tcp_sb *sb, u64 rack_xmit_us,
			 u32 rack_end_seq, u64 threshold_us, u64 now_us);

/* Every record is lost and nothing is SACKed (a timeout, RFC 2018 8). */
void toe_tcp_sb_mark_all_lost(struct toe_tcp_sb *sb);

/* The first LOST record: its range; false if none. */
bool toe_tcp_sb_next_lost(struct toe_tcp_sb *sb, u32 *start, u32 *end);

/* The last record (the highest data sent): false if none. */
bool toe_tcp_sb_last(const struct toe_tcp_sb *sb, u32 *start, u32 *end);

/* The LOST bytes inside [start, end). */
u32 toe_tcp_sb_lost_in(struct toe_tcp_sb *sb, u32 start, u32 end);

/* Whether seq lies in a SACKED record. */
bool toe_tcp_sb_is_sacked(struct toe_tcp_sb *sb, u32 seq, u32 *end);

/*
 * RFC 6675 pipe: bytes outstanding that are neither SACKED nor LOST (a
 * LOST record that was sent again is no longer LOST, so it counts).
 */
static inline u32 toe_tcp_sb_pipe(const struct toe_tcp_sb *sb, u32 snd_una,
				  u32 snd_max)
{
	u32 out = snd_max - snd_una;
	u32 gone = sb->sacked_bytes + sb->lost_bytes;

	return out > gone ? out - gone : 0;
}

/* ---- the receiver's side ------------------------------------------------- */

/*
 * The blocks we report (RFC 2018 section 4): the first holds the segment
 * that arrived last, the others the blocks reported most recently. A
 * D-SACK block (RFC 2883) goes once, before them.
 */
struct toe_tcp_sack_rx {
	struct toe_tcp_sack_block blocks[TOE_TCP_MAX_SACK_BLOCKS];
	u8 nr;
	bool dsack;
	struct toe_tcp_sack_block dsack_block;
};

#endif /* TOE_TCP_SACK_H */
