// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Segment sizes: the send MSS from the link, the peer's MSS option, the
 * host's TOE_OPT_MAXSEG and the path MTU, which is learnt two ways.
 *
 * - ICMP "fragmentation needed" (RFC 1191), accepted only when the
 *   sequence number it quotes is in flight, [SND.UNA, SND.MAX) (RFC 5927
 *   4.1), so a blind attacker must guess the window. The MTU it reports
 *   (or, when it reports none, the RFC 1191 plateau below the quoted
 *   datagram's length) is floored at tun.pmtu_min; a path clamped to the
 *   floor is sent without DF so that smaller hops may fragment, as Linux
 *   does with min_pmtu. What went out larger is sent again at once in
 *   segments of the new size: not a congestion signal.
 * - Packetization-layer PMTUD (RFC 4821, RFC 8899) for paths whose ICMP is
 *   lost: tun.plpmtud_blackhole_rtos timeouts in a row of a segment
 *   larger than the next size down mean a black hole (as Linux's
 *   tcp_mtu_probing = 1), and the path drops to tun.plpmtud_base (then
 *   halves, down to the floor). From there probes search upward: one
 *   segment of the probed size, new data, while nothing else is being
 *   recovered. The first probe tries the size that stopped working (a
 *   long outage looks like a black hole too), then the search halves
 *   [search_low, search_high]. An acknowledged probe raises the MTU; a
 *   lost one (three duplicate ACKs, a timeout, or an ICMP error about it)
 *   lowers search_high, is sent again at the current size, and leaves the
 *   congestion window alone (RFC 4821 7.6.2). The search ends when the
 *   bounds are tun.plpmtud_probe_threshold apart.
 * - A path MTU below what the link and the peer allow is searched again
 *   after tun.pmtu_reprobe_s, so an ICMP-learnt MTU ages like a route's
 *   (a probe that is too big meets the same ICMP or loss again).
 *
 * The state is per connection (struct toe_tcp_pmtu): the engine keeps no
 * route cache, so each connection to a destination learns its path itself.
 */
#include "tcp_int.h"

#define PMTU_HDRS (TOE_IP_HLEN_MIN + TOE_TCP_HLEN_MIN)

static u32 optlen(const struct toe_tcp_cb *tp)
{
	return (tp->flags & TOE_TCB_TS_OK) ? TOE_TCP_TS_OPTLEN : 0;
}

/*
 * The largest segment (options included) the link, the peer and the host
 * allow, before the path is considered; sets the MSS we announce.
 */
static u32 mss_cap(struct toe_engine *eng, struct toe_tcp_cb *tp)
{
	u32 adv = toe_engine_mtu(eng);
	u32 snd = tp->peer_mss ? tp->peer_mss : TOE_TCP_DEFAULT_MSS;

	if (tp->user_mss && tp->user_mss < adv)
		adv = tp->user_mss;
	if (adv < TOE_TCP_MIN_MSS)
		adv = TOE_TCP_MIN_MSS;
	tp->adv_mss = (u16)adv;
	if (snd > adv)
		snd = adv;
	if (snd < TOE_TCP_MIN_MSS)
		snd = TOE_TCP_MIN_MSS;
	return snd;
}

/* The largest datagram worth probing for. */
static u32 mtu_cap(struct toe_engine *eng, struct toe_tcp_cb *tp)
{
	u32 cap = mss_cap(eng, tp) + PMTU_HDRS;

	return cap < eng->cfg.mtu ? cap : eng->cfg.mtu;
}

/* The send MSS from everything above; leaves the congestion state alone. */
static void compute_mss(struct toe_engine *eng, struct toe_tcp_cb *tp)
{
	u32 snd = mss_cap(eng, tp);
	u32 path = tp->pmtu.mtu ? tp->pmtu.mtu : eng->cfg.mtu;

	if (path - PMTU_HDRS < snd)
		snd = path - PMTU_HDRS;
	if (snd < TOE_TCP_MIN_MSS)
		snd = TOE_TCP_MIN_MSS;
	/* RFC 9293 3.7.1: options come out of the MSS. */
	tp->mss = (u16)(snd - optlen(tp));
	if (!tp->rcv_mss) {
		u32 rcv = tp->adv_mss - optlen(tp);

		tp->rcv_mss = (u16)(rcv > TOE_TCP_DEFAULT_MSS ?
					    TOE_TCP_DEFAULT_MSS : rcv);
	}
}

void toe_tcp_update_mss(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	compute_mss(eng, tp);
	toe_tcp_cc_set_mss(&tp->cc, tp->mss);
}

/*
 * The path MTU changed on a live connection. cwnd stays in bytes: a
 * smaller MTU is no congestion (RFC 1191), a larger one is no reason to
 * burst; only the segment size the controller counts with follows.
 */
static void set_mtu(struct toe_engine *eng, struct toe_sock *sk, u32 mtu)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);

	tp->pmtu.mtu = (u16)mtu;
	compute_mss(eng, tp);
	tp->cc.smss = tp->mss;
}

