// Two engines over the scripted wire, with applications that behave less
// kindly than a bulk copy: a reader that posts buffers slowly (the sender
// must be throttled by the advertised window, and nothing may be dropped),
// and many connections at once between the same two hosts.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <vector>

#include "bulk.hpp"
#include "wire_checks.hpp"
#include "wire_sim.hpp"

namespace toe::wiresim {
namespace {

using testnet::BulkEndpoint;
using testnet::BulkOptions;
using testnet::HostRegion;

// One connection's two ends and what each must receive.
struct Connection {
	std::uint64_t a_bytes = 0, b_bytes = 0;
	BulkOptions a_options, b_options;
	std::unique_ptr<HostRegion> a_src, b_src;
	std::unique_ptr<StreamChecker> at_a, at_b;
	std::unique_ptr<BulkEndpoint> a, b;
};

// Opens every connection from A to B's listener, runs them to the end and
// lets TIME_WAIT expire. tick: an application timer (may be empty).
class Pair {
public:
	explicit Pair(const WireConfig &config)
		: wire_(config), a_(0, wire_, host_config(ip_a, mac_a, 1)),
		  b_(1, wire_, host_config(ip_b, mac_b, 2)), sim_(wire_, a_, b_)
	{
		a_.add_neighbour(ip_b, mac_b);
		b_.add_neighbour(ip_a, mac_a);
	}

	std::vector<Connection> connections;
	std::function<std::uint64_t(std::uint64_t)> tick;

	SimHost &a() { return a_; }
	SimHost &b() { return b_; }

