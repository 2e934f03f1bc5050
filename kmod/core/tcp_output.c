// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * TCP output: segment building, the send loop (windows, Nagle, sender SWS
 * avoidance, GSO super-frames), ACKs, probes and RSTs. Sending a range
 * again is tcp_resend.c's.
 *
 * Payload never passes through engine memory: a segment is a TCP header
 * plus fragments that point into the host's send requests, which stay
 * referenced until acknowledged so retransmissions read the same bytes.
 */
#include "tcp_int.h"
#include "tcp_cookie.h"

/* Room for the largest TCP header we build (20 + options). */
#define TCP_HDR_BUF (TOE_TCP_HLEN_MIN + TOE_TCP_MAX_OPTLEN)

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static void put32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

/* Writes a TCP header with its options; the checksum is left zero. */
static u32 build_hdr(u8 *h, u16 sport, u16 dport, u32 seq, u32 ack,
		     u8 flags, u16 win, const u8 *opts, u32 optlen)
{
	u32 len = TOE_TCP_HLEN_MIN + optlen;

	put16(h, sport);
	put16(h + 2, dport);
	put32(h + 4, seq);
	put32(h + 8, ack);
	h[12] = (u8)((len / 4) << 4);
	h[13] = flags;
	put16(h + 14, win);
	put16(h + 16, 0);
	put16(h + 18, 0);
	if (optlen)
		memcpy(h + TOE_TCP_HLEN_MIN, opts, optlen);
	return len;
}

/* ---- receive window --------------------------------------------------- */

u32 toe_tcp_window_now(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u32 space = toe_rx_space(eng, sk);
	u32 max = TOE_TCP_MAX_WIN << tp->rcv_wscale;

	if (space > tp->rcv_space_max)
		tp->rcv_space_max = space;
	return space < max ? space : max;
}

/*
 * How far the right edge must move before we advertise it (RFC 9293
 * 3.8.6.2.2): min(half the buffer, one segment).
 */
static u32 sws_threshold(const struct toe_tcp_cb *tp)
{
	u32 half = tp->rcv_space_max / 2;

	return half < tp->adv_mss ? half : tp->adv_mss;
}

/*
 * The window field for a non-SYN segment. rcv_adv is the largest right
 * edge a segment we sent advertised, and the edge segments are accepted
 * up to: RFC 7323 2.4 (1) has the receiver honour every segment that was
 * in the window of any ACK it sent, and (2) has it track that maximum
 * rather than the edge of the latest ACK. It never moves left (RFC 9293
 * 3.8.6: shrinking the window is strongly discouraged), it moves right
 * only by a useful amount (receiver SWS avoidance), only to where the
 * space really is, and only by a whole number of scale units, so the
 * segment that moves it shows exactly the new edge. Later fields round
 * down: as rcv_nxt advances by other than whole units the peer sees the
 * edge up to one unit short of rcv_adv but never past it. Rounding up
 * instead would let the edge creep beyond the buflets, and the sender
 * overrun a slow reader. toe_tcp_emit() takes the move back when the
 * segment does not leave.
 */
u32 toe_tcp_select_window(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u32 space = toe_tcp_window_now(eng, sk);
	u32 cur = toe_seq_gt(tp->rcv_adv, tp->rcv_nxt) ?
			  tp->rcv_adv - tp->rcv_nxt : 0;
	u32 grown = (space >> tp->rcv_wscale) << tp->rcv_wscale;

	if (grown > cur && space - cur >= sws_threshold(tp)) {
		tp->rcv_adv = tp->rcv_nxt + grown;
		cur = grown;
	} else if (!toe_seq_gt(tp->rcv_adv, tp->rcv_nxt)) {
		tp->rcv_adv = tp->rcv_nxt;
	}
	cur >>= tp->rcv_wscale;
	return cur < TOE_TCP_MAX_WIN ? cur : TOE_TCP_MAX_WIN;
}

/* ---- the send queue ---------------------------------------------------- */

static struct toe_send_desc *sq_find(struct toe_tcp_cb *tp, u32 seq)
{
	struct toe_send_desc *d = tp->sq_cursor;

