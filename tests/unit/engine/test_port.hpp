// A deterministic user-space port for engine unit tests: the wire is a
// list of captured frames, time moves only when a test moves it, and the
// neighbour table is a map the test fills. Helpers build well-formed (or
// deliberately broken) Ethernet/IPv4/TCP/UDP frames and parse the frames
// the engine sends.
//
//   toe::test::TestPort port;            // engine with local 10.0.0.1
//   auto peer = port.peer(0x0a000002, 40000);
//   port.inject(toe::test::build_tcp({.src = peer, .dst = port.local(80),
//                                     .seq = 1000, .flags = TH_SYN}));
//   auto syn_ack = port.pop_tx();        // parsed frame
//   port.advance(200'000);               // clock + toe_engine_poll
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

extern "C" {
#include "toe_engine.h"
}

namespace toe::test {

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;

// TCP header flags.
inline constexpr uint8_t TH_FIN = 0x01;
inline constexpr uint8_t TH_SYN = 0x02;
inline constexpr uint8_t TH_RST = 0x04;
inline constexpr uint8_t TH_PSH = 0x08;
inline constexpr uint8_t TH_ACK = 0x10;
inline constexpr uint8_t TH_URG = 0x20;

inline constexpr uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}

inline constexpr Mac kLocalMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
inline constexpr Mac kPeerMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
inline constexpr uint32_t kLocalIp = ip4(10, 0, 0, 1);
inline constexpr uint32_t kPeerIp = ip4(10, 0, 0, 2);

Bytes bytes(std::string_view s);
Bytes pattern(size_t len, uint8_t seed = 0); // deterministic filler

// One end of a flow on the wire. IP and port in host byte order.
struct Endpoint {
	Mac mac{};
	uint32_t ip = 0;
	uint16_t port = 0;
};

// SACK blocks, [start, end) each, in the order the option carries them.
using SackBlocks = std::vector<std::pair<uint32_t, uint32_t>>;

// TCP options, each padded to its natural alignment with NOPs by
// tcp_options().
namespace tcpopt {
Bytes mss(uint16_t mss);
Bytes wscale(uint8_t shift);
Bytes sack_permitted();
Bytes timestamps(uint32_t tsval, uint32_t tsecr);
Bytes sack(const SackBlocks &blocks); // two NOPs, then kind 5
Bytes nop();
} // namespace tcpopt
Bytes tcp_options(std::initializer_list<Bytes> opts); // concatenated, padded

struct TcpSpec {
	Endpoint src;
	Endpoint dst;
	uint32_t seq = 0;
	uint32_t ack = 0;
	uint8_t flags = 0;
	uint16_t window = 65535;
	uint16_t urg_ptr = 0;
	Bytes options; // raw; must be a multiple of 4 long
	Bytes payload;
	uint16_t vlan = 0; // 0 = untagged
	uint8_t ttl = 64;
	uint16_t ip_id = 0;
	bool bad_tcp_csum = false;
	bool bad_ip_csum = false;
};

struct UdpSpec {
	Endpoint src;
	Endpoint dst;
	Bytes payload;
	uint16_t vlan = 0;
	uint8_t ttl = 64;
	bool bad_udp_csum = false;
	bool no_udp_csum = false; // checksum field 0 (allowed for UDP/IPv4)
};

// Complete frames with correct checksums (unless asked otherwise).
Bytes build_tcp(const TcpSpec &s);
Bytes build_udp(const UdpSpec &s);
// Any IPv4 payload: proto, L4 bytes as given; frag_off is the raw 16-bit
// flags+offset field (0x2000 = more fragments); ip_options padded to 4.
Bytes build_ipv4(const Mac &src_mac, const Mac &dst_mac, uint32_t src_ip,
		 uint32_t dst_ip, uint8_t proto, const Bytes &l4,
		 uint16_t vlan = 0, uint16_t frag_off = 0,
		 const Bytes &ip_options = {}, uint8_t ttl = 64);
