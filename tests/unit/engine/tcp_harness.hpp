// A TCP peer played by the test on top of the test port: it keeps the
// peer's sequence numbers and timestamps, opens connections in either
// direction and builds the segments the tests inject. The engine's own
// state is read through its public introspection and, where a test needs
// it, through the control block (tcp.h).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "test_port.hpp"

extern "C" {
#include "engine.h"
#include "sock.h"
}

namespace toe::test {

inline constexpr uint32_t kOwner = 7;
inline constexpr uint16_t kLocalPort = 80;
inline constexpr uint16_t kPeerPort = 40000;

// What the simulated peer offers in its SYN.
struct PeerOpts {
	std::optional<uint16_t> mss = 1460;
	std::optional<uint8_t> wscale = 7;
	bool timestamps = true;
	bool sack = false;
	uint16_t window = 65535; // unscaled, as in the SYN
};

// One connection as the peer sees it.
struct Conn {
	uint32_t h = 0; // the engine's socket handle
	uint32_t snd = 0; // the peer's next sequence number
	uint32_t rcv = 0; // the next sequence number the peer expects
	bool ts = false;
	uint32_t peer_tsval = 5000; // the peer's timestamp clock
	uint32_t echo = 0; // the last TSval the engine sent us
	uint8_t peer_ws = 0; // the shift the peer applies to its windows
	uint8_t eng_ws = 0; // the shift the engine applies to its windows
	uint32_t peer_window = 65535u << 7; // bytes the peer offers
	Endpoint peer;
	uint16_t lport = kLocalPort; // the engine's port
};

class TcpHarness {
public:
	TcpHarness() : port_(std::make_unique<TestPort>()) {}
	~TcpHarness() { port_.reset(); }
	explicit TcpHarness(const toe_engine_config &cfg)
		: port_(std::make_unique<TestPort>(cfg))
	{
	}

	TestPort &port() { return *port_; }
	toe_engine *eng() { return port_->eng(); }

	toe_sock *sock(uint32_t h) { return toe_sock_lookup_any(eng(), h); }
	toe_tcp_cb *tcb(uint32_t h)
	{
		toe_sock *sk = sock(h);
		return sk ? &sk->tcp : nullptr;
	}
	toe_sock_info info(uint32_t h)
	{
		toe_sock_info i{};
		EXPECT_EQ(toe_sock_get_info(eng(), h, &i), 0);
		return i;
	}
	int state(uint32_t h)
	{
		toe_sock_info i{};
		if (toe_sock_get_info(eng(), h, &i))
			return -1;
		return i.state;
	}

	Endpoint local() const { return port_->local(kLocalPort); }

	// ---- building and injecting the peer's segments

	// A segment from the peer on c with the current numbers.
	TcpSpec seg(const Conn &c, uint8_t flags, const Bytes &payload = {})
	{
		TcpSpec s;
		s.src = c.peer;
		s.dst = local_of(c);
		s.seq = c.snd;
		s.ack = (flags & TH_ACK) ? c.rcv : 0;
		s.flags = flags;
		uint32_t w = c.peer_window >> c.peer_ws;
		s.window = uint16_t(w > 65535 ? 65535 : w);
		if (c.ts)
			s.options = tcp_options({tcpopt::timestamps(c.peer_tsval, c.echo)});
		s.payload = payload;
		return s;
	}

	void inject(const TcpSpec &s) { port_->inject(build_tcp(s)); }

	// The peer sends payload (with ACK, and PSH unless told otherwise)
	// and advances its sequence number.
	void send_data(Conn &c, const Bytes &payload, uint8_t extra = TH_PSH)
	{
		inject(seg(c, TH_ACK | extra, payload));
		c.snd += uint32_t(payload.size());
	}

	// A pure ACK of everything the engine sent so far (c.rcv).
	void ack(Conn &c) { inject(seg(c, TH_ACK)); }

	// Acknowledges up to seq.
	void ack_to(Conn &c, uint32_t seq)
	{
		c.rcv = seq;
		inject(seg(c, TH_ACK));
	}

	// ---- reading the engine's segments

