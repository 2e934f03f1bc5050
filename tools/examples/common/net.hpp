// SPDX-License-Identifier: MIT
// Addresses and sizes as the examples read and print them.
#pragma once

#include <cstdint>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <string_view>

namespace toe::example {

// "10.0.0.1:7000" (or ":7000" for any address); empty when malformed.
std::optional<sockaddr_in> parse_endpoint(std::string_view text);

// "10.0.0.1:7000" from network-order address and port.
std::string format_endpoint(uint32_t be_addr, uint16_t be_port);
std::string format_endpoint(const sockaddr_in &sin);

// "4096", "64K", "256M", "1G": binary multiples. Empty when malformed.
std::optional<uint64_t> parse_size(std::string_view text);

} // namespace toe::example
