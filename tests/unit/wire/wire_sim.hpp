// Two engines joined by a scripted wire, in one process, on virtual time.
//
// The wire carries frames both ways with a fixed latency and a link rate,
// and a seeded PRNG decides for each frame whether it is lost, duplicated,
// delayed past its successors (reordered) or corrupted. Time is the user
// shim's settable clock: the simulation jumps from one event (a delivery
// or an engine timer) to the next, so nothing ever sleeps.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <vector>

#include "engine_port.hpp"

namespace toe::wiresim {

using testnet::Bytes;

// splitmix64: small, fast and the same everywhere, so a seed names a run.
class Prng {
public:
	explicit Prng(std::uint64_t seed) : state_(seed) {}
	std::uint64_t next()
	{
		std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}
	// True with probability ppm / 1e6.
	bool chance(std::uint32_t ppm) { return ppm && next() % 1000000 < ppm; }
	std::uint64_t below(std::uint64_t bound)
	{
		return bound ? next() % bound : 0;
	}

private:
	std::uint64_t state_;
};

// Fills buf with a stream that depends only on seed.
void fill_pattern(std::uint8_t *buf, std::size_t len, std::uint64_t seed);

struct WireConfig {
	std::uint32_t loss_ppm = 0;
	std::uint32_t duplicate_ppm = 0;
	std::uint32_t reorder_ppm = 0;
	std::uint32_t corrupt_ppm = 0; // one byte flipped
	std::uint64_t latency_us = 100; // one way
	std::uint64_t reorder_delay_us = 400; // extra delay of a reordered frame
	std::uint64_t rate_mbps = 10000; // link rate; 0 = infinite
	std::uint64_t seed = 1;
	// Every frame sent in [blackout_at_us, blackout_at_us + blackout_us)
	// of virtual time is lost, both ways: a cable pulled and put back.
	std::uint64_t blackout_at_us = 0;
	std::uint64_t blackout_us = 0;
	// A router in the middle whose far link carries at most hop_mtu bytes
	// of IPv4 (0 = no such hop): a larger datagram with DF is dropped and,
	// with hop_icmp, answered with ICMP "fragmentation needed" from
	// router_ip (RFC 1191); without it the hop is a PMTU black hole.
	std::uint32_t hop_mtu = 0;
	bool hop_icmp = true;
	std::uint32_t router_ip = 0x0a0000fe; // 10.0.0.254
};

struct WireStats {
	std::uint64_t frames = 0;
	std::uint64_t bytes = 0;
	std::uint64_t lost = 0;
	std::uint64_t blacked_out = 0; // lost to the blackout, not to loss_ppm
	std::uint64_t duplicated = 0;
	std::uint64_t reordered = 0;
	std::uint64_t corrupted = 0;
	std::uint64_t delivered = 0;
	std::uint64_t too_big = 0; // dropped at the narrow hop
	std::uint64_t icmp_sent = 0; // "fragmentation needed" sent back
};

class Wire {
public:
	explicit Wire(const WireConfig &config);

	// A frame leaves side `from` (0 or 1) at time now.
	void transmit(int from, Bytes frame, std::uint64_t now);
	// The earliest delivery time, or UINT64_MAX when the wire is empty.
	std::uint64_t next_delivery() const;
	// Takes the next frame due at or before now: returns the side it
	// arrives at, or -1 if none is due.
	int pop_due(std::uint64_t now, Bytes &frame);
	bool empty() const { return queue_.empty(); }
	const WireStats &stats() const { return stats_; }

private:
	struct InFlight {
		std::uint64_t deliver_at;
		std::uint64_t order; // ties keep transmission order
		int to;
		Bytes frame;
		bool operator>(const InFlight &o) const
		{
			return deliver_at != o.deliver_at ? deliver_at > o.deliver_at
							  : order > o.order;
		}
	};
	void schedule(int to, Bytes frame, std::uint64_t at);
	// True when the narrow hop drops frame (and maybe answers it).
	bool narrow_hop(int from, const Bytes &frame, std::uint64_t now);

	WireConfig config_;
	Prng prng_;
	std::uint64_t link_free_at_[2] = {0, 0};
	std::uint64_t order_ = 0;
	std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>>
		queue_;
	WireStats stats_;
};

struct HostConfig {
	std::uint32_t ip = 0;
	std::uint8_t mac[6] = {};
	bool tx_offload = false; // partial checksums and TCP GSO
	bool keep_super_frames = false; // deliver GSO frames whole (GRO)
	std::uint16_t vlan_id = 0;
	std::uint64_t random_seed = 1;
	std::function<void(toe_engine_config &)> tune; // last word on config
};

// One engine with its port: xmit goes to the wire, events are queued until
// the simulation hands them to the application (never inside an engine
// call), resolve_l2 knows the other host.
class SimHost {
public:
	SimHost(int side, Wire &wire, const HostConfig &config);
	~SimHost();
	SimHost(const SimHost &) = delete;
	SimHost &operator=(const SimHost &) = delete;

	toe_engine *engine() { return eng_; }
	std::uint32_t ip() const { return config_.ip; }
	void add_neighbour(std::uint32_t ip, const std::uint8_t mac[6]);

	void receive(const Bytes &frame);
	bool has_events() const { return !events_.empty(); }
	toe_event pop_event();
	const testnet::TxCheck &tx_check() const { return tx_check_; }
	std::uint64_t now() const;

private:
	static int xmit(void *port, const toe_tx_frame *f);
	static void event(void *port, std::uint32_t owner, const toe_event *ev);
	static int resolve_l2(void *port, std::uint32_t ip, std::uint8_t mac[6]);

	int side_;
	Wire &wire_;
	HostConfig config_;
	toe_engine *eng_ = nullptr;
	std::deque<toe_event> events_;
	std::map<std::uint32_t, std::array<std::uint8_t, 6>> neighbours_;
	testnet::TxCheck tx_check_;
};

// Drives the clock: delivers due frames, runs due timers, and lets the
// application react to events, until done() or a limit.
class Simulation {
public:
	Simulation(Wire &wire, SimHost &a, SimHost &b);

	// Called with each event; host is 0 or 1.
	std::function<void(int host, const toe_event &ev)> on_event;
	// An application timer: called once the clock reaches the time it
	// returned last (first call at the start); returns the next one, or
	// UINT64_MAX for none.
	std::function<std::uint64_t(std::uint64_t now)> on_tick;

	// Runs until done() is true. Returns an empty string, or why it
	// stopped: stalled (nothing left to happen), over the virtual time
	// limit, or stuck (an engine deadline that never moves).
	std::string run_until(const std::function<bool()> &done,
			      std::uint64_t virtual_limit_us);

	std::uint64_t now() const { return now_; }

private:
	void dispatch_events();

	Wire &wire_;
	SimHost *hosts_[2];
	std::uint64_t now_;
};

} // namespace toe::wiresim