	// The next transmitted frame; records the engine's TSval for echoes.
	Frame tx(Conn &c)
	{
		Frame f = port_->pop_tx();
		note(c, f);
		return f;
	}
	void note(Conn &c, const Frame &f)
	{
		if (auto ts = f.opt_timestamps())
			c.echo = ts->first;
	}
	// Drains the transmit queue, noting timestamps; returns the frames.
	std::vector<Frame> drain(Conn &c)
	{
		std::vector<Frame> v;
		while (!port_->tx_empty())
			v.push_back(tx(c));
		return v;
	}
	// The bytes of every data segment in the transmit queue, in order,
	// and advances c.rcv past the highest one seen (so ack(c) covers it).
	Bytes take_data(Conn &c, std::vector<Frame> *frames = nullptr)
	{
		Bytes all;
		for (auto &f : drain(c)) {
			if (f.payload.empty())
				continue;
			all.insert(all.end(), f.payload.begin(), f.payload.end());
			uint32_t end = f.seq + uint32_t(f.payload.size()) +
				       (f.has(TH_FIN) ? 1 : 0);
			if (int32_t(end - c.rcv) > 0)
				c.rcv = end;
			if (frames)
				frames->push_back(f);
		}
		return all;
	}

	// ---- sockets

	uint32_t create(uint64_t user_ref = 1)
	{
		uint32_t h = 0;
		EXPECT_EQ(toe_sock_create(eng(), kOwner, TOE_PROTO_TCP, user_ref, &h), 0);
		return h;
	}

	uint32_t listen(uint16_t port = kLocalPort, int backlog = 16)
	{
		uint32_t l = create(100);
		EXPECT_EQ(toe_sock_bind(eng(), kOwner, l, 0, port), 0);
		EXPECT_EQ(toe_sock_listen(eng(), kOwner, l, backlog), 0);
		return l;
	}

	// Active open: connect, check the SYN, answer with SYN-ACK carrying
	// opts, and take the final ACK and TOE_EV_CONNECTED.
	Conn open_active(const PeerOpts &opts = {}, uint16_t peer_port = kPeerPort)
	{
		Conn c;
		c.peer = port_->peer(kPeerIp, peer_port);
		c.h = create();
		EXPECT_EQ(toe_sock_connect(eng(), kOwner, c.h, kPeerIp, peer_port), 0);
		Frame syn = tx(c);
		EXPECT_TRUE(syn.has(TH_SYN) && !syn.has(TH_ACK)) << syn;
		c.lport = syn.src_port;
		c.rcv = syn.seq + 1;
		c.snd = 1000000;
		apply_peer_opts(c, opts, syn);
		TcpSpec s = seg(c, TH_SYN | TH_ACK);
		s.options = syn_options(c, opts);
		s.window = opts.window;
		inject(s);
		c.snd++;
		Frame a = tx(c);
		EXPECT_TRUE(a.has(TH_ACK) && !a.has(TH_SYN)) << a;
		EXPECT_EQ(a.ack, c.snd);
		auto ev = port_->take_event(TOE_EV_CONNECTED);
		EXPECT_TRUE(ev && ev->status == 0);
		return c;
	}

	// Passive open on listener l: SYN, SYN-ACK, ACK, then an accept.
	Conn open_passive(uint32_t l, const PeerOpts &opts = {},
			  uint16_t peer_port = kPeerPort, bool do_accept = true)
	{
		Conn c;
		c.peer = port_->peer(kPeerIp, peer_port);
		c.snd = 7000000;
		TcpSpec s = seg(c, TH_SYN);
		s.options = syn_options(c, opts);
		s.window = opts.window;
		inject(s);
		c.snd++;
		Frame sa = tx(c);
		EXPECT_TRUE(sa.has(TH_SYN | TH_ACK)) << sa;
		EXPECT_EQ(sa.ack, c.snd);
		c.rcv = sa.seq + 1;
		apply_peer_opts(c, opts, sa);
		ack(c);
		if (do_accept) {
			EXPECT_EQ(toe_sock_accept(eng(), kOwner, l, 55), 0);
			auto ev = port_->take_event(TOE_EV_ACCEPT);
			EXPECT_TRUE(ev.has_value());
			if (ev) {
				EXPECT_EQ(ev->status, 0);
				c.h = ev->sock;
			}
		}
		return c;
	}

	// ---- host memory and requests

