// The trace hook: each retransmission and each drop reaches the port with
// its flow and its bytes, so a tracer can follow one connection.
#include "tcp_harness.hpp"

using namespace toe::test;

namespace {

constexpr uint32_t kMss = 1448;

const toe_trace_rec *find_trace(const TestPort &port, uint16_t kind)
{
	for (const toe_trace_rec &r : port.traces)
		if (r.kind == kind)
			return &r;
	return nullptr;
}

} // namespace

TEST(Trace, RetransmissionNamesItsFlowAndRange)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.ack(c);
	t.send(c.h, pattern(2 * kMss, 3), 1);
	std::vector<Frame> frames;
	t.take_data(c, &frames);
	ASSERT_EQ(frames.size(), 2u);
	t.port().traces.clear();
	t.run_until_tx(); // the retransmission timer
	const toe_trace_rec *r = find_trace(t.port(), TOE_TRACE_RETRANSMIT);
	ASSERT_NE(r, nullptr);
	EXPECT_EQ(r->sock, c.h);
	EXPECT_NE(r->owner, uint32_t(TOE_OWNER_NONE));
	EXPECT_EQ(r->proto, TOE_PROTO_TCP);
	EXPECT_EQ(r->local_ip, kLocalIp);
	EXPECT_EQ(r->remote_ip, c.peer.ip);
	EXPECT_EQ(r->local_port, c.lport);
	EXPECT_EQ(r->remote_port, c.peer.port);
	EXPECT_EQ(r->seq, frames[0].seq);
	EXPECT_EQ(r->len, kMss);
}

TEST(Trace, SegmentOutsideTheWindowIsATcpDrop)
{
	TcpHarness t;
	Conn c = t.open_active();
	t.ack(c);
	t.port().traces.clear();
	TcpSpec s = t.seg(c, TH_ACK);
	s.seq += 1u << 30;
	s.payload = pattern(100, 1);
	t.inject(s);
	const toe_trace_rec *r = find_trace(t.port(), TOE_TRACE_DROP);
	ASSERT_NE(r, nullptr);
	EXPECT_EQ(r->reason, TOE_DROP_TCP);
	EXPECT_EQ(r->sock, c.h);
	EXPECT_EQ(r->seq, s.seq);
	EXPECT_EQ(r->len, 100u);
	EXPECT_EQ(find_trace(t.port(), TOE_TRACE_RETRANSMIT), nullptr);
}
