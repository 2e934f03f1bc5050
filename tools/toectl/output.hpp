// SPDX-License-Identifier: MIT
// One print path for text and JSON: commands describe each record once.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace toectl {

struct Options {
	bool json = false;
	bool pretty = false;
	bool details = false;
};

// Collects records; text mode prints "key value" pairs, JSON mode an array.
class Output {
public:
	explicit Output(const Options &opts) : opts_(opts) {}
	~Output();

	void begin_record();
	void field(std::string_view key, std::string_view value);
	void field(std::string_view key, std::uint64_t value);
	void end_record();

private:
	const Options &opts_;
	nlohmann::json records_ = nlohmann::json::array();
	nlohmann::json current_;
	std::string line_;
};

} // namespace toectl
