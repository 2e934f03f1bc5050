// SPDX-License-Identifier: MIT
#include "output.hpp"

#include <cstdio>

namespace toectl {

Output::~Output()
{
	if (opts_.json && !stream_)
		std::puts(records_.dump(opts_.pretty ? 2 : -1).c_str());
}

void Output::begin_record()
{
	current_ = nlohmann::json::object();
	line_.clear();
	extra_.clear();
}

void Output::text(std::string_view key, std::string_view value)
{
	if (!line_.empty())
		line_ += ' ';
	line_.append(key).append(" ").append(value);
}

void Output::field(std::string_view key, std::string_view value)
{
	current_[std::string(key)] = value;
	text(key, value);
}

void Output::field(std::string_view key, std::uint64_t value)
{
	current_[std::string(key)] = value;
	text(key, std::to_string(value));
}

void Output::field(std::string_view key, std::int64_t value)
{
	current_[std::string(key)] = value;
	text(key, std::to_string(value));
}

void Output::ref(std::string_view key, std::uint64_t value)
{
	char hex[2 + 16 + 1];
	std::snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)value);
	current_[std::string(key)] = value;
	text(key, hex);
}

void Output::flag(std::string_view key, bool value)
{
	current_[std::string(key)] = value;
	text(key, value ? "on" : "off");
}

void Output::counters(std::string_view key, const Counters &values)
{
	auto &obj = current_[std::string(key)] = nlohmann::json::object();
	for (const auto &[name, value] : values) {
		obj[name] = value;
		extra_.append("    ").append(name).append(" ")
			.append(std::to_string(value)).append("\n");
	}
}

void Output::end_record()
{
	if (opts_.json && stream_) {
		std::puts(current_.dump(opts_.pretty ? 2 : -1).c_str());
		std::fflush(stdout);
	} else if (opts_.json) {
		records_.push_back(std::move(current_));
	} else {
		std::puts(line_.c_str());
		std::fputs(extra_.c_str(), stdout);
		std::fflush(stdout);
	}
}

} // namespace toectl
