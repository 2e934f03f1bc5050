// Classic pcap: a 24-byte file header, then per frame a 16-byte record
// header and the captured bytes, all in the writer's byte order (the magic
// number says which).
#include "pcap.hpp"

#include <cerrno>
#include <cstring>

namespace toe::testnet {

namespace {

constexpr std::uint32_t magic_us = 0xa1b2c3d4;
constexpr std::uint32_t magic_us_swapped = 0xd4c3b2a1;
constexpr std::uint32_t linktype_ethernet = 1;
// Larger than any frame the engine sees (a 64 KiB GRO super-frame plus
// headers), so a corrupt length is caught before allocating.
constexpr std::uint32_t max_record = 256 * 1024;

struct FileHeader {
	std::uint32_t magic;
	std::uint16_t version_major, version_minor;
	std::int32_t thiszone;
	std::uint32_t sigfigs, snaplen, linktype;
};

struct RecordHeader {
	std::uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

std::uint32_t swap32(std::uint32_t v)
{
	return __builtin_bswap32(v);
}

} // namespace

PcapWriter::PcapWriter(const std::string &path, std::uint32_t snaplen)
	: snaplen_(snaplen)
{
	file_ = std::fopen(path.c_str(), "wb");
	if (!file_)
		return;
	FileHeader hdr{magic_us, 2, 4, 0, 0, snaplen, linktype_ethernet};
	std::fwrite(&hdr, sizeof(hdr), 1, file_);
}

PcapWriter::~PcapWriter()
{
	if (file_)
		std::fclose(file_);
}

void PcapWriter::write(std::span<const std::uint8_t> frame,
		       std::uint64_t time_us)
{
	if (!file_)
		return;
	auto kept = std::uint32_t(std::min<std::size_t>(frame.size(), snaplen_));
	RecordHeader rec{std::uint32_t(time_us / 1'000'000),
			 std::uint32_t(time_us % 1'000'000), kept,
			 std::uint32_t(frame.size())};
	std::fwrite(&rec, sizeof(rec), 1, file_);
	std::fwrite(frame.data(), 1, kept, file_);
}

int read_pcap(const std::string &path, std::vector<PcapRecord> &out)
{
	std::FILE *file = std::fopen(path.c_str(), "rb");
	if (!file)
		return -errno;
	int rc = 0;
	FileHeader hdr;
	bool swapped = false;
	if (std::fread(&hdr, sizeof(hdr), 1, file) != 1) {
		rc = -EINVAL;
	} else if (hdr.magic == magic_us_swapped) {
		swapped = true;
		hdr.linktype = swap32(hdr.linktype);
	} else if (hdr.magic != magic_us) {
		rc = -EINVAL;
	}
	if (rc == 0 && hdr.linktype != linktype_ethernet)
		rc = -EINVAL;
	RecordHeader rec;
	while (rc == 0 && std::fread(&rec, sizeof(rec), 1, file) == 1) {
		if (swapped) {
			rec.ts_sec = swap32(rec.ts_sec);
			rec.ts_usec = swap32(rec.ts_usec);
			rec.incl_len = swap32(rec.incl_len);
			rec.orig_len = swap32(rec.orig_len);
		}
		if (rec.incl_len > max_record || rec.incl_len > rec.orig_len) {
			rc = -EINVAL;
			break;
		}
		PcapRecord r;
		r.time_us = std::uint64_t(rec.ts_sec) * 1'000'000 + rec.ts_usec;
		r.wire_len = rec.orig_len;
		r.data.resize(rec.incl_len);
		if (std::fread(r.data.data(), 1, rec.incl_len, file) !=
		    rec.incl_len) {
			rc = -EINVAL;
			break;
		}
		out.push_back(std::move(r));
	}
	std::fclose(file);
	return rc;
}

} // namespace toe::testnet