	if (!d || toe_seq_lt(seq, d->seq))
		d = tp->sq_head;
	while (d && toe_seq_geq(seq, d->seq + d->len))
		d = d->next;
	return d;
}

/*
 * Points frags at the queued bytes [seq, seq + len). Returns the bytes
 * covered (less than len when the fragment array is full) and whether a
 * request without TOE_SEND_MORE ends inside the range (PSH).
 */
static u32 sq_frags(struct toe_tcp_cb *tp, u32 seq, u32 len,
		    struct toe_tx_frag *frags, u32 *nr, bool *psh)
{
	struct toe_send_desc *d = sq_find(tp, seq);
	u32 covered = 0;

	*nr = 0;
	*psh = false;
	while (d && covered < len && *nr < TOE_TX_MAX_FRAGS) {
		u32 in = seq + covered - d->seq;
		u32 take = d->len - in;

		if (take > len - covered)
			take = len - covered;
		frags[*nr].mem = d->mem;
		frags[*nr].off = d->off + in;
		frags[*nr].len = take;
		frags[*nr].reserved = 0;
		(*nr)++;
		covered += take;
		if (in + take == d->len && !(d->flags & TOE_SEND_MORE))
			*psh = true;
		if (in + take == d->len)
			d = d->next;
	}
	if (d && covered == len)
		tp->sq_cursor = d;
	return covered;
}

static bool sq_tail_more(const struct toe_tcp_cb *tp)
{
	return tp->sq_tail && (tp->sq_tail->flags & TOE_SEND_MORE);
}

/*
 * Whether a sub-MSS tail waits. Nagle (RFC 896, RFC 9293 3.7.4) in
 * Minshall's form: a small segment waits while an earlier small segment is
 * unacknowledged, so the tail of a large write goes at once and small
 * writes still coalesce. TOE_SEND_MORE (like MSG_MORE) holds the tail while
 * anything is unacknowledged, whatever TOE_OPT_NODELAY says.
 */
static bool nagle_holds(const struct toe_tcp_cb *tp)
{
	if (sq_tail_more(tp))
		return tp->snd_max != tp->snd_una;
	if (tp->flags & TOE_TCB_NODELAY)
		return false;
	return toe_seq_gt(tp->snd_sml, tp->snd_una);
}

/* ---- emitting one segment ------------------------------------------------ */

static u32 syn_options(struct toe_engine *eng, struct toe_sock *sk, u8 *opts,
		       bool synack)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_syn_opts so = {
		.mss = tp->adv_mss,
		.wscale = tp->rcv_wscale,
	};

	/* A SYN offers everything; a SYN-ACK echoes what the peer offered. */
	so.wscale_ok = !synack || (tp->flags & TOE_TCB_WS_OK);
	so.ts_ok = !synack || (tp->flags & TOE_TCB_TS_OK);
	so.sack_ok = synack ? (tp->flags & TOE_TCB_SACK_OK) :
			      eng->tcp.tun.sack != 0;
	if (so.ts_ok) {
		so.tsval = toe_tcp_ts_now(tp, toe_os_now_us());
		so.tsecr = synack ? tp->ts_recent : 0;
	}
	return toe_tcp_opts_build_syn(opts, &so);
}

