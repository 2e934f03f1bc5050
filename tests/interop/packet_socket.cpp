#include "packet_socket.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace toe::interop {
namespace {

// The PACKET_VNET_HDR header (struct virtio_net_hdr). linux/virtio_net.h
// cannot be included from C++ (a member is named "class"), so it is spelled
// out here; the layout is ABI and never changes. Little-endian fields.
struct VnetHeader {
	std::uint8_t flags;
	std::uint8_t gso_type;
	std::uint16_t hdr_len;
	std::uint16_t gso_size;
	std::uint16_t csum_start;
	std::uint16_t csum_offset;
};
static_assert(sizeof(VnetHeader) == 10);
constexpr std::uint8_t vnet_needs_csum = 1; // vnet_needs_csum
constexpr std::uint8_t vnet_gso_tcpv4 = 1; // vnet_gso_tcpv4

[[noreturn]] void throw_errno(const std::string &what)
{
	throw std::system_error(errno, std::generic_category(), what);
}

int open_packet_socket(int ifindex)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		throw_errno("socket(AF_PACKET)");
	sockaddr_ll addr{};
	addr.sll_family = AF_PACKET;
	addr.sll_protocol = htons(ETH_P_ALL);
	addr.sll_ifindex = ifindex;
	if (bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		throw_errno("bind(AF_PACKET)");
	}
	return fd;
}

void set_int_option(int fd, int level, int name, int value, const char *what)
{
	if (setsockopt(fd, level, name, &value, sizeof(value)) < 0)
		throw_errno(what);
}

} // namespace

PacketSocket::PacketSocket(const std::string &ifname, bool tx_vnet_hdr)
	: vnet_(tx_vnet_hdr)
{
	ifindex_ = int(if_nametoindex(ifname.c_str()));
	if (ifindex_ == 0)
		throw_errno("no interface " + ifname);

	rx_fd_ = open_packet_socket(ifindex_);
	set_int_option(rx_fd_, SOL_PACKET, PACKET_AUXDATA, 1, "PACKET_AUXDATA");
	// The engine's own frames are not input.
	set_int_option(rx_fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1,
		       "PACKET_IGNORE_OUTGOING");
	// Frames for the engine's MAC, whatever it is.
	packet_mreq mreq{};
	mreq.mr_ifindex = ifindex_;
	mreq.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(rx_fd_, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq,
		       sizeof(mreq)) < 0)
		throw_errno("PACKET_ADD_MEMBERSHIP");
	set_int_option(rx_fd_, SOL_SOCKET, SO_RCVBUF, 16 << 20, "SO_RCVBUF");
	// SO_RCVBUFFORCE lifts the rmem_max cap when we may (we are root).
	int big = 32 << 20;
	setsockopt(rx_fd_, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));

	tx_fd_ = open_packet_socket(ifindex_);
	if (vnet_)
		set_int_option(tx_fd_, SOL_PACKET, PACKET_VNET_HDR, 1,
			       "PACKET_VNET_HDR");
	setsockopt(tx_fd_, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));

	ifreq ifr{};
	std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
	if (ioctl(rx_fd_, SIOCGIFHWADDR, &ifr) < 0)
		throw_errno("SIOCGIFHWADDR");
	std::memcpy(mac_, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(rx_fd_, SIOCGIFMTU, &ifr) < 0)
		throw_errno("SIOCGIFMTU");
	mtu_ = unsigned(ifr.ifr_mtu);
}

PacketSocket::~PacketSocket()
{
	if (rx_fd_ >= 0)
		close(rx_fd_);
	if (tx_fd_ >= 0)
		close(tx_fd_);
}

int PacketSocket::receive(std::span<std::uint8_t> buf, ReceivedFrame &out)
{
	// Room to reinsert a VLAN tag in front of the payload.
	constexpr std::size_t tag_room = 4;
	if (buf.size() <= tag_room + 14)
		return -EINVAL;
	iovec iov{buf.data() + tag_room, buf.size() - tag_room};
	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(tpacket_auxdata))];
	sockaddr_ll from{};
	msghdr msg{};
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	ssize_t n = recvmsg(rx_fd_, &msg, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;

	out = {};
	out.wire_len = std::size_t(n);
	out.len = std::min<std::size_t>(std::size_t(n), iov.iov_len);
	const tpacket_auxdata *aux = nullptr;
	for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA)
			aux = reinterpret_cast<const tpacket_auxdata *>(
				CMSG_DATA(c));

	std::uint8_t *frame = buf.data() + tag_room;
	if (aux) {
		out.csum_partial = aux->tp_status & TP_STATUS_CSUMNOTREADY;
		out.csum_trusted = out.csum_partial ||
				   (aux->tp_status & TP_STATUS_CSUM_VALID);
		if ((aux->tp_status & TP_STATUS_VLAN_VALID) && out.len >= 12) {
			std::uint16_t tpid = (aux->tp_status &
					      TP_STATUS_VLAN_TPID_VALID)
						     ? aux->tp_vlan_tpid
						     : ETH_P_8021Q;
			std::memmove(frame - tag_room, frame, 12);
			frame -= tag_room;
			frame[12] = std::uint8_t(tpid >> 8);
			frame[13] = std::uint8_t(tpid);
			frame[14] = std::uint8_t(aux->tp_vlan_tci >> 8);
			frame[15] = std::uint8_t(aux->tp_vlan_tci);
			out.len += tag_room;
			out.wire_len += tag_room;
		}
	}
	if (frame != buf.data())
		std::memmove(buf.data(), frame, out.len);
	return 1;
}

int PacketSocket::send(std::span<const std::uint8_t> frame)
{
	if (vnet_) {
		VnetHeader hdr{};
		iovec iov[2] = {{&hdr, sizeof(hdr)},
				{const_cast<std::uint8_t *>(frame.data()),
				 frame.size()}};
		return writev(tx_fd_, iov, 2) < 0 ? -errno : 0;
	}
	return ::send(tx_fd_, frame.data(), frame.size(), 0) < 0 ? -errno : 0;
}

int PacketSocket::send_offloaded(std::span<const std::uint8_t> frame,
				 std::uint16_t csum_start,
				 std::uint16_t csum_offset,
				 std::uint16_t gso_size, std::uint16_t hdr_len)
{
	if (!vnet_)
		return -EOPNOTSUPP;
	VnetHeader hdr{};
	hdr.flags = vnet_needs_csum;
	hdr.csum_start = csum_start;
	hdr.csum_offset = csum_offset;
	if (gso_size) {
		hdr.gso_type = vnet_gso_tcpv4;
		hdr.gso_size = gso_size;
		hdr.hdr_len = hdr_len;
	}
	iovec iov[2] = {{&hdr, sizeof(hdr)},
			{const_cast<std::uint8_t *>(frame.data()), frame.size()}};
	return writev(tx_fd_, iov, 2) < 0 ? -errno : 0;
}

} // namespace toe::interop
