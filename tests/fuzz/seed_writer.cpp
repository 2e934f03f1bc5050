// SeedWriter: fuzz inputs written from code, for the seed corpus.
#include "fuzz_engine.hpp"

namespace toe::fuzz {

SeedWriter &SeedWriter::raw_frame(std::span<const std::uint8_t> frame,
				  std::uint8_t rx_flags, std::uint8_t cut)
{
	bytes_.push_back(std::uint8_t(FuzzOp::raw_frame));
	u16(std::uint16_t(frame.size()));
	bytes_.push_back(rx_flags);
	bytes_.push_back(cut);
	bytes_.insert(bytes_.end(), frame.begin(), frame.end());
	return *this;
}

SeedWriter &SeedWriter::tcp_segment(unsigned target, std::uint8_t flags,
				    std::int16_t seq_delta,
				    std::int16_t ack_delta, std::uint16_t window,
				    bool timestamps,
				    std::span<const std::uint8_t> options,
				    std::span<const std::uint8_t> payload,
				    bool ack_from_snd_nxt)
{
	bytes_.push_back(std::uint8_t(std::uint8_t(FuzzOp::tcp_segment) |
				      (target & 0x0f) << 4));
	bytes_.push_back(flags);
	u16(std::uint16_t(seq_delta));
	u16(std::uint16_t(ack_delta));
	u16(window);
	std::size_t opt_len = std::min<std::size_t>(options.size(), 40);
	bytes_.push_back(std::uint8_t(opt_len << 2 | (ack_from_snd_nxt ? 2 : 0) |
				      (timestamps ? 1 : 0)));
	bytes_.insert(bytes_.end(), options.begin(), options.begin() + opt_len);
	u16(std::uint16_t(payload.size()));
	bytes_.insert(bytes_.end(), payload.begin(), payload.end());
	return *this;
}

SeedWriter &SeedWriter::udp_datagram(unsigned port_choice,
				     std::span<const std::uint8_t> payload)
{
	bytes_.push_back(std::uint8_t(std::uint8_t(FuzzOp::udp_datagram) |
				      (port_choice & 0x0f) << 4));
	u16(std::uint16_t(payload.size()));
	bytes_.insert(bytes_.end(), payload.begin(), payload.end());
	return *this;
}

SeedWriter &SeedWriter::advance_clock(std::uint32_t us)
{
	bytes_.push_back(std::uint8_t(FuzzOp::advance_clock));
	u16(std::uint16_t(us >> 16));
	u16(std::uint16_t(us));
	return *this;
}

SeedWriter &SeedWriter::host_request(std::uint8_t request, std::uint8_t target,
				     std::uint8_t owner,
				     std::span<const std::uint8_t> args)
{
	bytes_.push_back(std::uint8_t(FuzzOp::host_request));
	bytes_.push_back(request);
	bytes_.push_back(target);
	bytes_.push_back(owner);
	bytes_.insert(bytes_.end(), args.begin(), args.end());
	return *this;
}

void SeedWriter::u16(std::uint16_t v)
{
	bytes_.push_back(std::uint8_t(v >> 8));
	bytes_.push_back(std::uint8_t(v));
}

} // namespace toe::fuzz