int toe_tcp_emit(struct toe_engine *eng, struct toe_sock *sk,
		 const struct toe_tcp_seg_out *so)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tx_frag frags[TOE_TX_MAX_FRAGS];
	u8 hdr[TCP_HDR_BUF];
	u8 opts[TOE_TCP_MAX_OPTLEN];
	struct toe_l4_out l4 = { 0 };
	u32 optlen = 0, nr = 0, len = so->len, win, segs;
	u32 adv = tp->rcv_adv;
	u8 flags = so->flags;
	bool psh = false, sack_owed = false;
	int rc;

	if (so->syn_opts) {
		optlen = syn_options(eng, sk, opts, flags & TOE_TCPF_ACK);
		/* RFC 7323 2.2: the window in a SYN is never scaled. */
		win = toe_tcp_window_now(eng, sk);
		if (win > TOE_TCP_MAX_WIN)
			win = TOE_TCP_MAX_WIN;
		/*
		 * A retransmitted SYN-ACK may offer less than the first one
		 * did (other sockets took buflets meanwhile), but the peer
		 * may send into the first one's window.
		 */
		if (toe_seq_gt(tp->rcv_nxt + win, tp->rcv_adv))
			tp->rcv_adv = tp->rcv_nxt + win;
	} else {
		if ((tp->flags & TOE_TCB_TS_OK) && !(flags & TOE_TCPF_RST))
			optlen = toe_tcp_opts_build_ts(
				opts, toe_tcp_ts_now(tp, toe_os_now_us()),
				tp->ts_recent);
		win = (flags & TOE_TCPF_RST) ? 0 :
					      toe_tcp_select_window(eng, sk);
		if (!(flags & TOE_TCPF_RST) && toe_tcp_sack_rx_pending(tp)) {
			/*
			 * A data segment carries the blocks only where they
			 * fit within the MSS; otherwise a pure ACK follows.
			 */
			u32 room = TOE_TCP_MAX_OPTLEN - optlen;
			bool complete;
			u32 n;

			if (len && len + TOE_TCP_SACK_OPTLEN(1) > tp->mss)
				room = 0;
			else if (len && tp->mss - len < room)
				room = tp->mss - len;
			n = room ? toe_tcp_sack_rx_build(eng, sk, opts + optlen,
							 room, &complete) :
				   0;
			optlen += n;
			sack_owed = len && !n;
		}
	}
	if (len) {
		len = sq_frags(tp, so->seq, len, frags, &nr, &psh);
		if (psh)
			flags |= TOE_TCPF_PSH;
	}
	l4.hdr_len = build_hdr(hdr, sk->local_port, sk->remote_port, so->seq,
			       (flags & TOE_TCPF_ACK) ? so->ack : 0, flags,
			       (u16)win, opts, optlen);
	l4.hdr = hdr;
	l4.frags = frags;
	l4.nr_frags = nr;
	l4.payload_len = len;
	/* A PLPMTUD probe is one frame larger than the MSS (gso_size 0). */
	l4.gso_size = len > tp->mss ? so->gso_size : 0;
	l4.proto = TOE_PROTO_TCP;
	l4.df = !(tp->pmtu.flags & TOE_PMTU_NO_DF);
	rc = toe_ip_output(eng, sk, &l4);
	if (rc < 0)
		tp->rcv_adv = adv; /* an edge that never left promised nothing */

	segs = l4.gso_size ? (len + l4.gso_size - 1) / l4.gso_size : 1;
	TOE_TCP_STAT_ADD(eng, sk, segs_out, segs);
	TOE_CTR_ADD(eng, tcp_segs_out, segs);
	TOE_TCP_STAT_ADD(eng, sk, bytes_out, len);
	if (flags & TOE_TCPF_RST) {
		TOE_TCP_STAT_INC(eng, sk, rst_out);
		TOE_CTR_INC(eng, tcp_rst_out);
	}
	if (flags & TOE_TCPF_ACK) {
		tp->last_ack_sent = tp->rcv_nxt;
		tp->rcv_unacked = 0;
		tp->flags &= ~TOE_TCB_ACK_NOW;
		toe_timer_cancel(eng, &tp->delack_timer);
		if (sack_owed)
			tp->flags |= TOE_TCB_ACK_NOW;
	}
	return rc < 0 ? rc : (int)len;
}

/* ---- control segments ------------------------------------------------------ */

/*
 * A pure ACK carries snd_max, not snd_nxt: after a timeout snd_nxt is back
 * at snd_una, and a sequence number below what the peer already received
 * would make the peer discard the ACK as unacceptable.
 */
int toe_tcp_send_ack(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_seg_out so = {
		.seq = tp->snd_max,
		.ack = tp->rcv_nxt,
		.flags = TOE_TCPF_ACK,
	};

	return toe_tcp_emit(eng, sk, &so);
}

/*
 * RFC 5961 section 7: challenge ACKs are throttled per connection (a
 * per-connection budget cannot serve as the global side channel of
 * CVE-2016-5696).
 */