// An ICMP "fragmentation needed" (type 3 code 4) from a router at
// router_ip about sent, a frame the engine transmitted: it goes back to
// sent's source, quoting its IPv4 header and 8 bytes (or quote bytes from
// the IPv4 header on), with next-hop MTU mtu.
Bytes build_icmp_frag_needed(const Bytes &sent, uint16_t mtu,
			     uint32_t router_ip, size_t quote = 0);
// Recomputes the IPv4 header checksum and the TCP/UDP checksum in place.
void fix_checksums(Bytes &frame);

// A frame as the engine sent it, flattened and parsed.
struct Frame {
	Bytes raw;
	// Ethernet
	Mac dst_mac{};
	Mac src_mac{};
	bool has_vlan = false;
	uint16_t vlan = 0;
	uint16_t ethertype = 0;
	// IPv4
	bool is_ipv4 = false;
	uint8_t ip_hlen = 0;
	uint8_t tos = 0;
	uint8_t ttl = 0;
	uint8_t proto = 0;
	uint16_t ip_total_len = 0;
	uint16_t ip_id = 0;
	bool df = false;
	uint32_t src_ip = 0;
	uint32_t dst_ip = 0;
	bool ip_csum_ok = false;
	// TCP/UDP
	uint16_t src_port = 0;
	uint16_t dst_port = 0;
	bool l4_csum_ok = false;
	uint32_t seq = 0;
	uint32_t ack = 0;
	uint8_t flags = 0;
	uint16_t window = 0;
	uint16_t urg_ptr = 0;
	uint8_t tcp_hlen = 0;
	Bytes tcp_opts;
	uint16_t udp_len = 0;
	Bytes payload;
	// How the engine handed it over (before the port segmented it).
	uint32_t gso_size = 0;
	bool csum_was_partial = false;

	bool is_tcp() const { return is_ipv4 && proto == 6; }
	bool is_udp() const { return is_ipv4 && proto == 17; }
	bool has(uint8_t f) const { return (flags & f) == f; }
	std::string payload_str() const;
	// Parsed TCP options (nullopt when absent).
	std::optional<uint16_t> opt_mss() const;
	std::optional<uint8_t> opt_wscale() const;
	bool opt_sack_permitted() const;
	std::optional<std::pair<uint32_t, uint32_t>> opt_timestamps() const;
	SackBlocks opt_sack() const; // empty when there is no SACK option
	std::string describe() const; // one line, for failure messages
};

Frame parse_frame(const Bytes &raw);

// A host memory region (a named or anonymous buffer's backing store).
class HostMem {
public:
	explicit HostMem(size_t len, uint8_t fill = 0);
	// Fails the test when the engine still holds references: an engine
	// must be destroyed (or its owner released) before its memory goes.
	~HostMem();
	HostMem(const HostMem &) = delete;
	HostMem &operator=(const HostMem &) = delete;
	toe_mem *mem() { return &mem_; }
	uint8_t *data() { return buf_.data(); }
	size_t size() const { return buf_.size(); }
	long refs() const { return mem_.refs; } // references the engine holds
	std::string str(size_t off, size_t len) const;
	Bytes slice(size_t off, size_t len) const;
	void write(size_t off, const Bytes &b);

private:
	Bytes buf_;
	toe_mem mem_{};
};

struct RecordedEvent {
	uint32_t owner;
	toe_event ev;
};

const char *event_name(uint16_t type);
const char *reason_name(uint16_t reason);
std::string describe(const toe_event &ev);

// The test port: owns an engine and plays its wire, neighbours and clock.
class TestPort {
public:
	// Defaults: local MAC/IP kLocalMac/kLocalIp, MTU 1500, small pools
	// (1024 buflets of 2048 bytes, 128 per socket), seeded randomness,
	// checksum offload and GSO off, port segments nothing.
	static toe_engine_config default_config();

	TestPort();
	explicit TestPort(const toe_engine_config &cfg);
	~TestPort();
	TestPort(const TestPort &) = delete;
	TestPort &operator=(const TestPort &) = delete;

