// AF_PACKET access to one interface: what the engine's port needs to put
// frames on a real link and take them off it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace toe::interop {

struct ReceivedFrame {
	std::size_t len = 0; // bytes written to the buffer (frame as on the wire)
	std::size_t wire_len = 0; // the frame's length before truncation
	// The kernel knows the L4 checksum is right, or the frame came from a
	// local sender that left it partial (never computed, never wrong).
	bool csum_trusted = false;
	bool csum_partial = false;
};

class PacketSocket {
public:
	// Binds to ifname. With tx_vnet_hdr, send_offloaded() can hand the
	// kernel partial checksums and GSO super-frames (PACKET_VNET_HDR).
	PacketSocket(const std::string &ifname, bool tx_vnet_hdr);
	~PacketSocket();
	PacketSocket(const PacketSocket &) = delete;
	PacketSocket &operator=(const PacketSocket &) = delete;

	int rx_fd() const { return rx_fd_; }
	int ifindex() const { return ifindex_; }
	const std::uint8_t *mac() const { return mac_; }
	unsigned mtu() const { return mtu_; }

	// One frame, or 0 with nothing waiting, or -errno. The 802.1Q tag the
	// kernel took off (hardware VLAN acceleration) is put back in place.
	int receive(std::span<std::uint8_t> buf, ReceivedFrame &out);
	// A complete frame: 0 or -errno.
	int send(std::span<const std::uint8_t> frame);
	// A frame with a partial L4 checksum (csum_start/csum_offset as the
	// engine gives them) and, with gso_size, a TCP super-frame for the
	// kernel to segment. Needs tx_vnet_hdr.
	int send_offloaded(std::span<const std::uint8_t> frame,
			   std::uint16_t csum_start, std::uint16_t csum_offset,
			   std::uint16_t gso_size, std::uint16_t hdr_len);

private:
	int rx_fd_ = -1;
	int tx_fd_ = -1;
	int ifindex_ = 0;
	bool vnet_ = false;
	std::uint8_t mac_[6] = {};
	unsigned mtu_ = 1500;
};

} // namespace toe::interop
