// The fuzz target's internals, shared by its source files: the engine set
// up for one input, its port, the bookkeeping the oracles need, and the
// reader the records are decoded with. See fuzz_engine.hpp and README.md.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "engine_port.hpp"
#include "fuzz_engine.hpp"
#include "inet.hpp"

namespace toe::fuzz::detail {

using testnet::Bytes;
using testnet::HostRegion;

inline constexpr std::uint32_t owner_one = 1;
inline constexpr std::uint32_t owner_two = 2;
inline constexpr std::uint32_t region_len = 128 * 1024;
inline constexpr std::uint32_t active_peer_isn = 7000;
inline constexpr std::uint32_t passive_peer_isn = 9000;
inline constexpr std::uint32_t peer_tsval_base = 1000;
inline constexpr unsigned max_records = 4096;
inline constexpr unsigned max_polls = 100000;

// TOE_FUZZ_TRACE=1 prints events and transmitted frames (for reproducers).
bool tracing();
// Reports a broken engine contract and aborts: a crash for the fuzzer.
[[noreturn]] void violation(const std::string &what);

// Host memory per owner, allocated once: every input must leave it with no
// engine references, which is checked at the end of each input.
struct OwnerMemory {
	HostRegion recv{region_len};
	HostRegion send{region_len};
	HostRegion anon{region_len};
};

OwnerMemory &memory_of(std::uint32_t owner);

class Reader {
public:
	explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}
	bool empty() const { return pos_ >= data_.size(); }
	std::uint8_t u8() { return pos_ < data_.size() ? data_[pos_++] : 0; }
	std::uint16_t u16()
	{
		std::uint16_t hi = u8();
		return std::uint16_t(hi << 8 | u8());
	}
	std::uint32_t u32()
	{
		std::uint32_t hi = u16();
		return hi << 16 | u16();
	}
	// Up to n bytes: fewer when the input runs out.
	std::span<const std::uint8_t> bytes(std::size_t n)
	{
		std::size_t take = std::min(n, data_.size() - std::min(pos_, data_.size()));
		auto out = data_.subspan(pos_, take);
		pos_ += take;
		return out;
	}

private:
	std::span<const std::uint8_t> data_;
	std::size_t pos_ = 0;
};

struct Handle {
	std::uint32_t value = 0;
	std::uint32_t owner = 0;
	int proto = 0;
	bool dead = false; // close/abort returned 0, or CLOSED arrived
	bool closed_event = false;
};

struct Posted {
	std::uint32_t sock;
	std::uint32_t len;
};

class FuzzEngine {
public:
	explicit FuzzEngine(std::uint8_t config);
	~FuzzEngine();

	void setup();
	void run_record(Reader &in);
	void finish();
	SetupView view() const { return setup_view_; }

private:
	static int port_xmit(void *port, const toe_tx_frame *f);
	static void port_event(void *port, std::uint32_t owner,
			       const toe_event *ev);
	static int port_resolve(void *port, std::uint32_t ip, std::uint8_t mac[6]);

	void on_tx(const toe_tx_frame &f);
	void on_event(std::uint32_t owner, const toe_event &ev);
	Handle *find(std::uint32_t value);
	Handle &track(std::uint32_t value, std::uint32_t owner, int proto);
	void input(const Bytes &frame, std::uint32_t rx_flags = 0,
		   std::uint8_t cut = 0);
	void run_timers();
	void check_introspection();
	testnet::FrameSpec spec_from_peer(std::uint16_t peer_port,
					  std::uint16_t engine_port) const;
	std::vector<std::uint8_t> peer_options(bool syn, bool timestamps,
					       std::uint16_t engine_port) const;

	void record_raw(Reader &in);
	void record_tcp(Reader &in, unsigned target);
	void record_udp(Reader &in, unsigned choice);
	void record_host(Reader &in);
	void check_request(const char *what, int rc, const Handle *target,
			   std::uint32_t owner);

	std::uint8_t config_;
	toe_engine *eng_ = nullptr;
	std::deque<Handle> handles_; // stable references while growing
	std::uint32_t newest_tcp_ = 0; // the last connection a host request opened
	std::map<std::pair<std::uint32_t, std::uint64_t>, Posted> posted_;
	std::map<std::pair<std::uint32_t, std::uint64_t>, Posted> sends_;
	std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> anon_;
	std::set<std::pair<std::uint32_t, std::uint64_t>> accepts_;
	std::uint64_t next_ref_ = 1;
	testnet::TxCheck tx_check_;
	std::vector<Bytes> tx_log_;
	bool log_tx_ = true;
	std::map<std::uint16_t, std::uint32_t> engine_tsval_; // by engine port
	// The engine's ISN in its last SYN-ACK to each peer port: what a new
	// connection to the listener (tcp_segment target 2) acknowledges.
	std::map<std::uint16_t, std::uint32_t> synack_isn_;
	std::uint32_t listener_ = 0, udp_ = 0, active_ = 0, passive_ = 0;
	SetupView setup_view_;
};


} // namespace toe::fuzz::detail
