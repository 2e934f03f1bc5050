// ARP for the engine's port: the engine owns an address the host kernel
// does not have, so the port answers ARP requests for it, learns the
// peers' MACs from the ARP traffic it sees, and asks when it must.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace toe::interop {

class Neighbours {
public:
	using Mac = std::array<std::uint8_t, 6>;
	using Sender = std::function<void(std::span<const std::uint8_t>)>;

	// ips: the engine's addresses; mac: its MAC; vlan_id: 0 or the tag
	// its frames carry.
	Neighbours(std::vector<std::uint32_t> ips, const std::uint8_t mac[6],
		   std::uint16_t vlan_id, Sender send);

	void add_static(std::uint32_t ip, const Mac &mac);
	// True if the frame was ARP (handled here, not for the engine).
	bool handle_frame(std::span<const std::uint8_t> frame);
	// 0 with mac filled, or -EAGAIN after sending (at most every
	// retry_us) a request.
	int resolve(std::uint32_t ip, std::uint8_t mac_out[6],
		    std::uint64_t now_us);
	// Tells the world where the engine is (gratuitous ARP).
	void announce();

	std::uint64_t requests_answered() const { return answered_; }

private:
	std::vector<std::uint8_t> build(std::uint16_t op, const Mac &dst_mac,
					std::uint32_t sender_ip,
					const Mac &target_mac,
					std::uint32_t target_ip) const;
	bool is_local(std::uint32_t ip) const;

	std::vector<std::uint32_t> ips_;
	Mac mac_{};
	std::uint16_t vlan_id_;
	Sender send_;
	std::map<std::uint32_t, Mac> table_;
	std::map<std::uint32_t, std::uint64_t> last_request_;
	std::uint64_t answered_ = 0;
	static constexpr std::uint64_t retry_us = 200'000;
};

} // namespace toe::interop
