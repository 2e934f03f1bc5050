// Path MTU discovery: ICMP "fragmentation needed" checked against the
// flight (RFC 1191, RFC 5927), the floor and the plateau table, and
// PLPMTUD (RFC 4821) when a hop drops large segments without a word.
#include "tcp_harness.hpp"

#include <map>

using namespace toe::test;

namespace {

constexpr uint32_t kMss = 1448; // 1500 - 40 - 12 (timestamps)
constexpr uint32_t kRouter = ip4(10, 0, 0, 254);

uint32_t mss_for(uint32_t mtu)
{
	return mtu - 40 - 12;
}

// A frame's bytes with another TCP sequence number (for forged quotes).
Bytes with_seq(Bytes raw, uint32_t seq)
{
	size_t tcp = 14 + size_t(raw[14] & 0x0f) * 4;
	raw[tcp + 4] = uint8_t(seq >> 24);
	raw[tcp + 5] = uint8_t(seq >> 16);
	raw[tcp + 6] = uint8_t(seq >> 8);
	raw[tcp + 7] = uint8_t(seq);
	return raw;
}

// A connection with n full segments in flight.
struct Flight {
	TcpHarness t;
	Conn c;
	std::vector<Frame> frames;

	explicit Flight(int n, bool sack = false)
	{
		PeerOpts o;
		o.sack = sack;
		c = t.open_active(o);
		t.ack(c);
		t.send(c.h, pattern(size_t(n) * kMss, 9), 1);
		t.take_data(c, &frames);
		EXPECT_EQ(frames.size(), size_t(n));
	}
	toe_tcp_cb *tcb() { return t.tcb(c.h); }
	int icmp(const Bytes &about, uint16_t mtu)
	{
		return t.port().inject(build_icmp_frag_needed(about, mtu, kRouter));
	}
};

// Checks that frames carry [from, to) in order, each at most mtu bytes of
// IPv4 and each (but the last) a full segment of mss.
void expect_resent(const std::vector<Frame> &frames, uint32_t from,
		   uint32_t to, uint32_t mtu, bool df = true)
{
	uint32_t seq = from;
	for (const Frame &f : frames) {
		EXPECT_EQ(f.seq, seq) << f;
		EXPECT_LE(f.ip_total_len, mtu) << f;
		EXPECT_EQ(f.df, df) << f;
		seq += uint32_t(f.payload.size());
	}
	EXPECT_EQ(seq, to);
	ASSERT_FALSE(frames.empty());
	EXPECT_EQ(frames[0].payload.size(), mss_for(mtu));
}

// The peer at the far end of a path whose narrowest hop passes `limit`
// bytes of IPv4: larger frames vanish, no ICMP says so. It keeps
// out-of-order data and ACKs every segment it receives (a duplicate ACK
// when a gap remains), as a real receiver does.
struct PathPeer {
	TcpHarness &t;
	Conn &c;
	uint32_t limit;
	bool sack = false; // report what it holds out of order in SACK blocks
	uint32_t start; // sequence number of the first data byte
	Bytes stream;
	std::map<uint32_t, Bytes> ooo;
	uint64_t dropped = 0;
	uint32_t largest = 0; // largest frame that got through

