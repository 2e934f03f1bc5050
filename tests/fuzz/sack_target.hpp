// The SACK-hostile fuzz target: a live sender with a large flight, and a
// peer whose every ACK is chosen by the input (cumulative ACK, window and
// up to four SACK blocks anywhere around the flight), the
// CVE-2019-11477/11478 class. Independent of libFuzzer, like
// fuzz_engine.hpp, so CTest replays the committed inputs in every build.
//
// After every ACK the scoreboard must be bounded, sorted, contiguous over
// [snd_una, snd_max) with its byte counts right, and the work the ACK
// caused within the design's bound; every transmitted frame must be
// well-formed, hold the queued bytes, stay above snd_una, and never carry
// new data past the largest window the peer offered. See README.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

extern "C" {
#include "tcp_sack.h"
}

namespace toe::fuzz {

// Record types: the low 3 bits of a record's first byte.
enum class SackOp : std::uint8_t {
	ack = 0, // high bits: SACK blocks (mod 5); u8 misc, point, [u16], points
	advance_clock = 1, // u16: bit 15 set: milliseconds, else microseconds
	queue_data = 2, // u16: (n + 1) * 256 more bytes to send
	sack_storm = 3, // u8 acks, u16 stride, u8 phase: every other stride SACKed
	count = 4,
};

// misc byte of an ack record.
inline constexpr std::uint8_t sack_ack_no_timestamp = 1 << 0;
inline constexpr std::uint8_t sack_ack_old_tsecr = 1 << 1;
inline constexpr std::uint8_t sack_ack_window = 1 << 2; // a u16 window follows
inline constexpr unsigned sack_ack_repeat_shift = 3; // 2 bits: sent 1-4 times
inline constexpr unsigned sack_ack_delay_shift = 5; // 3 bits: clock step first

// Configuration byte (the input's first byte).
inline constexpr std::uint8_t sack_cfg_tso = 1 << 0; // GSO super-frames
inline constexpr unsigned sack_cfg_flight_shift = 1; // 2 bits: flight size
inline constexpr unsigned sack_cfg_rtt_shift = 3; // 2 bits: first RTT

// Where a sequence number in an ack record points: kind = sel & 7,
// nudge = (sel >> 3) - 16 bytes added, param as the kind says.
enum class SackEdge : std::uint8_t {
	una = 0, // snd_una + (s16)param
	flight_fraction = 1, // snd_una + flight * param / 65536
	max = 2, // snd_max + (s16)param
	record_start = 3, // the start of scoreboard record param % count
	record_end = 4, // the end of scoreboard record param % count
	after_previous = 5, // the previous point (block start, or the ACK) + param
	segment = 6, // snd_una + param * MSS
	far = 7, // snd_una + (param << 15): anywhere in sequence space
};

struct SackPoint {
	SackEdge edge = SackEdge::una;
	int nudge = 0; // -16..15
	std::uint16_t param = 0;
};

struct SackBlockSpec {
	SackPoint start, end;
};

// The work one ACK may cause (tcp_sack.h): the cumulative ACK visits each
// record it frees once, each of at most four blocks visits each record at
// most once, and RACK's loss marking visits every record once; so with C
// records before the ACK and C' after it (splits add at most two per
// block) the work is at most C + (blocks + 1) * C', never more than
// (1 + 4 + 1) * TOE_TCP_SB_MAX.
inline constexpr std::uint32_t sack_work_bound = (1 + 4 + 1) * TOE_TCP_SB_MAX;

// What the inputs run in this process have shown: printed at exit and
// every power of two inputs.
struct SackFuzzStats {
	std::uint64_t inputs = 0;
	std::uint64_t acks = 0;
	std::uint32_t worst_work = 0; // the most work one ACK caused
	std::uint32_t worst_work_records = 0; // records after that ACK
	std::uint32_t peak_records = 0; // the largest scoreboard seen
	std::uint64_t splits_refused = 0; // splits the bound refused, summed
};
const SackFuzzStats &sack_fuzz_stats();

// Runs one input; aborts (a crash for the fuzzer) on any violation.
void run_one_sack_input(std::span<const std::uint8_t> input);

// Builds inputs for the committed seeds.
class SackSeedWriter {
public:
	explicit SackSeedWriter(std::uint8_t config) { bytes_.push_back(config); }
	// An ACK: misc as above; window only written with sack_ack_window.
	SackSeedWriter &ack(SackPoint cumulative,
			    std::span<const SackBlockSpec> blocks,
			    std::uint8_t misc = 0, std::uint16_t window = 0xffff);
	SackSeedWriter &advance_clock_us(std::uint16_t us);
	SackSeedWriter &advance_clock_ms(std::uint16_t ms);
	SackSeedWriter &queue_data(std::uint16_t units_of_256);
	SackSeedWriter &sack_storm(std::uint8_t acks, std::uint16_t stride,
				   std::uint8_t phase);
	const std::vector<std::uint8_t> &bytes() const { return bytes_; }

private:
	void u16(std::uint16_t v);
	void point(const SackPoint &p);
	std::vector<std::uint8_t> bytes_;
};

} // namespace toe::fuzz
