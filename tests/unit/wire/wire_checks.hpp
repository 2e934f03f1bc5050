// What the wire tests share: the two hosts' addresses, a checker for a
// received stream, and state dumps for failure messages.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>

#include "wire_sim.hpp"

namespace toe::wiresim {

inline constexpr std::uint32_t ip_a = 0x0a000001; // 10.0.0.1
inline constexpr std::uint32_t ip_b = 0x0a000002;
inline constexpr std::uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
inline constexpr std::uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
inline constexpr std::uint16_t port_b = 5001;
inline constexpr std::uint32_t owner = 1;
inline constexpr std::uint64_t mib = 1024 * 1024;

// TOE_WIRE_SEED=n shifts every scenario's seeds, to explore other runs.
inline std::uint64_t seed_offset()
{
	const char *env = std::getenv("TOE_WIRE_SEED");
	return env ? std::strtoull(env, nullptr, 0) * 1000 : 0;
}

// Checks a received stream against what the other side sent, in order.
class StreamChecker {
public:
	StreamChecker(const std::uint8_t *expected, std::uint64_t len)
		: expected_(expected), len_(len)
	{
	}
	void consume(std::span<const std::uint8_t> data)
	{
		if (mismatch_)
			return;
		if (pos_ + data.size() > len_) {
			mismatch_ = pos_;
			overrun_ = true;
			return;
		}
		if (std::memcmp(data.data(), expected_ + pos_, data.size()) != 0) {
			std::size_t i = 0;
			while (data[i] == expected_[pos_ + i])
				i++;
			mismatch_ = pos_ + i;
			return;
		}
		pos_ += data.size();
	}
	std::uint64_t position() const { return pos_; }
	std::optional<std::uint64_t> mismatch() const { return mismatch_; }
	bool overrun() const { return overrun_; }

private:
	const std::uint8_t *expected_;
	std::uint64_t len_;
	std::uint64_t pos_ = 0;
	std::optional<std::uint64_t> mismatch_;
	bool overrun_ = false;
};

inline std::string dump_sockets(toe_engine *eng)
{
	std::string out;
	std::uint32_t cursor = 0;
	toe_sock_info info;
	while (toe_sock_iter_next(eng, &cursor, &info) == 0)
		out += "    " + testnet::describe_sock(info) + "\n";
	return out;
}

inline std::string dump_host(const char *name, SimHost &host)
{
	toe_engine_counters c;
	toe_engine_get_counters(host.engine(), &c);
	return std::string(name) + ": " + testnet::describe_counters(c) + "\n" +
	       dump_sockets(host.engine());
}

} // namespace toe::wiresim