	PathPeer(TcpHarness &h, Conn &conn, uint32_t lim)
		: t(h), c(conn), limit(lim), start(conn.rcv)
	{
	}
	uint32_t rcv_nxt() const { return start + uint32_t(stream.size()); }
	void take(uint32_t seq, const Bytes &p)
	{
		uint32_t end = seq + uint32_t(p.size());
		if (int32_t(end - rcv_nxt()) <= 0)
			return;
		if (int32_t(seq - rcv_nxt()) > 0) {
			Bytes &slot = ooo[seq];
			if (p.size() > slot.size())
				slot = p;
			return;
		}
		uint32_t skip = rcv_nxt() - seq;
		stream.insert(stream.end(), p.begin() + skip, p.end());
		for (auto it = ooo.begin(); it != ooo.end();) {
			if (int32_t(it->first - rcv_nxt()) > 0)
				break;
			Bytes q = std::move(it->second);
			uint32_t s = it->first;
			it = ooo.erase(it);
			take(s, q);
			it = ooo.begin();
		}
	}
	// Delivers everything the engine sent until it falls silent.
	void pump()
	{
		while (!t.port().tx_empty()) {
			Frame f = t.tx(c);
			if (f.payload.empty())
				continue;
			if (f.ip_total_len > limit) {
				dropped++;
				continue;
			}
			largest = std::max<uint32_t>(largest, f.ip_total_len);
			take(f.seq, f.payload);
			c.rcv = rcv_nxt();
			ack();
		}
	}
	void ack()
	{
		if (!sack || ooo.empty()) {
			t.ack(c);
			return;
		}
		std::vector<std::pair<uint32_t, uint32_t>> blocks;
		for (const auto &[seq, bytes] : ooo) {
			uint32_t end = seq + uint32_t(bytes.size());
			if (!blocks.empty() && int32_t(seq - blocks.back().second) <= 0) {
				if (int32_t(end - blocks.back().second) > 0)
					blocks.back().second = end;
			} else {
				blocks.emplace_back(seq, end);
			}
		}
		if (blocks.size() > 3)
			blocks.resize(3);
		TcpSpec s = t.seg(c, TH_ACK);
		s.options = tcp_options({tcpopt::timestamps(c.peer_tsval, c.echo),
					 tcpopt::sack(blocks)});
		t.inject(s);
	}
	// Runs the transfer until the engine has nothing unacknowledged,
	// moving the clock to its timers when it stalls.
	bool run(int max_timers = 200)
	{
		for (int i = 0; i < max_timers; i++) {
			pump();
			toe_tcp_cb *tp = t.tcb(c.h);
			if (tp->snd_una == tp->snd_max && !tp->sq_head)
				return true;
			if (!t.fire_next())
				t.port().poll();
		}
		return false;
	}
};

} // namespace

TEST(TcpPmtu, IcmpForASegmentInFlightLowersTheMssAndResendsTheFlight)
{
	Flight f(10);
	toe_sock_info before = f.t.info(f.c.h);
	Bytes icmp = build_icmp_frag_needed(f.frames[0].raw, 1280, kRouter);
	// The host stack gets ICMP as well; the engine takes a copy.
	EXPECT_EQ(f.t.port().classify(icmp), TOE_RX_SHARE);
	EXPECT_EQ(f.t.port().inject(icmp), TOE_RX_CONSUMED);

	EXPECT_EQ(f.tcb()->mss, mss_for(1280));
	EXPECT_EQ(f.tcb()->pmtu.mtu, 1280u);
	EXPECT_EQ(f.tcb()->stats.pmtu_icmp_in, 1u);
	EXPECT_EQ(f.tcb()->stats.pmtu_reductions, 1u);
	EXPECT_EQ(f.t.engine_stats().pmtu_reductions, 1u);
	// Everything in flight was too big: it goes again, in segments that
	// fit, at once and without a congestion response.
	auto resent = f.t.drain(f.c);
	expect_resent(resent, f.frames[0].seq,
		      f.frames.back().seq + kMss, 1280);
	toe_sock_info after = f.t.info(f.c.h);
	EXPECT_EQ(after.cwnd, before.cwnd);
	EXPECT_EQ(after.ssthresh, before.ssthresh);
	// The MSS we announce is the link's: our receive side is unchanged.
	EXPECT_EQ(f.tcb()->adv_mss, 1460u);

	// New data after the ACK uses the new size too.
	f.t.ack_to(f.c, f.frames.back().seq + kMss);
	f.t.send(f.c.h, pattern(3 * kMss, 3), 2);
	std::vector<Frame> more;
	f.t.take_data(f.c, &more);
	ASSERT_FALSE(more.empty());
	for (const Frame &m : more)
		EXPECT_LE(m.ip_total_len, 1280u) << m;
}

