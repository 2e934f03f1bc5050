// Pieces every user-space port of the engine needs: host memory regions,
// turning a toe_tx_frame into wire frames (what a NIC with TSO and checksum
// offload would put on the wire), and readable names for traces.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "inet.hpp"

extern "C" {
#include "toe_engine.h"
}

namespace toe::testnet {

// A host memory region the engine can read and write: owned storage plus
// the user shim's toe_mem over it. Not movable: the engine keeps pointers
// to the toe_mem.
class HostRegion {
public:
	explicit HostRegion(std::size_t len);
	HostRegion(const HostRegion &) = delete;
	HostRegion &operator=(const HostRegion &) = delete;

	toe_mem *mem() { return &mem_; }
	std::uint8_t *data() { return storage_.data(); }
	const std::uint8_t *data() const { return storage_.data(); }
	std::size_t size() const { return storage_.size(); }
	std::span<std::uint8_t> span() { return storage_; }
	// References the engine holds right now.
	long engine_refs() const { return mem_.refs; }

private:
	std::vector<std::uint8_t> storage_;
	toe_mem mem_{};
};

// What the port found wrong with a frame the engine asked it to send:
// these are engine bugs, and the tests fail on any of them.
struct TxCheck {
	std::uint64_t frames = 0;
	std::uint64_t bad_fragment = 0; // fragment outside its region
	std::uint64_t bad_length = 0; // IP length disagrees with the frame
	std::uint64_t bad_ip_csum = 0;
	std::uint64_t bad_l4_csum = 0; // complete checksum that is wrong
	std::uint64_t bad_pseudo_seed = 0; // partial checksum seed is wrong
	std::uint64_t bad_gso = 0; // gso_size with a non-TCP frame, etc.
	std::uint64_t bad_l2 = 0; // wrong MACs or VLAN tag (the port checks)
	std::string first_problem;

	std::uint64_t problems() const
	{
		return bad_fragment + bad_length + bad_ip_csum + bad_l4_csum +
		       bad_pseudo_seed + bad_gso + bad_l2;
	}
};

// Gathers the frame's headers and fragments, checks what the engine built,
// and returns the frames a NIC would transmit: GSO super-frames cut to
// gso_size payloads, partial checksums completed. With keep_super_frames,
// a GSO frame comes back whole (as a receiver's GRO would rebuild it), with
// its checksum completed.
std::vector<Bytes> frames_for_wire(const toe_tx_frame &frame, TxCheck &check,
				   bool keep_super_frames = false);

// Feeds one contiguous frame to an engine, optionally cut into segments at
// the given offsets (to exercise frames whose headers are not contiguous).
int input_frame(toe_engine *eng, std::span<const std::uint8_t> frame,
		std::uint32_t rx_flags,
		std::span<const std::uint32_t> cut_points = {});

const char *event_type_name(unsigned type);
const char *return_reason_name(unsigned reason);
const char *tcp_state_name(unsigned state);
std::string describe_event(const toe_event &ev);
std::string describe_sock(const toe_sock_info &info);
std::string describe_counters(const toe_engine_counters &c);

} // namespace toe::testnet
