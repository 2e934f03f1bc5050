// SPDX-License-Identifier: MIT
#include "output.hpp"

#include <cstdio>

namespace toectl {

Output::~Output()
{
	if (opts_.json)
		std::puts(records_.dump(opts_.pretty ? 2 : -1).c_str());
}

void Output::begin_record()
{
	current_ = nlohmann::json::object();
	line_.clear();
}

void Output::field(std::string_view key, std::string_view value)
{
	current_[std::string(key)] = value;
	if (!line_.empty())
		line_ += ' ';
	line_.append(key).append(" ").append(value);
}

void Output::field(std::string_view key, std::uint64_t value)
{
	current_[std::string(key)] = value;
	if (!line_.empty())
		line_ += ' ';
	line_.append(key).append(" ").append(std::to_string(value));
}

void Output::end_record()
{
	if (opts_.json)
		records_.push_back(std::move(current_));
	else
		std::puts(line_.c_str());
}

} // namespace toectl
