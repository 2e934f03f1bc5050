// Classic libpcap capture files (Ethernet, microsecond timestamps): the
// interop harness writes what its engine sent and received, and the fuzz
// seed converter reads them back. Only what those two need: no pcapng, no
// other link types.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace toe::testnet {

struct PcapRecord {
	std::uint64_t time_us = 0;
	std::uint32_t wire_len = 0; // the frame's length on the wire
	std::vector<std::uint8_t> data; // its first snaplen bytes
};

class PcapWriter {
public:
	// Frames longer than snaplen keep only their first snaplen bytes, as
	// `tcpdump -s` does: headers are what the seeds need.
	PcapWriter(const std::string &path, std::uint32_t snaplen);
	~PcapWriter();
	PcapWriter(const PcapWriter &) = delete;
	PcapWriter &operator=(const PcapWriter &) = delete;

	bool ok() const { return file_ != nullptr; }
	void write(std::span<const std::uint8_t> frame, std::uint64_t time_us);

private:
	std::FILE *file_ = nullptr;
	std::uint32_t snaplen_;
};

// Reads a whole capture; 0 or a negative errno (-EINVAL: not a classic
// Ethernet pcap, or a record that runs past the end of the file).
int read_pcap(const std::string &path, std::vector<PcapRecord> &out);

} // namespace toe::testnet
