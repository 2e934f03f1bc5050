// SPDX-License-Identifier: MIT
#include "common/net.hpp"

#include <arpa/inet.h>
#include <charconv>

namespace toe::example {

std::optional<sockaddr_in> parse_endpoint(std::string_view text)
{
	size_t colon = text.rfind(':');
	if (colon == std::string_view::npos)
		return std::nullopt;
	std::string host(text.substr(0, colon));
	std::string_view port_text = text.substr(colon + 1);
	unsigned port = 0;
	auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
	if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535)
		return std::nullopt;

	sockaddr_in sin{};
	sin.sin_family = AF_INET;
	sin.sin_port = htons(uint16_t(port));
	if (host.empty())
		host = "0.0.0.0";
	if (inet_pton(AF_INET, host.c_str(), &sin.sin_addr) != 1)
		return std::nullopt;
	return sin;
}

std::string format_endpoint(uint32_t be_addr, uint16_t be_port)
{
	char buf[INET_ADDRSTRLEN];
	in_addr a{be_addr};
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	return std::string(buf) + ":" + std::to_string(ntohs(be_port));
}

std::string format_endpoint(const sockaddr_in &sin)
{
	return format_endpoint(sin.sin_addr.s_addr, sin.sin_port);
}

std::optional<uint64_t> parse_size(std::string_view text)
{
	uint64_t v = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (ec != std::errc() || end == text.data())
		return std::nullopt;
	std::string_view suffix(end, text.data() + text.size() - end);
	unsigned shift = 0;
	if (suffix == "K" || suffix == "k")
		shift = 10;
	else if (suffix == "M" || suffix == "m")
		shift = 20;
	else if (suffix == "G" || suffix == "g")
		shift = 30;
	else if (!suffix.empty())
		return std::nullopt;
	if (shift && v > (UINT64_MAX >> shift))
		return std::nullopt;
	return v << shift;
}

} // namespace toe::example
