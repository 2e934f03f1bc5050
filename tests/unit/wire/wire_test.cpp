// Two engines back to back over a lossy, duplicating, reordering wire: a
// TCP connection carries a large transfer each way at once, and every byte
// must arrive exactly, through the public API alone.
#include <gtest/gtest.h>

#include <chrono>
#include <cinttypes>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "bulk.hpp"
#include "wire_checks.hpp"
#include "wire_sim.hpp"

extern "C" {
#include "tcp.h"
}

namespace toe::wiresim {
namespace {

using testnet::BulkEndpoint;
using testnet::BulkOptions;
using testnet::HostRegion;

struct Scenario {
	const char *name;
	WireConfig wire;
	std::uint64_t bytes = 64 * mib;
	bool keep_super_frames = false;
	std::uint16_t vlan_id = 0; // both engines on this VLAN
	// Virtual time allowed for the whole transfer.
	std::uint64_t virtual_limit_s = 4 * 3600;
	// Both engines' congestion control; -1 keeps the engine's default.
	int congestion = -1;
};

void PrintTo(const Scenario &s, std::ostream *os)
{
	*os << s.name;
}

class WireTransfer : public ::testing::TestWithParam<Scenario> {};

TEST_P(WireTransfer, BothWaysByteExact)
{
	const Scenario &sc = GetParam();
	auto wall_start = std::chrono::steady_clock::now();
	std::clock_t cpu_start = std::clock();
	toe_user_clock_set(1'000'000);

	Wire wire(sc.wire);
	// One engine uses checksum offload and TSO, the other builds every
	// frame itself, so each direction exercises one transmit path.
	HostConfig config_a;
	config_a.ip = ip_a;
	std::memcpy(config_a.mac, mac_a, 6);
	config_a.tx_offload = true;
	config_a.keep_super_frames = sc.keep_super_frames;
	config_a.random_seed = sc.wire.seed * 2 + 1;
	config_a.vlan_id = sc.vlan_id;
	HostConfig config_b;
	config_b.ip = ip_b;
	std::memcpy(config_b.mac, mac_b, 6);
	config_b.random_seed = sc.wire.seed * 2 + 2;
	config_b.vlan_id = sc.vlan_id;
	if (sc.congestion >= 0) {
		auto algo = static_cast<toe_tcp_cc_algo>(sc.congestion);
		config_a.tune = config_b.tune = [algo](toe_engine_config &cfg) {
			cfg.congestion = algo;
		};
	}
	SimHost a(0, wire, config_a);
	SimHost b(1, wire, config_b);
	a.add_neighbour(ip_b, mac_b);
	b.add_neighbour(ip_a, mac_a);

	HostRegion src_a(sc.bytes), src_b(sc.bytes);
	fill_pattern(src_a.data(), sc.bytes, 0xa000 + sc.wire.seed);
	fill_pattern(src_b.data(), sc.bytes, 0xb000 + sc.wire.seed);
	StreamChecker at_b(src_a.data(), sc.bytes);
	StreamChecker at_a(src_b.data(), sc.bytes);

	std::uint32_t listener = 0, sock_a = 0;
	ASSERT_EQ(toe_sock_create(b.engine(), owner, TOE_PROTO_TCP, 10,
				  &listener),
		  0);
	ASSERT_EQ(toe_sock_bind(b.engine(), owner, listener, ip_b, port_b), 0);
	ASSERT_EQ(toe_sock_listen(b.engine(), owner, listener, 4), 0);
	ASSERT_EQ(toe_sock_accept(b.engine(), owner, listener, 20), 0);
	ASSERT_EQ(toe_sock_create(a.engine(), owner, TOE_PROTO_TCP, 30, &sock_a),
		  0);
	ASSERT_EQ(toe_sock_connect(a.engine(), owner, sock_a, ip_b, port_b), 0);

	BulkOptions options;
	std::unique_ptr<BulkEndpoint> end_a, end_b;
	bool listener_closed = false;
	std::string unexpected;
	Simulation sim(wire, a, b);
	sim.on_event = [&](int host, const toe_event &ev) {
		if (host == 0 && ev.type == TOE_EV_CONNECTED && !end_a) {
			if (ev.status != 0 || ev.sock != sock_a) {
				unexpected += "A: " + testnet::describe_event(ev) + "\n";
				return;
			}
			end_a = std::make_unique<BulkEndpoint>(
				a.engine(), owner, ev.sock, src_a.mem(), sc.bytes,
				[&](auto data) { at_a.consume(data); }, options);
			end_a->start();
		} else if (host == 1 && ev.type == TOE_EV_ACCEPT && !end_b) {
			if (ev.status != 0 || ev.parent != listener ||
			    ev.peer_ip != ip_a) {
				unexpected += "B: " + testnet::describe_event(ev) + "\n";
				return;
			}
			end_b = std::make_unique<BulkEndpoint>(
				b.engine(), owner, ev.sock, src_b.mem(), sc.bytes,
				[&](auto data) { at_b.consume(data); }, options);
			end_b->start();
		} else if (host == 0 && end_a && ev.sock == end_a->handle()) {
			end_a->on_event(ev);
		} else if (host == 1 && end_b && ev.sock == end_b->handle()) {
			end_b->on_event(ev);
		} else if (host == 1 && ev.sock == listener &&
			   ev.type == TOE_EV_CLOSED) {
			listener_closed = true;
		} else {
			unexpected += (host ? "B: " : "A: ") +
				      testnet::describe_event(ev) + "\n";
		}
	};

	auto transfer_done = [&] {
		return (end_a && end_a->finished() && end_b &&
			end_b->finished()) ||
		       !unexpected.empty() || (end_a && !end_a->error().empty()) ||
		       (end_b && !end_b->error().empty()) ||
		       at_a.mismatch() || at_b.mismatch();
	};
	std::string stop = sim.run_until(transfer_done,
					 sc.virtual_limit_s * 1'000'000);
	std::uint64_t transfer_virtual_us = sim.now() - 1'000'000;
	auto wall_transfer = std::chrono::steady_clock::now() - wall_start;
	double cpu_s = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;

	std::string state = dump_host("A", a) + dump_host("B", b);
	ASSERT_EQ(stop, "") << state;
	ASSERT_EQ(unexpected, "") << state;
	ASSERT_TRUE(end_a && end_b) << state;
	EXPECT_EQ(end_a->error(), "") << state;
	EXPECT_EQ(end_b->error(), "") << state;
	EXPECT_FALSE(at_a.mismatch()) << "A received a wrong byte at offset "
				      << at_a.mismatch().value_or(0)
				      << (at_a.overrun() ? " (overrun)" : "");
	EXPECT_FALSE(at_b.mismatch()) << "B received a wrong byte at offset "
				      << at_b.mismatch().value_or(0)
				      << (at_b.overrun() ? " (overrun)" : "");
	EXPECT_EQ(at_a.position(), sc.bytes);
	EXPECT_EQ(at_b.position(), sc.bytes);
	EXPECT_EQ(end_a->bytes_sent(), sc.bytes);
	EXPECT_EQ(end_b->bytes_sent(), sc.bytes);
	EXPECT_TRUE(end_a->peer_closed());
	EXPECT_TRUE(end_b->peer_closed());
	EXPECT_EQ(end_a->close_status(), 0);
	EXPECT_EQ(end_b->close_status(), 0);
	EXPECT_EQ(a.tx_check().problems(), 0u) << a.tx_check().first_problem;
	EXPECT_EQ(b.tx_check().problems(), 0u) << b.tx_check().first_problem;

	// Close the listener and let TIME_WAIT run out: both engines must end
	// with nothing held.
	ASSERT_EQ(toe_sock_close(b.engine(), owner, listener), 0);
	auto all_gone = [&] {
		toe_engine_counters ca, cb;
		toe_engine_get_counters(a.engine(), &ca);
		toe_engine_get_counters(b.engine(), &cb);
		return listener_closed && ca.sockets == 0 && cb.sockets == 0;
	};
	stop = sim.run_until(all_gone, 3600ull * 1'000'000);
	EXPECT_EQ(stop, "") << dump_host("A", a) << dump_host("B", b);
	EXPECT_EQ(unexpected, "");
	for (SimHost *host : {&a, &b}) {
		toe_engine_counters c;
		toe_engine_get_counters(host->engine(), &c);
		EXPECT_EQ(c.buflets_in_use, 0u) << testnet::describe_counters(c);
		EXPECT_EQ(c.buflets_free, c.buflets_total);
	}
	EXPECT_EQ(src_a.engine_refs(), 0);
	EXPECT_EQ(src_b.engine_refs(), 0);

	toe_engine_counters ca, cb;
	toe_engine_get_counters(a.engine(), &ca);
	toe_engine_get_counters(b.engine(), &cb);
	const WireConfig &w = sc.wire;
	if (!w.loss_ppm && !w.duplicate_ppm && !w.reorder_ppm && !w.corrupt_ppm &&
	    !w.blackout_us && !w.hop_mtu) {
		// A perfect wire gives no reason to retransmit.
		EXPECT_EQ(ca.tcp_retransmits, 0u);
		EXPECT_EQ(cb.tcp_retransmits, 0u);
	}
	double wall_s = std::chrono::duration<double>(wall_transfer).count();
	double virtual_s = double(transfer_virtual_us) / 1e6;
	const WireStats &ws = wire.stats();
	std::printf("[ wire     ] %s: %" PRIu64 " MiB each way in %.2f s wall, "
		    "%.2f s CPU (%.0f MiB/s of CPU both ways), %.3f s virtual "
		    "(%.1f Mbit/s each way)\n",
		    sc.name, sc.bytes / mib, wall_s, cpu_s,
		    cpu_s > 0 ? 2.0 * double(sc.bytes) / mib / cpu_s : 0.0,
		    virtual_s,
		    virtual_s > 0 ? double(sc.bytes) * 8 / virtual_s / 1e6 : 0.0);
	if (w.blackout_us) {
		EXPECT_GT(ws.blacked_out, 0u) << "the blackout missed the transfer";
	}
	if (w.hop_mtu) {
		// Both senders met the narrow hop and got below it: by ICMP, or
		// by PLPMTUD when the hop says nothing.
		EXPECT_GT(ws.too_big, 0u);
		for (const toe_engine_counters *c : {&ca, &cb}) {
			EXPECT_GE(c->tcp.pmtu_reductions, 1u);
			if (w.hop_icmp) {
				EXPECT_GE(c->tcp.pmtu_icmp_in, 1u);
				EXPECT_EQ(c->tcp.pmtu_icmp_ignored, 0u);
			} else {
				EXPECT_EQ(c->tcp.pmtu_icmp_in, 0u);
				EXPECT_GE(c->tcp.plpmtud_blackholes, 1u);
				EXPECT_GE(c->tcp.plpmtud_probe_acked, 1u);
			}
		}
		std::printf("[ wire     ] narrow hop %u: %" PRIu64
			    " frames too big, %" PRIu64 " ICMP sent; "
			    "PLPMTUD probes A %" PRIu64 " (%" PRIu64
			    " acked) B %" PRIu64 " (%" PRIu64 " acked)\n",
			    w.hop_mtu, ws.too_big, ws.icmp_sent,
			    ca.tcp.plpmtud_probes, ca.tcp.plpmtud_probe_acked,
			    cb.tcp.plpmtud_probes, cb.tcp.plpmtud_probe_acked);
	}
	std::printf("[ wire     ] frames %" PRIu64 ", lost %" PRIu64
		    " (%" PRIu64 " to the blackout), duplicated %" PRIu64 ", reordered %" PRIu64
		    ", corrupted %" PRIu64 "; retransmits A %" PRIu64
		    " B %" PRIu64 "; bad csum dropped A %" PRIu64 " B %" PRIu64
		    "\n",
		    ws.frames, ws.lost, ws.blacked_out, ws.duplicated, ws.reordered, ws.corrupted,
		    ca.tcp_retransmits, cb.tcp_retransmits, ca.bad_csum,
		    cb.bad_csum);
	toe_tcp_stats ta, tb;
	toe_tcp_get_stats(a.engine(), &ta);
	toe_tcp_get_stats(b.engine(), &tb);
	std::printf("[ wire     ] recovery A/B: timeouts %" PRIu64 "/%" PRIu64
		    ", SACK recoveries %" PRIu64 "/%" PRIu64 ", loss probes %" PRIu64
		    "/%" PRIu64 ", D-SACKs in %" PRIu64 "/%" PRIu64
		    ", most scoreboard work per ACK %" PRIu64 "/%" PRIu64 "\n",
		    ta.timeouts, tb.timeouts, ta.sack_recoveries, tb.sack_recoveries,
		    ta.tlp_probes, tb.tlp_probes, ta.dsacks_in, tb.dsacks_in,
		    ta.sack_work_max, tb.sack_work_max);
	RecordProperty("wall_seconds", std::to_string(wall_s));
	RecordProperty("cpu_seconds", std::to_string(cpu_s));
	RecordProperty("virtual_seconds", std::to_string(virtual_s));
}

WireConfig wire_with(std::uint32_t loss, std::uint32_t dup,
		     std::uint32_t reorder, std::uint32_t corrupt,
		     std::uint64_t seed)
{
	seed += seed_offset();
	WireConfig config;
	config.loss_ppm = loss;
	config.duplicate_ppm = dup;
	config.reorder_ppm = reorder;
	config.corrupt_ppm = corrupt;
	config.seed = seed;
	return config;
}

// 100 Mbit/s with 5 ms each way: transfers last seconds of virtual time,
// so timers (RTO, delayed ACK) run during the transfer.
WireConfig slow_link(WireConfig config)
{
	config.rate_mbps = 100;
	config.latency_us = 5000;
	return config;
}

// The slow link, dark both ways for `seconds` from half a second into the
// transfer (the test's clock starts at 1 s): nothing may be lost and the
// connection must not give up, however long the blackout (Linux holds on
// for about 15 minutes, tcp_retries2).
WireConfig blackout(std::uint64_t seconds, std::uint64_t seed)
{
	WireConfig config = slow_link(wire_with(0, 0, 0, 0, seed));
	config.blackout_at_us = 1'500'000;
	config.blackout_us = seconds * 1'000'000;
	return config;
}

// A router between the engines whose far link carries 1280 bytes: it
// answers with ICMP "fragmentation needed", or (black hole) says nothing.
WireConfig narrow_hop(bool icmp, std::uint64_t seed)
{
	WireConfig config = wire_with(0, 0, 0, 0, seed);
	config.hop_mtu = 1280;
	config.hop_icmp = icmp;
	return config;
}

// Sizes can be scaled down for a quick local run with TOE_WIRE_MIB.
std::uint64_t transfer_bytes()
{
	const char *env = std::getenv("TOE_WIRE_MIB");
	if (env && std::atoi(env) > 0)
		return std::uint64_t(std::atoi(env)) * mib;
	return 64 * mib;
}

INSTANTIATE_TEST_SUITE_P(
	Wire, WireTransfer,
	::testing::Values(
		Scenario{"Clean", wire_with(0, 0, 0, 0, 1), transfer_bytes()},
		Scenario{"Loss1Percent", wire_with(10000, 0, 0, 0, 2),
			 transfer_bytes()},
		Scenario{"Loss10Percent", wire_with(100000, 0, 0, 0, 3),
			 transfer_bytes()},
		Scenario{"Loss10PercentNewReno", wire_with(100000, 0, 0, 0, 3),
			 transfer_bytes(), false, 0, 4 * 3600, TOE_TCP_CC_NEWRENO},
		Scenario{"Reorder5Percent", wire_with(0, 0, 50000, 0, 4),
			 transfer_bytes()},
		Scenario{"Duplicate5Percent", wire_with(0, 50000, 0, 0, 5),
			 transfer_bytes()},
		Scenario{"LossDuplicateReorder", wire_with(10000, 20000, 30000, 0, 6),
			 transfer_bytes()},
		Scenario{"Corrupt1Percent", wire_with(0, 0, 0, 10000, 7),
			 transfer_bytes()},
		Scenario{"SuperFramesArriveWhole", wire_with(0, 0, 0, 0, 8),
			 transfer_bytes(), true},
		Scenario{"CleanSlowLink", slow_link(wire_with(0, 0, 0, 0, 10)),
			 transfer_bytes() / 4},
		Scenario{"Vlan100Loss1Percent", wire_with(10000, 0, 0, 0, 9),
			 transfer_bytes() / 4, false, 100},
		Scenario{"Blackout2s", blackout(2, 11), transfer_bytes() / 4},
		Scenario{"Blackout30s", blackout(30, 12), transfer_bytes() / 4},
		Scenario{"Blackout120s", blackout(120, 13), transfer_bytes() / 4},
		Scenario{"PathMtu1280Icmp", narrow_hop(true, 14),
			 transfer_bytes() / 4},
		Scenario{"PathMtu1280BlackHole", narrow_hop(false, 15),
			 transfer_bytes() / 4}),
	[](const auto &param_info) { return std::string(param_info.param.name); });

} // namespace
} // namespace toe::wiresim