static u64 reprobe_at(struct toe_engine *eng)
{
	return toe_os_now_us() + (u64)eng->tcp.tun.pmtu_reprobe_s * 1000000;
}

/* The bounds are close enough: the search is over until reprobe_us. */
static void search_check_done(struct toe_engine *eng, struct toe_tcp_pmtu *pm)
{
	if (pm->search_high < pm->search_low)
		pm->search_high = pm->search_low;
	if (pm->search_high - pm->search_low >=
	    eng->tcp.tun.plpmtud_probe_threshold)
		return;
	pm->flags &= ~(TOE_PMTU_SEARCHING | TOE_PMTU_HIGH_FIRST);
	pm->reprobe_us = reprobe_at(eng);
}

static void search_start(struct toe_engine *eng, struct toe_tcp_pmtu *pm,
			 u32 high)
{
	pm->search_low = pm->mtu;
	pm->search_high = (u16)high;
	pm->flags |= TOE_PMTU_SEARCHING | TOE_PMTU_HIGH_FIRST;
	search_check_done(eng, pm);
}

/* A probe did not get through: it caps the search, and is sent again. */
static void probe_lost(struct toe_engine *eng, struct toe_sock *sk, u32 high,
		       bool resend)
{
	struct toe_tcp_pmtu *pm = &toe_tcp(sk)->pmtu;
	u32 end = pm->probe_end;

	TOE_TCP_STAT_INC(eng, sk, plpmtud_probes_lost);
	if (high < pm->search_high)
		pm->search_high = (u16)high;
	pm->flags &= ~TOE_PMTU_HIGH_FIRST;
	pm->probe_size = 0;
	pm->probe_dupacks = 0;
	/* Duplicate ACKs for probe_seq now wait for the resent bytes. */
	pm->flags |= TOE_PMTU_PROBE_LOST;
	search_check_done(eng, pm);
	if (resend)
		toe_tcp_resend_flight(eng, sk, end);
}

/* ---- ICMP ------------------------------------------------------------- */

/* RFC 1191 section 7: the plateaus of common MTUs, largest first. */
static const u16 plateaus[] = { 32000, 17914, 8166, 4352, 2002,
				1492,  1006,  508,  296,  68 };

static u32 plateau_below(u32 len)
{
	u32 i;

	for (i = 0; i < TOE_ARRAY_SIZE(plateaus); i++)
		if (plateaus[i] < len)
			return plateaus[i];
	return 68;
}