	void run()
	{
		for (std::size_t i = 0; i < connections.size(); i++) {
			Connection &c = connections[i];
			c.a_src = std::make_unique<HostRegion>(c.a_bytes);
			c.b_src = std::make_unique<HostRegion>(c.b_bytes);
			fill_pattern(c.a_src->data(), c.a_bytes, 100 + i);
			fill_pattern(c.b_src->data(), c.b_bytes, 200 + i);
			c.at_a = std::make_unique<StreamChecker>(c.b_src->data(),
								 c.b_bytes);
			c.at_b = std::make_unique<StreamChecker>(c.a_src->data(),
								 c.a_bytes);
		}
		std::uint32_t listener;
		ASSERT_EQ(toe_sock_create(b_.engine(), owner, TOE_PROTO_TCP, 0,
					  &listener),
			  0);
		ASSERT_EQ(toe_sock_bind(b_.engine(), owner, listener, ip_b, port_b),
			  0);
		ASSERT_EQ(toe_sock_listen(b_.engine(), owner, listener,
					  int(connections.size())),
			  0);
		std::map<std::uint32_t, std::size_t> by_sock_a;
		for (std::size_t i = 0; i < connections.size(); i++) {
			// The accept's user_ref and the socket's name the connection.
			ASSERT_EQ(toe_sock_accept(b_.engine(), owner, listener, i), 0);
			std::uint32_t sock;
			ASSERT_EQ(toe_sock_create(a_.engine(), owner, TOE_PROTO_TCP, i,
						  &sock),
				  0);
			ASSERT_EQ(toe_sock_connect(a_.engine(), owner, sock, ip_b,
						   port_b),
				  0);
			by_sock_a[sock] = i;
		}

		std::map<std::uint32_t, BulkEndpoint *> ends[2];
		std::string unexpected;
		bool listener_closed = false;
		unsigned accepted = 0;
		sim_.on_tick = tick;
		sim_.on_event = [&](int host, const toe_event &ev) {
			if (host == 0 && ev.type == TOE_EV_CONNECTED &&
			    by_sock_a.count(ev.sock) && ev.status == 0) {
				Connection &c = connections[by_sock_a[ev.sock]];
				StreamChecker *check = c.at_a.get();
				c.a = std::make_unique<BulkEndpoint>(
					a_.engine(), owner, ev.sock, c.a_src->mem(),
					c.a_bytes,
					[check](auto d) { check->consume(d); },
					c.a_options);
				ends[0][ev.sock] = c.a.get();
				c.a->start();
			} else if (host == 1 && ev.type == TOE_EV_ACCEPT &&
				   ev.status == 0 && ev.sock_ref < connections.size()) {
				// Accepts complete in order, not necessarily in the
				// order of the connects: match by the peer's port.
				accepted++;
				std::size_t index = SIZE_MAX;
				for (auto &[sock, i] : by_sock_a) {
					toe_sock_info info;
					if (toe_sock_get_info(a_.engine(), sock, &info) ==
						    0 &&
					    info.local_port == ev.peer_port)
						index = i;
				}
				if (index == SIZE_MAX) {
					unexpected += "ACCEPT from an unknown port\n";
					return;
				}
				Connection &c = connections[index];
				StreamChecker *check = c.at_b.get();
				c.b = std::make_unique<BulkEndpoint>(
					b_.engine(), owner, ev.sock, c.b_src->mem(),
					c.b_bytes,
					[check](auto d) { check->consume(d); },
					c.b_options);
				ends[1][ev.sock] = c.b.get();
				c.b->start();
			} else if (ends[host].count(ev.sock)) {
				ends[host][ev.sock]->on_event(ev);
			} else if (host == 1 && ev.sock == listener &&
				   ev.type == TOE_EV_CLOSED) {
				listener_closed = true;
			} else {
				unexpected += (host ? "B: " : "A: ") +
					      testnet::describe_event(ev) + "\n";
			}
		};
		auto all_finished = [&] {
			if (!unexpected.empty())
				return true;
			for (Connection &c : connections) {
				if ((c.a && !c.a->error().empty()) ||
				    (c.b && !c.b->error().empty()) ||
				    c.at_a->mismatch() || c.at_b->mismatch())
					return true;
				if (!c.a || !c.b || !c.a->finished() ||
				    !c.b->finished())
					return false;
			}
			return true;
		};
		std::string stop = sim_.run_until(all_finished, 4 * 3600 * 1'000'000ull);
		std::string state = dump_host("A", a_) + dump_host("B", b_);
		ASSERT_EQ(stop, "") << state;
		ASSERT_EQ(unexpected, "") << state;
		EXPECT_EQ(accepted, connections.size());
		for (std::size_t i = 0; i < connections.size(); i++) {
			Connection &c = connections[i];
			ASSERT_TRUE(c.a && c.b) << "connection " << i << "\n" << state;
			EXPECT_EQ(c.a->error(), "") << "connection " << i;
			EXPECT_EQ(c.b->error(), "") << "connection " << i;
			EXPECT_FALSE(c.at_a->mismatch()) << "connection " << i;
			EXPECT_FALSE(c.at_b->mismatch()) << "connection " << i;
			EXPECT_EQ(c.at_a->position(), c.b_bytes) << "connection " << i;
			EXPECT_EQ(c.at_b->position(), c.a_bytes) << "connection " << i;
			EXPECT_EQ(c.a->close_status(), 0) << "connection " << i;
			EXPECT_EQ(c.b->close_status(), 0) << "connection " << i;
		}
		EXPECT_EQ(a_.tx_check().problems(), 0u) << a_.tx_check().first_problem;
		EXPECT_EQ(b_.tx_check().problems(), 0u) << b_.tx_check().first_problem;

		ASSERT_EQ(toe_sock_close(b_.engine(), owner, listener), 0);
		sim_.on_tick = nullptr;
		auto all_gone = [&] {
			toe_engine_counters ca, cb;
			toe_engine_get_counters(a_.engine(), &ca);
			toe_engine_get_counters(b_.engine(), &cb);
			return listener_closed && ca.sockets == 0 && cb.sockets == 0;
		};
		stop = sim_.run_until(all_gone, 3600ull * 1'000'000);
		EXPECT_EQ(stop, "") << dump_host("A", a_) << dump_host("B", b_);
		for (SimHost *host : {&a_, &b_}) {
			toe_engine_counters c;
			toe_engine_get_counters(host->engine(), &c);
			EXPECT_EQ(c.buflets_in_use, 0u) << testnet::describe_counters(c);
		}
	}

private:
	static HostConfig host_config(std::uint32_t ip, const std::uint8_t *mac,
				      std::uint64_t seed)
	{
		HostConfig config;
		config.ip = ip;
		std::memcpy(config.mac, mac, 6);
		config.tx_offload = seed == 1;
		config.random_seed = seed;
		return config;
	}