void toe_tcp_send_challenge_ack(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	const struct toe_tcp_tunables *tun = &eng->tcp.tun;
	u64 now = toe_os_now_us();

	if (now - tp->chack_window_us >=
	    (u64)tun->challenge_ack_window_ms * 1000) {
		tp->chack_window_us = now;
		tp->chack_count = 0;
	}
	if (tp->chack_count >= tun->challenge_ack_limit) {
		TOE_TCP_STAT_INC(eng, sk, challenge_acks_suppressed);
		return;
	}
	tp->chack_count++;
	TOE_TCP_STAT_INC(eng, sk, challenge_acks);
	toe_tcp_send_ack(eng, sk);
}

/*
 * The ACK that answers a segment TCP refused: out of the window, failing
 * PAWS, or acknowledging what was never sent. A segment with data or a
 * FIN is the peer retransmitting (our ACK was lost), and always gets its
 * answer. Anything else may be an ACK of our own answer: two stacks that
 * disagree on the window would otherwise trade ACKs forever, and a
 * spoofer would get one reflected ACK per segment. Those answers come at
 * most once per interval per connection (Linux's tcp_invalid_ratelimit,
 * RFC 5961 section 7).
 */
void toe_tcp_send_dupack(struct toe_engine *eng, struct toe_sock *sk,
			 const struct toe_pkt *pkt)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u64 now;

	if (toe_tcp_seg_len(pkt) && !(pkt->tcp_flags & TOE_TCPF_SYN)) {
		toe_tcp_send_ack(eng, sk);
		return;
	}
	now = toe_os_now_us();
	if (now < tp->oow_ack_allowed_us) {
		TOE_TCP_STAT_INC(eng, sk, oow_acks_suppressed);
		return;
	}
	tp->oow_ack_allowed_us =
		now + (u64)eng->tcp.tun.oow_ack_interval_ms * 1000;
	toe_tcp_send_ack(eng, sk);
}

int toe_tcp_send_syn(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_seg_out so = {
		.seq = tp->iss,
		.ack = tp->rcv_nxt,
		.flags = TOE_TCPF_SYN,
		.syn_opts = true,
	};

	if (tp->state == TOE_TCPS_SYN_RECEIVED)
		so.flags |= TOE_TCPF_ACK;
	if (toe_seq_lt(tp->snd_max, tp->iss + 1))
		tp->snd_max = tp->iss + 1;
	tp->snd_nxt = tp->iss + 1;
	return toe_tcp_emit(eng, sk, &so);
}

int toe_tcp_send_rst(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_seg_out so = {
		.seq = tp->snd_max,
		.ack = tp->rcv_nxt,
		.flags = TOE_TCPF_RST | TOE_TCPF_ACK,
	};

	return toe_tcp_emit(eng, sk, &so);
}

/*
 * The RST that answers a segment for no connection (RFC 9293 3.10.7.1):
 * <SEQ=SEG.ACK><CTL=RST> when it carries an ACK, else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. Never answers a RST.
 */
void toe_tcp_send_rst_reply(struct toe_engine *eng, const struct toe_pkt *pkt)
{
	struct toe_l3_addr a;
	struct toe_l4_out l4 = { 0 };
	u8 hdr[TOE_TCP_HLEN_MIN];
	u32 seq = 0, ack = 0;
	u8 flags = TOE_TCPF_RST;

	if (pkt->tcp_flags & TOE_TCPF_RST)
		return;
	if (pkt->tcp_flags & TOE_TCPF_ACK) {
		seq = pkt->ack;
	} else {
		ack = pkt->seq + toe_tcp_seg_len(pkt);
		flags |= TOE_TCPF_ACK;
	}
	toe_pkt_reply_addr(pkt, &a);
	l4.hdr_len = build_hdr(hdr, pkt->dst_port, pkt->src_port, seq, ack,
			       flags, 0, NULL, 0);
	l4.hdr = hdr;
	l4.proto = TOE_PROTO_TCP;
	l4.df = 1;
	toe_ip_output_addr(eng, &a, &l4);
	eng->tcp.stats.rst_out++;
	eng->tcp.stats.segs_out++;
	TOE_CTR_INC(eng, tcp_rst_out);
	TOE_CTR_INC(eng, tcp_segs_out);
}