	toe_engine *eng() { return eng_; }
	// Destroys the engine now (the port's wire and events stay).
	void destroy_engine();
	const toe_engine_config &config() const { return cfg_; }

	Endpoint local(uint16_t port) const
	{
		Endpoint e;
		std::copy(std::begin(cfg_.mac), std::end(cfg_.mac), e.mac.begin());
		e.ip = local_ip();
		e.port = port;
		return e;
	}
	Endpoint peer(uint32_t ip = kPeerIp, uint16_t port = 40000,
		      const Mac &mac = kPeerMac) const
	{
		return {mac, ip, port};
	}
	uint32_t local_ip() const { return cfg_.local_ips[0]; }

	// ---- wire: engine -> test
	size_t tx_count() const { return tx_.size(); }
	bool tx_empty() const { return tx_.empty(); }
	Frame pop_tx(); // fails the test (and returns {}) when empty
	const std::deque<Frame> &tx() const { return tx_; }
	void clear_tx() { tx_.clear(); }
	int xmit_result = 0; // what xmit returns (e.g. -ENOBUFS)
	bool segment_gso = true; // split GSO super-frames like a NIC
	uint64_t xmit_calls = 0;
	std::vector<toe_tx_frame> raw_tx; // verbatim, when keep_raw_tx
	bool keep_raw_tx = false;

	// ---- wire: test -> engine
	int inject(const Bytes &frame, uint32_t rx_flags = 0);
	// The same frame split into segments at the given offsets (GRO).
	int inject_segments(const Bytes &frame, std::initializer_list<size_t> cuts,
			    uint32_t rx_flags = 0);
	int classify(const Bytes &frame, uint32_t rx_flags = 0) const;

	// ---- neighbours: resolve_l2 answers from here
	void arp_add(uint32_t ip, const Mac &mac) { arp_[ip] = mac; pending_.erase(ip); }
	void arp_pending(uint32_t ip) { pending_[ip] = true; arp_.erase(ip); }
	void arp_remove(uint32_t ip) { arp_.erase(ip); pending_.erase(ip); }
	uint64_t resolve_calls = 0;

	// ---- the engine's trace hook: retransmissions and drops, per flow
	std::vector<toe_trace_rec> traces;

	// ---- events: engine -> host
	std::deque<RecordedEvent> events;
	bool has_event() const { return !events.empty(); }
	toe_event pop_event(); // fails the test when empty
	// The first recorded event of type (removed), or nullopt.
	std::optional<toe_event> take_event(uint16_t type);
	size_t count_events(uint16_t type) const;
	void clear_events() { events.clear(); }

	// ---- time
	static uint64_t now();
	static void set_clock(uint64_t us);
	// Moves the clock by us and runs timers (one poll).
	void advance(uint64_t us);
	// Runs timers at the current time.
	void poll();
	// Moves the clock timer by timer until t, polling at each deadline.
	void run_until(uint64_t t);
	void run_for(uint64_t us) { run_until(now() + us); }

	toe_engine_counters counters() const;

	// Host memory that lives as long as the port, so it outlasts the
	// engine's references whatever order a test tears down in.
	HostMem &mem(size_t len, uint8_t fill = 0);

private:
	static int xmit_cb(void *port, const toe_tx_frame *f);
	static void event_cb(void *port, uint32_t owner, const toe_event *ev);
	static int resolve_cb(void *port, uint32_t ip, uint8_t mac[6]);
	static void trace_cb(void *port, const toe_trace_rec *rec);
	void capture(const toe_tx_frame *f);

	// Declared first: destroyed after the engine.
	std::vector<std::unique_ptr<HostMem>> mems_;
	toe_engine_config cfg_{};
	toe_engine *eng_ = nullptr;
	std::deque<Frame> tx_;
	std::map<uint32_t, Mac> arp_;
	std::map<uint32_t, bool> pending_;
};

// gtest printers
std::ostream &operator<<(std::ostream &os, const Frame &f);
std::ostream &operator<<(std::ostream &os, const toe_event &ev);

} // namespace toe::test