TEST(TcpPmtu, IcmpQuotingASequenceNumberOutsideTheFlightIsIgnored)
{
	Flight f(4);
	uint32_t una = f.frames[0].seq;
	uint32_t max = f.frames.back().seq + kMss;
	for (uint32_t seq : {una - 1, max, max + 100000, una - 70000}) {
		Bytes forged = with_seq(f.frames[0].raw, seq);
		EXPECT_EQ(f.icmp(forged, 600), TOE_RX_CONSUMED);
	}
	EXPECT_EQ(f.tcb()->stats.pmtu_icmp_in, 4u);
	EXPECT_EQ(f.tcb()->stats.pmtu_icmp_ignored, 4u);
	EXPECT_EQ(f.t.engine_stats().pmtu_icmp_ignored, 4u);
	EXPECT_EQ(f.tcb()->stats.pmtu_reductions, 0u);
	EXPECT_EQ(f.tcb()->mss, kMss);
	EXPECT_TRUE(f.t.port().tx_empty());

	// The last byte in flight is still in it.
	EXPECT_EQ(f.icmp(with_seq(f.frames[0].raw, max - 1), 1400),
		  TOE_RX_CONSUMED);
	EXPECT_EQ(f.tcb()->mss, mss_for(1400));
}

TEST(TcpPmtu, MtuBelowTheFloorClampsToItAndLetsRoutersFragment)
{
	Flight f(3);
	f.icmp(f.frames[1].raw, 300);
	EXPECT_EQ(f.tcb()->pmtu.mtu, 552u);
	EXPECT_EQ(f.tcb()->mss, mss_for(552));
	// A hop below the floor can only fragment: DF goes off.
	auto resent = f.t.drain(f.c);
	expect_resent(resent, f.frames[0].seq, f.frames.back().seq + kMss, 552,
		      false);
	EXPECT_NE(resent[0].ip_id, resent[1].ip_id);
}

TEST(TcpPmtu, NoNextHopMtuMeansThePlateauBelowTheQuotedDatagram)
{
	Flight f(2);
	// RFC 1191 5: the quoted datagram was 1500 bytes; 1492 is below it.
	f.icmp(f.frames[0].raw, 0);
	EXPECT_EQ(f.tcb()->pmtu.mtu, 1492u);
	EXPECT_EQ(f.tcb()->mss, mss_for(1492));
	// A report no smaller than the datagram is nonsense: the same.
	Flight g(2);
	g.icmp(g.frames[0].raw, 1500);
	EXPECT_EQ(g.tcb()->pmtu.mtu, 1492u);
}

TEST(TcpPmtu, RepeatedOrLargerReportsChangeNothing)
{
	Flight f(6);
	f.icmp(f.frames[0].raw, 1280);
	f.t.drain(f.c);
	// The router reports each of the big segments that reached it.
	f.icmp(f.frames[1].raw, 1280);
	f.icmp(f.frames[2].raw, 1400);
	EXPECT_TRUE(f.t.port().tx_empty());
	EXPECT_EQ(f.tcb()->stats.pmtu_icmp_in, 3u);
	EXPECT_EQ(f.tcb()->stats.pmtu_reductions, 1u);
	EXPECT_EQ(f.tcb()->mss, mss_for(1280));
	// A smaller hop further on lowers it again.
	f.icmp(f.frames[3].raw, 1006);
	EXPECT_EQ(f.tcb()->mss, mss_for(1006));
	EXPECT_EQ(f.tcb()->stats.pmtu_reductions, 2u);
}