/*
 * The window a cookie SYN-ACK offers, unscaled. It depends on the
 * configuration alone, so the connection the cookie ACK creates keeps as
 * its right edge exactly what the SYN-ACK advertised.
 */
u32 toe_tcp_cookie_window(const struct toe_engine *eng)
{
	u32 win = eng->cfg.sock_buflets_max * eng->cfg.buflet_size;

	return win < TOE_TCP_MAX_WIN ? win : TOE_TCP_MAX_WIN;
}

/*
 * A SYN-ACK that keeps no state: our ISS is the cookie and, when the SYN
 * carried timestamps, our TSval carries the peer's window scale.
 */
void toe_tcp_send_cookie_synack(struct toe_engine *eng,
				const struct toe_pkt *pkt,
				const struct toe_tcp_opts *peer, u32 iss,
				u16 adv_mss, u32 ts_offset)
{
	struct toe_tcp_syn_opts so = { .mss = adv_mss };
	struct toe_l3_addr a;
	struct toe_l4_out l4 = { 0 };
	u8 hdr[TCP_HDR_BUF];
	u8 opts[TOE_TCP_MAX_OPTLEN];
	u32 optlen, win;

	if (peer->flags & TOE_TCPOPT_F_WSCALE) {
		so.wscale_ok = true;
		so.wscale = (u8)eng->tcp.tun.rcv_wscale;
	}
	if (peer->flags & TOE_TCPOPT_F_TS) {
		u32 now = (u32)(toe_os_now_us() >> TOE_TCP_TS_SHIFT) +
			  ts_offset;

		so.ts_ok = true;
		/* SACK-permitted is remembered only in the timestamp. */
		so.sack_ok = (peer->flags & TOE_TCPOPT_F_SACK_PERM) &&
			     eng->tcp.tun.sack;
		so.tsval = toe_tcp_cookie_tsval(
			now,
			(peer->flags & TOE_TCPOPT_F_WSCALE) ?
				peer->wscale :
				TOE_TCP_COOKIE_NO_WSCALE,
			so.sack_ok);
		so.tsecr = peer->tsval;
	}
	optlen = toe_tcp_opts_build_syn(opts, &so);
	win = toe_tcp_cookie_window(eng);
	toe_pkt_reply_addr(pkt, &a);
	l4.hdr_len = build_hdr(hdr, pkt->dst_port, pkt->src_port, iss,
			       pkt->seq + 1, TOE_TCPF_SYN | TOE_TCPF_ACK,
			       (u16)win, opts, optlen);
	l4.hdr = hdr;
	l4.proto = TOE_PROTO_TCP;
	l4.df = 1;
	toe_ip_output_addr(eng, &a, &l4);
	eng->tcp.stats.segs_out++;
	TOE_CTR_INC(eng, tcp_segs_out);
}

/* An ACK-eliciting segment below the window: seq = SND.UNA - 1, no data. */
static void send_probe(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_seg_out so = {
		.seq = tp->snd_una - 1,
		.ack = tp->rcv_nxt,
		.flags = TOE_TCPF_ACK,
	};

	toe_tcp_emit(eng, sk, &so);
}

/*
 * Zero-window probe. RFC 9293 3.8.6.1 lets the probe be a retransmission;
 * an old sequence number forces the peer to answer with its current window
 * without our having to manage a probe byte beyond the window.
 */
void toe_tcp_send_window_probe(struct toe_engine *eng, struct toe_sock *sk)
{
	TOE_TCP_STAT_INC(eng, sk, window_probes);
	send_probe(eng, sk);
}

/* RFC 9293 3.8.4: a keepalive is <SEQ=SND.NXT-1> with no data. */
void toe_tcp_send_keepalive(struct toe_engine *eng, struct toe_sock *sk)
{
	TOE_TCP_STAT_INC(eng, sk, keepalive_probes);
	send_probe(eng, sk);
}

