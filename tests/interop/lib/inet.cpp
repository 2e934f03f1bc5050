#include "inet.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace toe::testnet {

std::uint32_t csum_partial(std::span<const std::uint8_t> data,
			   std::uint32_t sum)
{
	std::uint64_t acc = sum;
	std::size_t i = 0;
	for (; i + 1 < data.size(); i += 2)
		acc += load_be16(&data[i]);
	if (i < data.size())
		acc += std::uint32_t(data[i]) << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return std::uint32_t(acc);
}

std::uint16_t csum_fold(std::uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return std::uint16_t(~sum);
}

std::uint32_t pseudo_header_sum(std::uint32_t src_ip, std::uint32_t dst_ip,
				std::uint8_t proto, std::uint32_t l4_len)
{
	std::uint64_t sum = (src_ip >> 16) + (src_ip & 0xffff) +
			    (dst_ip >> 16) + (dst_ip & 0xffff) + proto + l4_len;
	while (sum >> 32)
		sum = (sum & 0xffffffff) + (sum >> 32);
	return std::uint32_t(sum);
}

std::optional<FrameInfo> parse_frame(std::span<const std::uint8_t> frame)
{
	FrameInfo info;
	if (frame.size() < 14)
		return std::nullopt;
	std::memcpy(info.dst_mac, &frame[0], 6);
	std::memcpy(info.src_mac, &frame[6], 6);
	std::size_t off = 12;
	info.ethertype = load_be16(&frame[off]);
	off += 2;
	if (info.ethertype == ethertype_vlan) {
		if (frame.size() < off + 4)
			return std::nullopt;
		info.vlan_tagged = true;
		info.vlan_id = load_be16(&frame[off]) & 0x0fff;
		info.ethertype = load_be16(&frame[off + 2]);
		off += 4;
	}
	info.l3_off = off;
	if (info.ethertype != ethertype_ipv4)
		return info;

	if (frame.size() < off + 20)
		return std::nullopt;
	const std::uint8_t *ip = &frame[off];
	std::size_t ihl = std::size_t(ip[0] & 15) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || frame.size() < off + ihl)
		return std::nullopt;
	info.is_ipv4 = true;
	info.ip_total_len = load_be16(ip + 2);
	info.ip_id = load_be16(ip + 4);
	std::uint16_t frag = load_be16(ip + 6);
	info.ip_fragment = (frag & 0x3fff) != 0;
	info.proto = ip[9];
	info.src_ip = load_be32(ip + 12);
	info.dst_ip = load_be32(ip + 16);
	info.l4_off = off + ihl;
	std::size_t ip_end = std::min(frame.size(), off + info.ip_total_len);
	if (ip_end < info.l4_off || info.ip_fragment)
		return info;

	const std::uint8_t *l4 = &frame[info.l4_off];
	std::size_t l4_len = ip_end - info.l4_off;
	if (info.proto == ipproto_tcp && l4_len >= 20) {
		std::size_t doff = std::size_t(l4[12] >> 4) * 4;
		if (doff < 20 || doff > l4_len)
			return info;
		info.is_tcp = true;
		info.src_port = load_be16(l4);
		info.dst_port = load_be16(l4 + 2);
		info.seq = load_be32(l4 + 4);
		info.ack = load_be32(l4 + 8);
		info.tcp_flags = l4[13];
		info.window = load_be16(l4 + 14);
		info.payload_off = info.l4_off + doff;
		info.payload_len = l4_len - doff;
	} else if (info.proto == ipproto_udp && l4_len >= 8) {
		info.is_udp = true;
		info.src_port = load_be16(l4);
		info.dst_port = load_be16(l4 + 2);
		info.payload_off = info.l4_off + 8;
		info.payload_len = l4_len - 8;
	}
	return info;
}

std::string ip_to_string(std::uint32_t ip)
{
	char text[16];
	std::snprintf(text, sizeof(text), "%u.%u.%u.%u", ip >> 24,
		      (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
	return text;
}

std::optional<std::uint32_t> parse_ip(const std::string &text)
{
	unsigned parts[4];
	char tail;
	if (std::sscanf(text.c_str(), "%u.%u.%u.%u%c", &parts[0], &parts[1],
			&parts[2], &parts[3], &tail) != 4)
		return std::nullopt;
	std::uint32_t ip = 0;
	for (unsigned part : parts) {
		if (part > 255)
			return std::nullopt;
		ip = ip << 8 | part;
	}
	return ip;
}

std::string mac_to_string(const std::uint8_t mac[6])
{
	char text[18];
	std::snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x",
		      mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return text;
}

bool parse_mac(const std::string &text, std::uint8_t mac_out[6])
{
	unsigned parts[6];
	char tail;
	if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x%c", &parts[0],
			&parts[1], &parts[2], &parts[3], &parts[4], &parts[5],
			&tail) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (parts[i] > 255)
			return false;
		mac_out[i] = std::uint8_t(parts[i]);
	}
	return true;
}