TEST(TcpPmtu, IcmpForNoConnectionOfOursIsLeftToTheHost)
{
	Flight f(1);
	Bytes other = f.frames[0].raw;
	other[14 + 20 + 0] ^= 0x40; // another local port
	Bytes icmp = build_icmp_frag_needed(other, 1280, kRouter);
	EXPECT_EQ(f.t.port().classify(icmp), TOE_RX_NOT_MINE);
	EXPECT_EQ(f.t.port().inject(icmp), TOE_RX_NOT_MINE);
	EXPECT_EQ(f.t.engine_stats().pmtu_icmp_in, 0u);

	// Other ICMP messages (an echo request) are not the engine's at all.
	Bytes echo{8, 0, 0xf7, 0xfe, 0, 1, 0, 0};
	Bytes ping = build_ipv4(kPeerMac, kLocalMac, kPeerIp, kLocalIp, 1, echo);
	EXPECT_EQ(f.t.port().classify(ping), TOE_RX_NOT_MINE);
	EXPECT_EQ(f.t.port().inject(ping), TOE_RX_NOT_MINE);
}

TEST(TcpPmtu, IcmpWithABadChecksumOrAShortQuoteIsDropped)
{
	Flight f(2);
	Bytes icmp = build_icmp_frag_needed(f.frames[0].raw, 1280, kRouter);
	icmp[14 + 20 + 6] ^= 0x01; // the MTU, under the checksum
	EXPECT_EQ(f.t.port().inject(icmp), TOE_RX_NOT_MINE);
	// Only 4 bytes of TCP quoted: no sequence number to check.
	Bytes short_quote =
		build_icmp_frag_needed(f.frames[0].raw, 1280, kRouter, 24);
	EXPECT_EQ(f.t.port().classify(short_quote), TOE_RX_NOT_MINE);
	EXPECT_EQ(f.t.port().inject(short_quote), TOE_RX_NOT_MINE);
	EXPECT_EQ(f.tcb()->stats.pmtu_icmp_in, 0u);
	EXPECT_EQ(f.tcb()->mss, kMss);
	// The whole datagram quoted (as Linux routers do, up to 576 bytes).
	Bytes long_quote =
		build_icmp_frag_needed(f.frames[0].raw, 1280, kRouter, 548);
	EXPECT_EQ(f.t.port().inject(long_quote), TOE_RX_CONSUMED);
	EXPECT_EQ(f.tcb()->mss, mss_for(1280));
}

TEST(TcpPmtu, BlackHoleFallsBackToTheBaseThenProbesUpToThePath)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.ack(c);
	PathPeer peer(t, c, 1280);
	Bytes data = pattern(1 << 20, 4);
	t.send(c.h, data, 1);
	ASSERT_TRUE(peer.run());
	EXPECT_EQ(peer.stream, data);

	toe_tcp_cb *tp = t.tcb(c.h);
	EXPECT_EQ(tp->stats.plpmtud_blackholes, 1u);
	EXPECT_GT(peer.dropped, 0u);
	// Probes found the hop's size, to within the search's threshold.
	EXPECT_GE(tp->stats.plpmtud_probes, 3u);
	EXPECT_GE(tp->stats.plpmtud_probe_acked, 1u);
	EXPECT_GE(tp->stats.plpmtud_probes_lost, 1u);
	EXPECT_LE(tp->pmtu.mtu, 1280u);
	EXPECT_GT(tp->pmtu.mtu, 1280u - t.eng()->tcp.tun.plpmtud_probe_threshold);
	EXPECT_EQ(tp->mss, mss_for(tp->pmtu.mtu));
	EXPECT_FALSE(tp->pmtu.flags & TOE_PMTU_SEARCHING);
	EXPECT_LE(peer.largest, 1280u);
	EXPECT_EQ(t.engine_stats().plpmtud_blackholes, 1u);

	// Ten minutes later the path is whole again: a probe finds it.
	peer.limit = 1500;
	TestPort::set_clock(TestPort::now() +
			    uint64_t(t.eng()->tcp.tun.pmtu_reprobe_s) * 1000000 +
			    1);
	Bytes more = pattern(256 << 10, 5);
	t.send(c.h, more, 2);
	ASSERT_TRUE(peer.run());
	data.insert(data.end(), more.begin(), more.end());
	EXPECT_EQ(peer.stream, data);
	EXPECT_EQ(tp->pmtu.mtu, 1500u);
	EXPECT_EQ(tp->mss, kMss);
	EXPECT_EQ(peer.largest, 1500u);
}

