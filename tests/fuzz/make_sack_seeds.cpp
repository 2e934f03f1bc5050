// toe-fuzz-sack-seeds OUTDIR: writes the SACK target's seed corpus, each
// seed one hostile (or ordinary) peer told in code: the attacks of the
// SACK panic class, D-SACKs, blocks that are reversed, beyond snd_max or
// far away, blocks on record edges, and the timers between them.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sack_target.hpp"

namespace {

using namespace toe::fuzz;

constexpr std::uint8_t flight_6mib = 0 << sack_cfg_flight_shift;
constexpr std::uint8_t flight_2mib = 1 << sack_cfg_flight_shift;
constexpr std::uint8_t flight_128kib = 3 << sack_cfg_flight_shift;
constexpr std::uint8_t rtt_10ms = 1 << sack_cfg_rtt_shift;
constexpr std::uint8_t no_first_rtt = 3 << sack_cfg_rtt_shift;

SackPoint una(int delta = 0)
{
	return {SackEdge::una, 0, std::uint16_t(std::int16_t(delta))};
}

SackPoint max(int delta = 0)
{
	return {SackEdge::max, 0, std::uint16_t(std::int16_t(delta))};
}

SackPoint segment(std::uint16_t n, int nudge = 0)
{
	return {SackEdge::segment, nudge, n};
}

SackPoint fraction(double f, int nudge = 0)
{
	return {SackEdge::flight_fraction, nudge, std::uint16_t(f * 65535)};
}

SackPoint record_start(std::uint16_t i, int nudge = 0)
{
	return {SackEdge::record_start, nudge, i};
}

SackPoint after(std::uint16_t bytes)
{
	return {SackEdge::after_previous, 0, bytes};
}

SackPoint far(std::uint16_t units)
{
	return {SackEdge::far, 0, units};
}

std::uint8_t delay(unsigned step)
{
	return std::uint8_t(step << sack_ack_delay_shift);
}

std::uint8_t repeat(unsigned times)
{
	return std::uint8_t((times - 1) << sack_ack_repeat_shift);
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: toe-fuzz-sack-seeds OUTDIR\n");
		return 2;
	}
	std::filesystem::path out = argv[1];
	std::filesystem::create_directories(out);
	int written = 0;
	auto save = [&](const std::string &name, const SackSeedWriter &seed) {
		std::ofstream file(out / name, std::ios::binary);
		file.write(reinterpret_cast<const char *>(seed.bytes().data()),
			   std::streamsize(seed.bytes().size()));
		written++;
	};

	// An ordinary peer: the flight acknowledged in four steps.
	save("ack_in_steps", SackSeedWriter(flight_2mib)
				     .ack(fraction(0.25), {}, delay(4))
				     .ack(fraction(0.5), {}, delay(3))
				     .ack(fraction(0.75), {})
				     .ack(max(), {}, delay(4)));

	// The SACK panic's pattern: every other segment SACKed, three
	// blocks an ACK, until the scoreboard is as fragmented as it gets;
	// then time passes, RACK marks the holes and recovery resends them.
	save("sack_every_other_segment",
	     SackSeedWriter(flight_6mib)
		     .sack_storm(255, 0, 0)
		     .sack_storm(255, 0, 0)
		     .advance_clock_ms(3)
		     .ack(segment(1), {}, delay(4)));

	// The same with super-frames cut at odd strides: every block splits
	// a record, until the bound refuses splits.
	save("sack_storm_odd_stride_tso",
	     SackSeedWriter(sack_cfg_tso | flight_6mib)
		     .sack_storm(255, 701, 3)
		     .sack_storm(255, 701, 5)
		     .advance_clock_ms(2)
		     .ack(record_start(1, 1), {}));

	// A D-SACK below the cumulative ACK, then one inside the second
	// block (RFC 2883), repeated.
	save("dsack", SackSeedWriter(flight_2mib)
			      .ack(segment(10),
				   std::vector<SackBlockSpec>{
					   {segment(2), segment(3)},
					   {segment(20), segment(30)}},
				   repeat(2))
			      .ack(una(), std::vector<SackBlockSpec>{
						  {segment(22), segment(23)},
						  {segment(20), segment(30)},
						  {segment(40), segment(41)}}));

	// Blocks no receiver would send: reversed, beyond snd_max, far
	// away in sequence space, single bytes, and an ACK beyond snd_max.
	save("blocks_out_of_place",
	     SackSeedWriter(no_first_rtt | flight_2mib)
		     .ack(una(), std::vector<SackBlockSpec>{
					 {segment(30), segment(20)},
					 {max(-100), max(2000)},
					 {far(0x8000), after(5000)}})
		     .ack(una(), std::vector<SackBlockSpec>{{segment(5, 7), after(1)},
							    {segment(6, -3), after(1)},
							    {una(-1), una(1)},
							    {max(-1), max()}},
			  sack_ack_no_timestamp)
		     .ack(max(1), {})
		     .ack(max(-1), {}, sack_ack_window, 0));

	// Blocks on record edges, a byte off either side: the splits.
	save("record_edges",
	     SackSeedWriter(sack_cfg_tso | flight_2mib)
		     .ack(una(), std::vector<SackBlockSpec>{
					 {record_start(3, -1), record_start(4, 1)},
					 {record_start(6, 1), record_start(7, -1)},
					 {record_start(9), record_start(9, 1)}})
		     .ack(record_start(2, 5),
			  std::vector<SackBlockSpec>{
				  {record_start(1), record_start(2)},
				  {record_start(8, 3), after(3)}},
			  delay(5)));

	// SACKs, then silence: RACK's reordering timer, then timeouts that
	// forget the SACKs and resend everything, backing off.
	save("timeouts_after_sacks",
	     SackSeedWriter(rtt_10ms | flight_2mib)
		     .ack(una(), std::vector<SackBlockSpec>{
					 {segment(100), segment(400)}})
		     .advance_clock_ms(30)
		     .advance_clock_ms(1000)
		     .advance_clock_ms(3000)
		     .ack(una(), std::vector<SackBlockSpec>{
					 {segment(100), segment(200)}})
		     .advance_clock_ms(7000)
		     .ack(segment(50), {}, delay(4)));

	// A short flight whose tail is lost: the loss probe, then the SACK
	// of the probe.
	save("tail_loss_probe",
	     SackSeedWriter(flight_128kib)
		     .ack(segment(40), {}, delay(3))
		     .advance_clock_ms(5)
		     .ack(segment(40), std::vector<SackBlockSpec>{
					       {max(-1448), max()}})
		     .advance_clock_ms(5)
		     .ack(max(), {}));

	// The window shut and opened again, and more data queued behind.
	save("zero_window_and_more_data",
	     SackSeedWriter(flight_128kib)
		     .ack(max(), {}, sack_ack_window, 0)
		     .queue_data(4000)
		     .advance_clock_ms(300)
		     .ack(max(), {}, sack_ack_window, 0)
		     .advance_clock_ms(900)
		     .ack(max(), {}, sack_ack_window, 0x4000)
		     .ack(fraction(0.5), {}, delay(4) | sack_ack_old_tsecr));

	std::printf("wrote %d seeds to %s\n", written, out.c_str());
	return 0;
}