	HostMem &mem(size_t len)
	{
		mems_.push_back(std::make_unique<HostMem>(len));
		return *mems_.back();
	}

	// Posts a named buffer of len bytes; returns its memory.
	HostMem &post(uint32_t h, uint32_t len, uint64_t ref = 1, uint32_t threshold = 0,
		      uint32_t timeout_ms = 0)
	{
		HostMem &m = mem(len);
		toe_named_buffer_req r{};
		r.mem = m.mem();
		r.offset = 0;
		r.length = len;
		r.threshold = threshold;
		r.timeout_ms = timeout_ms;
		r.user_ref = ref;
		EXPECT_EQ(toe_sock_post_buffer(eng(), kOwner, h, &r), 0);
		return m;
	}

	// Sends bytes from a fresh host region; returns the region.
	HostMem &send(uint32_t h, const Bytes &data, uint64_t ref = 1, uint32_t flags = 0,
		      int expect = 0)
	{
		HostMem &m = mem(data.size());
		m.write(0, data);
		toe_send_req r{};
		r.mem = m.mem();
		r.offset = 0;
		r.length = uint32_t(data.size());
		r.flags = flags;
		r.user_ref = ref;
		EXPECT_EQ(toe_sock_send(eng(), kOwner, h, &r), expect);
		return m;
	}

	int setopt(uint32_t h, int opt, uint64_t v)
	{
		return toe_sock_setopt(eng(), kOwner, h, opt, v);
	}

	std::optional<toe_event> event(uint16_t type) { return port_->take_event(type); }

	// Moves the clock to the next armed timer and runs it; returns the
	// time that took (0 when no timer is armed).
	uint64_t fire_next()
	{
		uint64_t d = toe_engine_next_deadline_us(eng());
		if (d == TOE_DEADLINE_NONE)
			return 0;
		uint64_t now = TestPort::now();
		if (d > now)
			TestPort::set_clock(d);
		port_->poll();
		return d > now ? d - now : 0;
	}

	// Runs timers until a frame is transmitted (or limit passes); returns
	// the time it took.
	uint64_t run_until_tx(uint64_t limit_us = 600'000'000)
	{
		uint64_t start = TestPort::now();
		while (port_->tx_empty() && TestPort::now() - start < limit_us) {
			uint64_t d = toe_engine_next_deadline_us(eng());
			if (d == TOE_DEADLINE_NONE || d - start > limit_us)
				break;
			TestPort::set_clock(d);
			port_->poll();
		}
		return TestPort::now() - start;
	}

	toe_tcp_stats engine_stats()
	{
		toe_tcp_stats s{};
		toe_tcp_get_stats(eng(), &s);
		return s;
	}

	static Endpoint local_of(const Conn &c)
	{
		return {kLocalMac, kLocalIp, c.lport};
	}

	static Bytes syn_options(const Conn &c, const PeerOpts &o)
	{
		std::vector<Bytes> v;
		Bytes out;
		if (o.mss)
			append(out, tcpopt::mss(*o.mss));
		if (o.sack)
			append(out, tcpopt::sack_permitted());
		if (o.timestamps)
			append(out, tcpopt::timestamps(c.peer_tsval, c.echo));
		if (o.wscale)
			append(out, tcpopt::wscale(*o.wscale));
		while (out.size() % 4)
			out.push_back(1);
		return out;
	}

private:
	static void append(Bytes &out, const Bytes &b)
	{
		out.insert(out.end(), b.begin(), b.end());
	}

	// After the engine's SYN or SYN-ACK: what both sides agreed on.
	static void apply_peer_opts(Conn &c, const PeerOpts &o, const Frame &f)
	{
		auto ws = f.opt_wscale();
		bool both_ws = ws.has_value() && o.wscale.has_value();
		c.peer_ws = both_ws ? *o.wscale : 0;
		c.eng_ws = both_ws ? *ws : 0;
		c.ts = o.timestamps && f.opt_timestamps().has_value();
		c.peer_window = uint32_t(o.window) << c.peer_ws;
	}

	// Declared first so they outlive the engine, which holds references.
	std::vector<std::unique_ptr<HostMem>> mems_;
	std::unique_ptr<TestPort> port_;
};

} // namespace toe::test