TEST(TcpPmtu, LostProbeLowersTheSearchAndIsNoCongestionSignal)
{
	// ICMP said 1280; ten minutes on, a probe tries the link's 1500
	// again, into a path that still passes only 1280 and now drops
	// silently.
	Flight f(4);
	f.icmp(f.frames[0].raw, 1280);
	PathPeer peer(f.t, f.c, 1280);
	peer.start = f.frames[0].seq;
	ASSERT_TRUE(peer.run());
	toe_sock_info before = f.t.info(f.c.h);
	TestPort::set_clock(TestPort::now() + 601ull * 1000000);

	Bytes data = pattern(512 << 10, 6);
	f.t.send(f.c.h, data, 2);
	ASSERT_TRUE(peer.run());
	Bytes all = pattern(4 * kMss, 9);
	all.insert(all.end(), data.begin(), data.end());
	EXPECT_EQ(peer.stream, all);

	toe_tcp_cb *tp = f.tcb();
	EXPECT_GE(tp->stats.plpmtud_probes, 1u);
	EXPECT_EQ(tp->stats.plpmtud_probes_lost, tp->stats.plpmtud_probes);
	EXPECT_EQ(tp->stats.plpmtud_probe_acked, 0u);
	EXPECT_EQ(tp->pmtu.mtu, 1280u);
	EXPECT_LT(tp->pmtu.search_high, 1500u);
	EXPECT_EQ(tp->stats.fast_retransmits, 0u);
	EXPECT_EQ(f.t.info(f.c.h).ssthresh, before.ssthresh);
	EXPECT_EQ(tp->stats.plpmtud_blackholes, 0u);
}

// The same under SACK: RACK finds the probe lost, and it is resent in
// segments of the current size without entering recovery (RFC 4821
// 7.6.2: a lost probe is no congestion signal).
TEST(TcpPmtu, LostProbeUnderSackIsResentWithoutAReduction)
{
	Flight f(4, true);
	ASSERT_TRUE(f.tcb()->flags & TOE_TCB_SACK_OK);
	f.icmp(f.frames[0].raw, 1280);
	PathPeer peer(f.t, f.c, 1280);
	peer.sack = true;
	peer.start = f.frames[0].seq;
	ASSERT_TRUE(peer.run());
	toe_sock_info before = f.t.info(f.c.h);
	toe_tcp_cb *tp = f.tcb();
	uint64_t recoveries = tp->stats.sack_recoveries;
	TestPort::set_clock(TestPort::now() + 601ull * 1000000);

	Bytes data = pattern(512 << 10, 6);
	f.t.send(f.c.h, data, 2);
	ASSERT_TRUE(peer.run());
	Bytes all = pattern(4 * kMss, 9);
	all.insert(all.end(), data.begin(), data.end());
	EXPECT_EQ(peer.stream, all);

	EXPECT_GE(tp->stats.plpmtud_probes, 1u);
	EXPECT_EQ(tp->stats.plpmtud_probes_lost, tp->stats.plpmtud_probes);
	EXPECT_GE(tp->stats.rack_marked_lost, 1u) << "RACK, not the timer";
	EXPECT_EQ(tp->stats.sack_recoveries, recoveries);
	EXPECT_EQ(f.t.info(f.c.h).ssthresh, before.ssthresh);
	EXPECT_EQ(tp->pmtu.mtu, 1280u);
	EXPECT_EQ(tp->stats.timeouts, 0u);
}
