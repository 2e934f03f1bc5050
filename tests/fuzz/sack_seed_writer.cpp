// SackSeedWriter: inputs for the SACK target written from code, for its
// seed corpus (the formats are in sack_target.hpp and README.md).
#include <algorithm>

#include "sack_target.hpp"

namespace toe::fuzz {

SackSeedWriter &SackSeedWriter::ack(SackPoint cumulative,
				    std::span<const SackBlockSpec> blocks,
				    std::uint8_t misc, std::uint16_t window)
{
	bytes_.push_back(std::uint8_t(std::uint8_t(SackOp::ack) |
				      std::min<std::size_t>(blocks.size(), 4) << 3));
	bytes_.push_back(misc);
	point(cumulative);
	if (misc & sack_ack_window)
		u16(window);
	for (std::size_t i = 0; i < blocks.size() && i < 4; i++) {
		point(blocks[i].start);
		point(blocks[i].end);
	}
	return *this;
}

SackSeedWriter &SackSeedWriter::advance_clock_us(std::uint16_t us)
{
	bytes_.push_back(std::uint8_t(SackOp::advance_clock));
	u16(us & 0x7fff);
	return *this;
}

SackSeedWriter &SackSeedWriter::advance_clock_ms(std::uint16_t ms)
{
	bytes_.push_back(std::uint8_t(SackOp::advance_clock));
	u16(0x8000 | (ms & 0x7fff));
	return *this;
}

SackSeedWriter &SackSeedWriter::queue_data(std::uint16_t units_of_256)
{
	bytes_.push_back(std::uint8_t(SackOp::queue_data));
	u16(units_of_256);
	return *this;
}

SackSeedWriter &SackSeedWriter::sack_storm(std::uint8_t acks,
					   std::uint16_t stride,
					   std::uint8_t phase)
{
	bytes_.push_back(std::uint8_t(SackOp::sack_storm));
	bytes_.push_back(acks);
	u16(stride);
	bytes_.push_back(phase);
	return *this;
}

void SackSeedWriter::u16(std::uint16_t v)
{
	bytes_.push_back(std::uint8_t(v >> 8));
	bytes_.push_back(std::uint8_t(v));
}

void SackSeedWriter::point(const SackPoint &p)
{
	bytes_.push_back(std::uint8_t(std::uint8_t(p.edge) |
				      std::uint8_t((p.nudge + 16) & 31) << 3));
	u16(p.param);
}

} // namespace toe::fuzz