void toe_tcp_icmp_frag_needed(struct toe_engine *eng, struct toe_sock *sk,
			      const struct toe_pkt *pkt)
{
	struct toe_sock *prev = toe_tcp_enter(eng, sk);
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_pmtu *pm = &tp->pmtu;
	const struct toe_pkt_icmp *ic = &pkt->icmp;
	u32 seq = ic->orig_seq;
	u32 mtu = ic->mtu;
	bool lowered;

	TOE_TCP_STAT_INC(eng, sk, pmtu_icmp_in);
	/* RFC 5927 4.1: about a segment in flight, or forged. */
	if (toe_seq_lt(seq, tp->snd_una) || toe_seq_geq(seq, tp->snd_max)) {
		TOE_TCP_STAT_INC(eng, sk, pmtu_icmp_ignored);
		goto out;
	}
	/* RFC 1191 5: an old router says nothing, or nonsense. */
	if (!mtu || mtu >= ic->orig_len)
		mtu = plateau_below(ic->orig_len);
	if (mtu < eng->tcp.tun.pmtu_min) {
		mtu = eng->tcp.tun.pmtu_min;
		/* A hop below the floor may fragment what we send. */
		pm->flags |= TOE_PMTU_NO_DF;
	}
	lowered = mtu < pm->mtu;
	if (pm->probe_size && toe_seq_geq(seq, pm->probe_seq) &&
	    toe_seq_lt(seq, pm->probe_end))
		probe_lost(eng, sk, mtu < pm->probe_size ? mtu :
				    pm->probe_size - 1u, !lowered);
	if (!lowered)
		goto out;
	TOE_TCP_STAT_INC(eng, sk, pmtu_reductions);
	pm->probe_size = 0; /* the whole flight goes again below */
	set_mtu(eng, sk, mtu);
	if (pm->flags & TOE_PMTU_SEARCHING) {
		if (pm->search_high > mtu)
			pm->search_high = (u16)mtu;
		if (pm->search_low > mtu)
			pm->search_low = (u16)mtu;
		search_check_done(eng, pm);
	}
	pm->reprobe_us = reprobe_at(eng);
	toe_tcp_resend_flight(eng, sk, tp->snd_max);
out:
	toe_tcp_leave(eng, sk, prev);
}

/* ---- PLPMTUD ------------------------------------------------------------ */

bool toe_tcp_pmtu_timeout(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_pmtu *pm = &tp->pmtu;
	const struct toe_tcp_tunables *tun = &eng->tcp.tun;
	u32 data_end, next;

	if (pm->probe_size) {
		if (toe_seq_geq(tp->snd_una, pm->probe_seq) &&
		    toe_seq_lt(tp->snd_una, pm->probe_end)) {
			probe_lost(eng, sk, pm->probe_size - 1u, true);
			return true;
		}
		/* Earlier data timed out: the probe says nothing. */
		pm->probe_size = 0;
	}
	pm->flags &= ~TOE_PMTU_PROBE_LOST;
	if (!tun->plpmtud_blackhole_rtos ||
	    tp->rtx_count < tun->plpmtud_blackhole_rtos)
		return false;
	next = pm->mtu > tun->plpmtud_base ? tun->plpmtud_base : pm->mtu / 2u;
	if (next < tun->pmtu_min)
		next = tun->pmtu_min;
	if (next >= pm->mtu)
		return false;
	/* Only a segment larger than the next size down can be the cause. */
	data_end = toe_seq_lt(tp->snd_end, tp->snd_max) ? tp->snd_end :
							  tp->snd_max;
	if (!toe_seq_gt(data_end, tp->snd_una) ||
	    data_end - tp->snd_una + optlen(tp) + PMTU_HDRS <= next)
		return false;
	TOE_TCP_STAT_INC(eng, sk, plpmtud_blackholes);
	TOE_TCP_STAT_INC(eng, sk, pmtu_reductions);
	if (!(pm->flags & TOE_PMTU_SEARCHING)) {
		pm->search_high = pm->mtu;
		pm->flags |= TOE_PMTU_SEARCHING | TOE_PMTU_HIGH_FIRST;
	}
	set_mtu(eng, sk, next);
	pm->search_low = (u16)next;
	pm->flags &= ~TOE_PMTU_NO_DF;
	search_check_done(eng, pm);
	/* The timeout's go-back-N resends at the new size. */
	return false;
}

void toe_tcp_pmtu_on_ack(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_pmtu *pm = &tp->pmtu;

	if ((pm->flags & TOE_PMTU_PROBE_LOST) &&
	    toe_seq_gt(tp->snd_una, pm->probe_seq))
		pm->flags &= ~TOE_PMTU_PROBE_LOST;
	if (!pm->probe_size || toe_seq_lt(tp->snd_una, pm->probe_end))
		return;
	TOE_TCP_STAT_INC(eng, sk, plpmtud_probe_acked);
	pm->search_low = pm->probe_size;
	pm->flags &= ~TOE_PMTU_HIGH_FIRST;
	if (pm->probe_size > pm->mtu)
		set_mtu(eng, sk, pm->probe_size);
	pm->probe_size = 0;
	search_check_done(eng, pm);
}