std::string describe_frame(std::span<const std::uint8_t> frame)
{
	auto info = parse_frame(frame);
	char line[256];
	if (!info)
		return "runt frame of " + std::to_string(frame.size()) + " bytes";
	std::string vlan = info->vlan_tagged
				   ? "vlan " + std::to_string(info->vlan_id) + " "
				   : "";
	if (info->ethertype == ethertype_arp)
		return vlan + "ARP " + std::to_string(frame.size()) + " bytes";
	if (!info->is_ipv4) {
		std::snprintf(line, sizeof(line), "ethertype 0x%04x, %zu bytes",
			      info->ethertype, frame.size());
		return vlan + line;
	}
	std::string src = ip_to_string(info->src_ip);
	std::string dst = ip_to_string(info->dst_ip);
	if (info->is_tcp) {
		static const char names[] = "FSRPAUEC";
		std::string flags;
		for (int bit = 0; bit < 8; bit++)
			if (info->tcp_flags & (1 << bit))
				flags.push_back(names[bit]);
		std::snprintf(line, sizeof(line),
			      "TCP %s:%u > %s:%u [%s] seq %u ack %u win %u len %zu",
			      src.c_str(), info->src_port, dst.c_str(),
			      info->dst_port, flags.c_str(), info->seq,
			      info->ack, info->window, info->payload_len);
	} else if (info->is_udp) {
		std::snprintf(line, sizeof(line), "UDP %s:%u > %s:%u len %zu",
			      src.c_str(), info->src_port, dst.c_str(),
			      info->dst_port, info->payload_len);
	} else {
		std::snprintf(line, sizeof(line), "IPv4 %s > %s proto %u%s",
			      src.c_str(), dst.c_str(), info->proto,
			      info->ip_fragment ? " fragment" : "");
	}
	return vlan + line;
}

namespace {

std::uint16_t l4_checksum(std::span<const std::uint8_t> frame,
			  const FrameInfo &info, std::size_t ip_end)
{
	std::size_t l4_len = ip_end - info.l4_off;
	std::uint32_t sum = pseudo_header_sum(info.src_ip, info.dst_ip,
					      info.proto, std::uint32_t(l4_len));
	return csum_fold(
		csum_partial(frame.subspan(info.l4_off, l4_len), sum));
}

std::size_t checksum_field(const FrameInfo &info)
{
	return info.l4_off + (info.proto == ipproto_tcp ? 16 : 6);
}

} // namespace

bool checksums_valid(std::span<const std::uint8_t> frame)
{
	auto info = parse_frame(frame);
	if (!info || !info->is_ipv4)
		return false;
	std::size_t ihl = info->l4_off - info->l3_off;
	if (csum_fold(csum_partial(frame.subspan(info->l3_off, ihl))) != 0)
		return false;
	std::size_t ip_end = info->l3_off + info->ip_total_len;
	if (ip_end > frame.size())
		return false;
	if (!info->is_tcp && !info->is_udp)
		return true;
	if (info->is_udp && load_be16(&frame[checksum_field(*info)]) == 0)
		return true;
	std::uint32_t sum = pseudo_header_sum(
		info->src_ip, info->dst_ip, info->proto,
		std::uint32_t(ip_end - info->l4_off));
	return csum_fold(csum_partial(
		       frame.subspan(info->l4_off, ip_end - info->l4_off),
		       sum)) == 0;
}

void complete_partial_checksum(Bytes &frame, std::size_t csum_start,
			       std::size_t csum_offset)
{
	auto info = parse_frame(frame);
	std::size_t end = frame.size();
	if (info && info->is_ipv4)
		end = std::min(end, info->l3_off + info->ip_total_len);
	if (csum_start + csum_offset + 2 > end)
		return;
	std::uint32_t sum = csum_partial(
		std::span(frame).subspan(csum_start, end - csum_start));
	std::uint16_t value = csum_fold(sum);
	if (info && info->proto == ipproto_udp && value == 0)
		value = 0xffff;
	store_be16(&frame[csum_start + csum_offset], value);
}

void fill_checksums(Bytes &frame)
{
	auto info = parse_frame(frame);
	if (!info || !info->is_ipv4)
		return;
	std::uint8_t *ip = &frame[info->l3_off];
	std::size_t ihl = info->l4_off - info->l3_off;
	store_be16(ip + 10, 0);
	store_be16(ip + 10, csum_fold(csum_partial({ip, ihl})));
	std::size_t ip_end = info->l3_off + info->ip_total_len;
	if (ip_end > frame.size() || (!info->is_tcp && !info->is_udp))
		return;
	std::size_t field = checksum_field(*info);
	store_be16(&frame[field], 0);
	std::uint16_t value = l4_checksum(frame, *info, ip_end);
	if (info->is_udp && value == 0)
		value = 0xffff;
	store_be16(&frame[field], value);
}

