#include "neighbours.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "inet.hpp"

namespace toe::interop {

using testnet::load_be16;
using testnet::load_be32;
using testnet::store_be16;
using testnet::store_be32;

namespace {
constexpr std::uint16_t arp_request = 1;
constexpr std::uint16_t arp_reply = 2;
constexpr Neighbours::Mac broadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr Neighbours::Mac zero_mac = {};
} // namespace

Neighbours::Neighbours(std::vector<std::uint32_t> ips,
		       const std::uint8_t mac[6], std::uint16_t vlan_id,
		       Sender send)
	: ips_(std::move(ips)), vlan_id_(vlan_id), send_(std::move(send))
{
	std::copy(mac, mac + 6, mac_.begin());
}

void Neighbours::add_static(std::uint32_t ip, const Mac &mac)
{
	table_[ip] = mac;
}

bool Neighbours::is_local(std::uint32_t ip) const
{
	return std::find(ips_.begin(), ips_.end(), ip) != ips_.end();
}

std::vector<std::uint8_t> Neighbours::build(std::uint16_t op,
					    const Mac &dst_mac,
					    std::uint32_t sender_ip,
					    const Mac &target_mac,
					    std::uint32_t target_ip) const
{
	std::vector<std::uint8_t> frame;
	frame.insert(frame.end(), dst_mac.begin(), dst_mac.end());
	frame.insert(frame.end(), mac_.begin(), mac_.end());
	if (vlan_id_) {
		frame.push_back(0x81);
		frame.push_back(0x00);
		frame.push_back(std::uint8_t(vlan_id_ >> 8));
		frame.push_back(std::uint8_t(vlan_id_));
	}
	std::size_t off = frame.size();
	frame.resize(off + 2 + 28);
	std::uint8_t *p = &frame[off];
	store_be16(p, testnet::ethertype_arp);
	p += 2;
	store_be16(p, 1); // Ethernet
	store_be16(p + 2, testnet::ethertype_ipv4);
	p[4] = 6;
	p[5] = 4;
	store_be16(p + 6, op);
	std::copy(mac_.begin(), mac_.end(), p + 8);
	store_be32(p + 14, sender_ip);
	std::copy(target_mac.begin(), target_mac.end(), p + 18);
	store_be32(p + 24, target_ip);
	frame.resize(std::max<std::size_t>(frame.size(), 60)); // minimum frame
	return frame;
}

bool Neighbours::handle_frame(std::span<const std::uint8_t> frame)
{
	if (frame.size() < 14)
		return false;
	std::size_t off = 12;
	std::uint16_t type = load_be16(&frame[off]);
	std::uint16_t vlan = 0;
	if (type == testnet::ethertype_vlan) {
		if (frame.size() < 18)
			return false;
		vlan = load_be16(&frame[14]) & 0x0fff;
		off += 4;
		type = load_be16(&frame[off]);
	}
	if (type != testnet::ethertype_arp)
		return false;
	if (vlan != vlan_id_)
		return true; // ARP on another VLAN: not ours, not the engine's
	const std::uint8_t *p = &frame[off + 2];
	if (frame.size() < off + 2 + 28 || load_be16(p) != 1 ||
	    load_be16(p + 2) != testnet::ethertype_ipv4 || p[4] != 6 ||
	    p[5] != 4)
		return true;
	std::uint16_t op = load_be16(p + 6);
	Mac sender_mac;
	std::copy(p + 8, p + 14, sender_mac.begin());
	std::uint32_t sender_ip = load_be32(p + 14);
	std::uint32_t target_ip = load_be32(p + 24);
	if (sender_ip != 0 && !is_local(sender_ip))
		table_[sender_ip] = sender_mac;
	if (op == arp_request && is_local(target_ip)) {
		send_(build(arp_reply, sender_mac, target_ip, sender_mac,
			    sender_ip));
		answered_++;
	}
	return true;
}

int Neighbours::resolve(std::uint32_t ip, std::uint8_t mac_out[6],
			std::uint64_t now_us)
{
	auto it = table_.find(ip);
	if (it != table_.end()) {
		std::copy(it->second.begin(), it->second.end(), mac_out);
		return 0;
	}
	auto last = last_request_.find(ip);
	if (last == last_request_.end() || now_us - last->second >= retry_us) {
		last_request_[ip] = now_us;
		send_(build(arp_request, broadcast, ips_.empty() ? 0 : ips_[0],
			    zero_mac, ip));
	}
	return -EAGAIN;
}

void Neighbours::announce()
{
	for (std::uint32_t ip : ips_)
		send_(build(arp_request, broadcast, ip, zero_mac, ip));
}

} // namespace toe::interop