/* RFC 4821 7.6.2: the loss of a probe alone is no congestion signal. */
bool toe_tcp_pmtu_loss_is_probe(struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_pmtu *pm = &tp->pmtu;

	return pm->probe_size && tp->sb.lost_bytes &&
	       toe_tcp_sb_lost_in(&tp->sb, pm->probe_seq, pm->probe_end) ==
		       tp->sb.lost_bytes;
}

/*
 * With SACK, RACK repairs a lost probe by resending its bytes in
 * segments of the current size; their acknowledgment then says nothing
 * about the probe's size. Any resend of a probe's bytes fails the probe.
 */
void toe_tcp_pmtu_retransmitted(struct toe_engine *eng, struct toe_sock *sk,
				u32 seq, u32 end)
{
	struct toe_tcp_pmtu *pm = &toe_tcp(sk)->pmtu;

	if (!pm->probe_size || !toe_seq_lt(seq, pm->probe_end) ||
	    !toe_seq_gt(end, pm->probe_seq))
		return;
	probe_lost(eng, sk, pm->probe_size - 1u, false);
}

bool toe_tcp_pmtu_dupack(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_pmtu *pm = &tp->pmtu;

	if ((pm->flags & TOE_PMTU_PROBE_LOST) && tp->snd_una == pm->probe_seq)
		return true;
	if (!pm->probe_size || tp->snd_una != pm->probe_seq)
		return false;
	if (++pm->probe_dupacks >= TOE_TCP_DUPACK_THRESHOLD)
		probe_lost(eng, sk, pm->probe_size - 1u, true);
	return true;
}

/* Starts a search upward once a lowered path MTU has aged. */
static void reprobe_check(struct toe_engine *eng, struct toe_sock *sk)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_pmtu *pm = &tp->pmtu;
	u32 cap;

	if (pm->flags & TOE_PMTU_SEARCHING ||
	    toe_os_now_us() < pm->reprobe_us)
		return;
	cap = mtu_cap(eng, tp);
	if (pm->mtu >= cap)
		return;
	pm->flags &= ~TOE_PMTU_NO_DF;
	search_start(eng, pm, cap);
}

u32 toe_tcp_pmtu_probe_len(struct toe_engine *eng, struct toe_sock *sk,
			   u32 usable, u32 avail)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_pmtu *pm = &tp->pmtu;
	u32 size, len;

	if (pm->mtu >= eng->cfg.mtu && !(pm->flags & TOE_PMTU_SEARCHING))
		return 0; /* the common case: nothing to learn */
	reprobe_check(eng, sk);
	/*
	 * One probe at a time, of new data, while nothing is recovered:
	 * its fate must say something about its size alone.
	 */
	if (!(pm->flags & TOE_PMTU_SEARCHING) || pm->probe_size ||
	    (pm->flags & (TOE_PMTU_NO_DF | TOE_PMTU_PROBE_LOST)) ||
	    tp->snd_nxt != tp->snd_max || tp->cc.in_recovery || tp->rtx_count)
		return 0;
	size = (pm->flags & TOE_PMTU_HIGH_FIRST) ?
		       pm->search_high :
		       (pm->search_low + pm->search_high + 1u) / 2u;
	if (size > mtu_cap(eng, tp))
		size = mtu_cap(eng, tp);
	len = size - PMTU_HDRS - optlen(tp);
	if (len <= tp->mss || len > avail || len > usable)
		return 0;
	return len;
}

void toe_tcp_pmtu_probe_sent(struct toe_engine *eng, struct toe_sock *sk,
			     u32 seq, u32 len)
{
	struct toe_tcp_cb *tp = toe_tcp(sk);
	struct toe_tcp_pmtu *pm = &tp->pmtu;

	TOE_TCP_STAT_INC(eng, sk, plpmtud_probes);
	pm->probe_size = (u16)(len + PMTU_HDRS + optlen(tp));
	pm->probe_seq = seq;
	pm->probe_end = seq + len;
	pm->probe_dupacks = 0;
}
