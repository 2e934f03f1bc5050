// SPDX-License-Identifier: MIT
// A port for the engine micro-benchmarks: frames out are only counted (the
// header of the last one kept, to learn sequence numbers), events are
// counted by type, neighbours always resolve. Unlike the unit tests' port
// it parses nothing on the hot path, so the time measured is the engine's.
#pragma once

#include "test_port.hpp"

#include <array>
#include <cstdint>

extern "C" {
#include "toe_engine.h"
}

namespace toe::bench {

class BenchPort {
public:
	explicit BenchPort(const toe_engine_config &cfg);
	~BenchPort();
	BenchPort(const BenchPort &) = delete;
	BenchPort &operator=(const BenchPort &) = delete;

	toe_engine *eng() { return eng_; }

	// Feeds one frame to the engine (the checksum already verified, as a
	// NIC with receive checksum offload reports it, when csum_verified).
	int input(const test::Bytes &frame, bool csum_verified);

	// TCP fields of the last frame sent.
	uint32_t last_seq() const { return last_seq_; }
	uint32_t last_ack() const { return last_ack_; }
	uint8_t last_flags() const { return last_flags_; }
	uint64_t frames_out() const { return frames_out_; }
	uint64_t segments_out() const { return segments_out_; }
	uint64_t payload_out() const { return payload_out_; }
	// Highest sequence number sent, plus one.
	uint32_t snd_max() const { return snd_max_; }

	uint64_t events(uint16_t type) const { return type < events_.size() ? events_[type] : 0; }
	toe_event last_event(uint16_t type) const { return last_[type < last_.size() ? type : 0]; }

private:
	static int xmit_cb(void *port, const toe_tx_frame *f);
	static void event_cb(void *port, uint32_t owner, const toe_event *ev);
	static int resolve_cb(void *port, uint32_t ip, uint8_t mac[6]);

	toe_engine *eng_ = nullptr;
	uint32_t last_seq_ = 0, last_ack_ = 0, snd_max_ = 0;
	uint8_t last_flags_ = 0;
	uint64_t frames_out_ = 0, segments_out_ = 0, payload_out_ = 0;
	std::array<uint64_t, 16> events_{};
	std::array<toe_event, 16> last_{};
};

// An accepted connection on a BenchPort: the peer's side of the handshake.
struct BenchConn {
	test::Endpoint peer;
	test::Endpoint local;
	uint32_t listener = 0;
	uint32_t sock = 0;
	uint32_t snd = 1000; // the peer's next sequence number
	uint32_t rcv = 0; // what the peer expects next from the engine

	static constexpr uint32_t kOwner = 1;

	// Listens on local port 80 and lets the peer connect with MSS mss.
	BenchConn(BenchPort &port, uint16_t mss);
};

} // namespace toe::bench