std::vector<Bytes> segment_frame(const Bytes &frame, std::size_t mss)
{
	auto info = parse_frame(frame);
	std::vector<Bytes> out;
	if (!info || (!info->is_tcp && !info->is_udp) || mss == 0 ||
	    info->payload_len <= mss) {
		out.push_back(frame);
		fill_checksums(out.back());
		return out;
	}
	std::size_t hdr_len = info->payload_off;
	std::size_t ip_hdr_len = info->l4_off - info->l3_off;
	std::size_t l4_hdr_len = hdr_len - info->l4_off;
	std::size_t count = (info->payload_len + mss - 1) / mss;
	for (std::size_t i = 0; i < count; i++) {
		std::size_t off = i * mss;
		std::size_t len = std::min(mss, info->payload_len - off);
		Bytes seg(frame.begin(), frame.begin() + std::ptrdiff_t(hdr_len));
		seg.insert(seg.end(),
			   frame.begin() + std::ptrdiff_t(hdr_len + off),
			   frame.begin() + std::ptrdiff_t(hdr_len + off + len));
		std::uint8_t *ip = &seg[info->l3_off];
		store_be16(ip + 2, std::uint16_t(ip_hdr_len + l4_hdr_len + len));
		store_be16(ip + 4, std::uint16_t(info->ip_id + i));
		std::uint8_t *l4 = &seg[info->l4_off];
		if (info->is_tcp) {
			store_be32(l4 + 4, info->seq + std::uint32_t(off));
			std::uint8_t flags = info->tcp_flags;
			if (i + 1 < count)
				flags &= std::uint8_t(~(tcpflag::fin | tcpflag::psh));
			if (i > 0)
				flags &= std::uint8_t(~tcpflag::cwr);
			l4[13] = flags;
		} else {
			store_be16(l4 + 4, std::uint16_t(8 + len));
		}
		fill_checksums(seg);
		out.push_back(std::move(seg));
	}
	return out;
}

namespace {

Bytes build_ip_frame(const FrameSpec &spec, std::uint8_t proto,
		     std::size_t l4_len)
{
	Bytes frame;
	frame.insert(frame.end(), spec.dst_mac, spec.dst_mac + 6);
	frame.insert(frame.end(), spec.src_mac, spec.src_mac + 6);
	if (spec.vlan_id) {
		frame.push_back(0x81);
		frame.push_back(0x00);
		frame.push_back(std::uint8_t(spec.vlan_id >> 8 & 0x0f));
		frame.push_back(std::uint8_t(spec.vlan_id));
	}
	frame.push_back(0x08);
	frame.push_back(0x00);
	std::size_t ip_off = frame.size();
	frame.resize(ip_off + 20 + l4_len);
	std::uint8_t *ip = &frame[ip_off];
	ip[0] = 0x45;
	store_be16(ip + 2, std::uint16_t(20 + l4_len));
	store_be16(ip + 4, spec.ip_id);
	store_be16(ip + 6, 0x4000); // DF
	ip[8] = spec.ttl;
	ip[9] = proto;
	store_be32(ip + 12, spec.src_ip);
	store_be32(ip + 16, spec.dst_ip);
	return frame;
}

} // namespace

Bytes build_tcp_frame(const FrameSpec &spec, std::uint32_t seq,
		      std::uint32_t ack, std::uint8_t flags,
		      std::uint16_t window, std::span<const std::uint8_t> options,
		      std::span<const std::uint8_t> payload)
{
	std::size_t opt_len = (options.size() + 3) & ~std::size_t(3);
	std::size_t tcp_hdr = 20 + opt_len;
	Bytes frame = build_ip_frame(spec, ipproto_tcp, tcp_hdr + payload.size());
	std::size_t l4_off = frame.size() - tcp_hdr - payload.size();
	std::uint8_t *tcp = &frame[l4_off];
	store_be16(tcp, spec.src_port);
	store_be16(tcp + 2, spec.dst_port);
	store_be32(tcp + 4, seq);
	store_be32(tcp + 8, ack);
	tcp[12] = std::uint8_t(tcp_hdr / 4) << 4;
	tcp[13] = flags;
	store_be16(tcp + 14, window);
	std::copy(options.begin(), options.end(), tcp + 20);
	// NOP padding keeps the option list well formed without an end marker.
	for (std::size_t i = options.size(); i < opt_len; i++)
		tcp[20 + i] = 1;
	std::copy(payload.begin(), payload.end(), tcp + tcp_hdr);
	fill_checksums(frame);
	return frame;
}

Bytes build_udp_frame(const FrameSpec &spec,
		      std::span<const std::uint8_t> payload)
{
	Bytes frame = build_ip_frame(spec, ipproto_udp, 8 + payload.size());
	std::size_t l4_off = frame.size() - 8 - payload.size();
	std::uint8_t *udp = &frame[l4_off];
	store_be16(udp, spec.src_port);
	store_be16(udp + 2, spec.dst_port);
	store_be16(udp + 4, std::uint16_t(8 + payload.size()));
	std::copy(payload.begin(), payload.end(), udp + 8);
	fill_checksums(frame);
	return frame;
}

} // namespace toe::testnet
