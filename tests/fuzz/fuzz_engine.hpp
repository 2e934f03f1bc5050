// The engine fuzz target, independent of libFuzzer so the same code runs
// the committed corpus under CTest and writes the seed corpus.
//
// Each input gets a fresh engine, set up the same way every time: a TCP
// listener on 10.0.0.2:80, a UDP socket on 10.0.0.2:53, one connection
// the engine opened (to 10.0.0.1:5000, with timestamps) and one it accepted
// (from 10.0.0.1:6000, without), each with named buffers posted and data
// queued. The input is then a list of records (see FuzzOp): raw frames,
// TCP segments built for one of the connections so they pass the checksum
// and land near the window, UDP datagrams, clock advances and host
// requests. Whatever the input, the engine must not crash, must transmit
// only well-formed frames, must keep its handles apart per owner, and after
// releasing its owners must have returned every buffer and request and
// dropped every memory reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace toe::fuzz {

// Record types: the low 4 bits of a record's first byte.
enum class FuzzOp : std::uint8_t {
	raw_frame = 0, // u16 len, u8 rx_flags, u8 cut, bytes
	tcp_segment = 1, // high nibble: target; see README.md
	udp_datagram = 2, // high nibble: port choice; u16 len, bytes
	advance_clock = 3, // u32 microseconds, then timers run
	host_request = 4, // u8 request, u8 target, u8 owner, arguments
	count = 5,
};

// Configuration byte (the input's first byte).
inline constexpr std::uint8_t cfg_tx_offload = 1 << 0;
inline constexpr std::uint8_t cfg_vlan = 1 << 1;
inline constexpr std::uint16_t fuzz_vlan_id = 5;

inline constexpr std::uint32_t engine_ip = 0x0a000002; // 10.0.0.2
inline constexpr std::uint32_t peer_ip = 0x0a000001; // 10.0.0.1
inline constexpr std::uint32_t pending_ip = 0x0a000003; // ARP never answers
inline constexpr std::uint8_t engine_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
inline constexpr std::uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
inline constexpr std::uint16_t listen_port = 80;
inline constexpr std::uint16_t udp_port = 53;
inline constexpr std::uint16_t active_peer_port = 5000;
inline constexpr std::uint16_t passive_peer_port = 6000;

// Runs one input; aborts (a crash for the fuzzer) on any violation.
void run_one_input(std::span<const std::uint8_t> input);

// Builds fuzz inputs for the seed corpus: the engine's state after setup
// is fixed, so the seed writer can address its connections exactly.
class SeedWriter {
public:
	explicit SeedWriter(std::uint8_t config) { bytes_.push_back(config); }
	SeedWriter &raw_frame(std::span<const std::uint8_t> frame,
			      std::uint8_t rx_flags = 0, std::uint8_t cut = 0);
	SeedWriter &tcp_segment(unsigned target, std::uint8_t flags,
				std::int16_t seq_delta, std::int16_t ack_delta,
				std::uint16_t window, bool timestamps,
				std::span<const std::uint8_t> options,
				std::span<const std::uint8_t> payload,
				bool ack_from_snd_nxt = false);
	SeedWriter &udp_datagram(unsigned port_choice,
				 std::span<const std::uint8_t> payload);
	SeedWriter &advance_clock(std::uint32_t us);
	SeedWriter &host_request(std::uint8_t request, std::uint8_t target,
				 std::uint8_t owner,
				 std::span<const std::uint8_t> args);
	const std::vector<std::uint8_t> &bytes() const { return bytes_; }

private:
	void u16(std::uint16_t v);
	std::vector<std::uint8_t> bytes_;
};

// The connection the engine opened / accepted during setup, as the peer
// sees it: what seq_delta and ack_delta are relative to.
struct SetupView {
	std::uint16_t active_local_port = 0;
	std::uint32_t active_engine_isn = 0;
	std::uint32_t passive_engine_isn = 0;
};
SetupView describe_setup(std::uint8_t config);

} // namespace toe::fuzz