	// Every run starts at the same time, before the engines exist.
	struct ClockStart {
		ClockStart() { toe_user_clock_set(1'000'000); }
	} clock_start_;
	Wire wire_;
	SimHost a_, b_;
	Simulation sim_;
};

// The reader posts one 4 KiB buffer per millisecond (32 Mbit/s) while the
// writer could send at 10 Gbit/s: data waits in buflets, the window closes
// and reopens, and every byte arrives.
toe_engine_counters slow_reader(std::uint32_t loss_ppm)
{
	WireConfig config;
	config.loss_ppm = loss_ppm;
	config.seed = 77 + loss_ppm + seed_offset();
	Pair pair(config);
	Connection c;
	c.a_bytes = 4 * mib;
	c.b_bytes = 256 * 1024;
	c.b_options.recv_buffer_size = 4096;
	c.b_options.recv_buffers = 4;
	c.b_options.manual_repost = true;
	pair.connections.push_back(std::move(c));
	pair.tick = [&pair](std::uint64_t now) {
		if (BulkEndpoint *b = pair.connections[0].b.get())
			b->repost(1);
		return now + 1000;
	};
	pair.run();

	toe_engine_counters cb;
	toe_engine_get_counters(pair.b().engine(), &cb);
	EXPECT_GT(cb.bytes_parked, 0u) << "data never waited in buflets";
	return cb;
}

TEST(WireApplications, SlowReaderGetsEveryByte)
{
	slow_reader(0);
}

TEST(WireApplications, SlowReaderGetsEveryByteUnderLoss)
{
	slow_reader(10000);
}

// The seed's promise: the advertised window reflects free buflets and
// posted buffer space, so a slow application throttles the sender instead
// of losing data. On a perfect wire, nothing may be refused for lack of
// room. (Rounding the scaled window field up on every ACK once let the
// right edge creep past the buflets, 80 bytes per ACK at wscale 7.)
TEST(WireApplications, SlowReaderNeverRefusesInWindowData)
{
	toe_engine_counters cb = slow_reader(0);
	EXPECT_EQ(cb.drop_no_buflet, 0u)
		<< "the advertised window let the sender overrun the receiver";
}

// Segments larger than the buffers: each one spans two of them, and
// buffers come back and are reposted all the time.
TEST(WireApplications, TinyBuffersManyPosted)
{
	WireConfig config;
	config.seed = 515 + seed_offset();
	Pair pair(config);
	Connection c;
	c.a_bytes = 8 * mib;
	c.b_bytes = 8 * mib;
	c.a_options.recv_buffer_size = 1024;
	c.a_options.recv_buffers = 256;
	c.b_options.recv_buffer_size = 1024;
	c.b_options.recv_buffers = 256;
	pair.connections.push_back(std::move(c));
	pair.run();
}

// Thirty-two connections between the same two hosts at once, each way, on
// a wire that loses, reorders and duplicates; small named buffers with a
// threshold below their size.
TEST(WireApplications, ManyConnectionsAtOnce)
{
	WireConfig config;
	config.loss_ppm = 10000;
	config.reorder_ppm = 10000;
	config.duplicate_ppm = 5000;
	config.seed = 4242 + seed_offset();
	Pair pair(config);
	for (int i = 0; i < 32; i++) {
		Connection c;
		c.a_bytes = 1 * mib + std::uint64_t(i) * 4099;
		c.b_bytes = 512 * 1024 + std::uint64_t(i) * 777;
		c.a_options.recv_buffer_size = 16384;
		c.a_options.recv_threshold = 1000;
		c.b_options.recv_buffer_size = 8192;
		c.b_options.recv_buffers = 8;
		pair.connections.push_back(std::move(c));
	}
	pair.run();
}

} // namespace
} // namespace toe::wiresim
