// SPDX-License-Identifier: MIT
// The "toe" generic netlink family over libnl-genl-3: requests, dumps and
// the events group, with the kernel's errors and extended-ack messages.
#pragma once

#include <linux/toe.h>

#include <netlink/attr.h>

#include <array>
#include <cstdint>
#include <functional>
#include <string>

struct nl_sock;
struct nl_msg;

namespace toectl {

// One received message's attributes, indexed by TOE_A_*.
class Attrs {
public:
	explicit Attrs(nlattr *const *tb) { std::copy(tb, tb + table_.size(), table_.begin()); }
	Attrs(nlattr *head, int len);

	bool has(int type) const { return table_[type] != nullptr; }
	std::uint64_t u64(int type) const;
	std::uint32_t u32(int type) const;
	std::int32_t s32(int type) const;
	std::uint16_t u16(int type) const;
	std::uint8_t u8(int type) const;
	std::string str(int type) const;
	std::string ipv4(int type) const; // dotted quad of a network-order u32
	std::string endpoint(int addr_type, int port_type) const; // ADDR:PORT
	nlattr *raw(int type) const { return table_[type]; }

private:
	std::array<nlattr *, TOE_A_MAX + 1> table_{};
};

// A failed request: -errno plus the kernel's extended-ack text, if any.
struct NlError {
	int err;
	std::string message;
};

class Genl {
public:
	using Fill = std::function<void(nl_msg *)>;
	using OnMessage = std::function<void(std::uint8_t cmd, const Attrs &)>;

	Genl();
	~Genl();
	Genl(const Genl &) = delete;
	Genl &operator=(const Genl &) = delete;

	// Connects and finds the family: -ENOENT when the module isn't loaded.
	int open();
	// A doit request; 0 or -errno (then error() holds the details).
	int request(std::uint8_t cmd, const Fill &fill);
	// A dump; each message goes to on_message.
	int dump(std::uint8_t cmd, const Fill &fill, const OnMessage &on_message);
	// Joins one of the family's multicast groups: -EPERM when it needs
	// a capability the caller lacks.
	int join(const char *group_name);
	// Hands each event of the groups joined to on_message, for ever.
	int monitor(const OnMessage &on_message);

	const NlError &error() const { return error_; }

private:
	int exchange(nl_msg *msg, const OnMessage *on_message);

	nl_sock *sock_ = nullptr;
	int family_ = -1;
	NlError error_{};
};

// Prints a one-line error naming the fix for err (from open, request or
// dump) and returns the exit status.
int report_error(const char *what, const NlError &e);

} // namespace toectl