/* ---- data ------------------------------------------------------------------ */

bool toe_tcp_can_send_data(u8 state)
{
	switch (state) {
	case TOE_TCPS_ESTABLISHED:
	case TOE_TCPS_CLOSE_WAIT:
	case TOE_TCPS_FIN_WAIT_1:
	case TOE_TCPS_CLOSING:
	case TOE_TCPS_LAST_ACK:
		return true;
	default:
		return false;
	}
}

void toe_tcp_sent_range(struct toe_engine *eng, struct toe_sock *sk, u32 seq,
			u32 len, bool fin)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u32 end = seq + len + fin;
	u64 now = toe_os_now_us();

	if (toe_seq_lt(seq, tp->snd_max)) {
		u32 segs = len > tp->mss ? (len + tp->mss - 1) / tp->mss : 1;

		TOE_TCP_STAT_ADD(eng, sk, retransmits, segs);
		TOE_CTR_ADD(eng, tcp_retransmits, segs);
		toe_sock_trace(eng, sk, TOE_TRACE_RETRANSMIT, 0, seq, len);
		toe_tcp_pmtu_retransmitted(eng, sk, seq, end);
		/* Karn: a retransmitted range cannot be timed. */
		if ((tp->flags & TOE_TCB_RTT_TIMING) &&
		    toe_seq_lt(seq, tp->rtt_seq))
			tp->flags &= ~TOE_TCB_RTT_TIMING;
	}
	if (toe_seq_gt(end, tp->snd_max)) {
		if (!(tp->flags & TOE_TCB_RTT_TIMING)) {
			tp->flags |= TOE_TCB_RTT_TIMING;
			tp->rtt_seq = end;
			tp->rtt_start_us = now;
		}
		tp->snd_max = end;
	}
	if (fin)
		tp->flags |= TOE_TCB_FIN_SENT;
	toe_tcp_recovery_sent(eng, sk, seq, end, now);
	if (len)
		tp->last_send_us = now;
	if (len && len < tp->mss && toe_seq_gt(seq + len, tp->snd_sml))
		tp->snd_sml = seq + len;
	if (!toe_timer_pending(&tp->rtx_timer) ||
	    (tp->flags & TOE_TCB_PERSIST)) {
		tp->flags &= ~TOE_TCB_PERSIST;
		toe_tcp_rtx_arm(eng, sk);
	}
}

/*
 * A super-frame's IPv4 total length must fit 16 bits with the largest IP
 * and TCP headers in front of its payload.
 */
#define GSO_PAYLOAD_MAX (65535u - 60u - 60u)

/* Largest payload of one emitted frame. */
static u32 frame_limit(struct toe_engine *eng, const struct toe_tcp_cb *tp)
{
	u32 gso = toe_engine_gso_max(eng);

	if (gso > GSO_PAYLOAD_MAX)
		gso = GSO_PAYLOAD_MAX;
	if (gso > tp->mss)
		return gso - gso % tp->mss;
	return tp->mss;
}

/*
 * Sends what the windows, Nagle and SWS avoidance allow. Data is sent
 * from snd_nxt, which after a timeout is back at snd_una (go-back-N, with
 * cwnd at one segment), so the same loop retransmits.
 */
