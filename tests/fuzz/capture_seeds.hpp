// Fuzz seeds from real captures: the frames a Linux peer sent to an
// engine, replayed as records against the fuzz target's connections.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pcap.hpp"

namespace toe::fuzz {

struct NamedSeed {
	std::string name;
	std::vector<std::uint8_t> bytes;
};

// The largest seed written: run.sh fuzzes with -max_len of the same size,
// so libFuzzer never truncates one.
inline constexpr std::size_t capture_seed_max = 16384;

// Turns one capture into seeds named "<stem>-<flow>-<moment>". engine_ips
// say which end of each conversation was the engine (its frames are not
// replayed: the fuzz target's engine makes its own); the peer's are. Each
// TCP conversation gives a seed from its handshake, when the capture has
// it, and one from each first occurrence of a moment worth starting from:
// a retransmission, data out of order, a zero window, duplicate ACKs,
// SACK, FIN, RST, and the conversation's end. Frames that are not TCP
// (ARP, UDP, ICMP, IPv6) give one more seed, rewritten to the target's
// addresses.
std::vector<NamedSeed>
seeds_from_capture(const std::string &stem,
		   const std::vector<testnet::PcapRecord> &records,
		   std::span<const std::uint32_t> engine_ips);

} // namespace toe::fuzz