void toe_tcp_output(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	u32 limit;

	if (!toe_tcp_can_send_data(tp->state) || !tp->mss)
		return;
	limit = frame_limit(eng, tp);
	/* RFC 5681 4.1: restart from the initial window after idling. */
	if (tp->snd_una == tp->snd_max && tp->sq_head &&
	    toe_os_now_us() - tp->last_send_us > toe_tcp_rto_current(&tp->rto))
		toe_tcp_cc_after_idle(&tp->cc, toe_os_now_us());

	/* RFC 6675 NextSeg: what the scoreboard holds lost goes first. */
	if ((tp->flags & TOE_TCB_SACK_OK) && tp->sb.lost_bytes &&
	    !toe_tcp_recovery_output(eng, sk, limit))
		return;

	for (;;) {
		u32 outstanding = tp->snd_nxt - tp->snd_una;
		/* With SACK, cwnd limits the pipe rather than the flight. */
		u32 in_flight = (tp->flags & TOE_TCB_SACK_OK) ?
					toe_tcp_sb_pipe(&tp->sb, tp->snd_una,
							tp->snd_max) :
					outstanding;
		u32 cwnd_room = tp->cc.cwnd > in_flight ?
					tp->cc.cwnd - in_flight :
					0;
		u32 usable = tp->snd_wnd > outstanding ?
				     tp->snd_wnd - outstanding :
				     0;
		u32 avail = toe_seq_lt(tp->snd_nxt, tp->snd_end) ?
				    tp->snd_end - tp->snd_nxt : 0;
		bool fin_due = (tp->flags & TOE_TCB_FIN_QUEUED) &&
			       toe_seq_leq(tp->snd_nxt, tp->snd_end);
		bool force = tp->flags & TOE_TCB_FORCE;
		struct toe_tcp_seg_out so = { .flags = TOE_TCPF_ACK };
		u32 len, probe;
		bool fin;
		int rc;

		if (cwnd_room < usable)
			usable = cwnd_room;
		if (!avail && !fin_due)
			break;
		len = avail < usable ? avail : usable;
		if (len > limit)
			len = limit;
		probe = toe_tcp_pmtu_probe_len(eng, sk, usable, avail);
		if (probe) {
			/* PLPMTUD: one frame of the probed size. */
			so.seq = tp->snd_nxt;
			so.ack = tp->rcv_nxt;
			so.len = probe;
			rc = toe_tcp_emit(eng, sk, &so);
			if (rc <= 0)
				break; /* the port dropped it: try again later */
			/* Cut short (fragments): ordinary data, no probe. */
			if ((u32)rc == probe)
				toe_tcp_pmtu_probe_sent(eng, sk, so.seq, probe);
			toe_tcp_sent_range(eng, sk, so.seq, (u32)rc, false);
			tp->snd_nxt = so.seq + (u32)rc;
			continue;
		}
		if (len < avail && len < tp->mss && !force) {
			/*
			 * Window-limited: sender SWS avoidance, RFC 9293
			 * 3.8.6.2.1; the persist timer overrides it.
			 */
			if (!len || len < tp->max_sndwnd / 2) {
				if (tp->snd_una == tp->snd_max)
					toe_tcp_persist_arm(eng, sk);
				break;
			}
		} else if (len && len == avail && len < tp->mss && !fin_due &&
			   !force && nagle_holds(tp)) {
			break;
		}
		/* The FIN needs one byte of window after the data. */
		fin = fin_due && len == avail && (usable > len || force);
		if (!len && !fin) {
			if (tp->snd_una == tp->snd_max)
				toe_tcp_persist_arm(eng, sk);
			break;
		}
		tp->flags &= ~TOE_TCB_FORCE;
		so.seq = tp->snd_nxt;
		so.ack = tp->rcv_nxt;
		so.len = len;
		so.gso_size = tp->mss;
		if (fin)
			so.flags |= TOE_TCPF_FIN;
		rc = toe_tcp_emit(eng, sk, &so);
		if (rc >= 0 && (u32)rc < len) {
			/* The fragment array filled up: send the rest next. */
			len = (u32)rc;
			fin = false;
			so.flags &= ~TOE_TCPF_FIN;
		}
		toe_tcp_sent_range(eng, sk, so.seq, len, fin);
		tp->snd_nxt = so.seq + len + fin;
		if (rc < 0)
			break; /* dropped by the port: the timer recovers */
	}
}

/*
 * After in-order data: ACK at once for every second full-sized segment
 * (RFC 5681 4.2, counted in bytes so GRO super-frames count right), else
 * within the delayed-ACK bound.
 */
void toe_tcp_ack_maybe_delayed(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	if (tp->rcv_unacked >= 2u * tp->rcv_mss)
		tp->flags |= TOE_TCB_ACK_NOW;
	else if (tp->rcv_unacked && !toe_timer_pending(&tp->delack_timer))
		toe_tcp_delack_arm(eng, sk);
}
