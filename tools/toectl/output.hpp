// SPDX-License-Identifier: MIT
// One print path for text and JSON: commands describe each record once.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace toectl {

struct Options {
	bool json = false;
	bool pretty = false;
	bool details = false;
};

using Counters = std::vector<std::pair<std::string, std::uint64_t>>;

// Collects records; text mode prints one line of "key value" pairs per
// record (counters on indented lines after it), JSON mode an array of
// objects. stream() prints each record at once, for monitor.
class Output {
public:
	explicit Output(const Options &opts, bool stream = false)
		: opts_(opts), stream_(stream) {}
	~Output();

	void begin_record();
	void field(std::string_view key, std::string_view value);
	void field(std::string_view key, const char *value) { field(key, std::string_view(value)); }
	void field(std::string_view key, std::uint64_t value);
	void field(std::string_view key, std::int64_t value);
	void field(std::string_view key, std::uint32_t value) { field(key, std::uint64_t(value)); }
	void field(std::string_view key, int value) { field(key, std::int64_t(value)); }
	void field(std::string_view key, unsigned long long value) { field(key, std::uint64_t(value)); }
	// A reference number: hex in text, a plain number in JSON.
	void ref(std::string_view key, std::uint64_t value);
	// A switch: "on"/"off" in text, true/false in JSON.
	void flag(std::string_view key, bool value);
	void counters(std::string_view key, const Counters &values);
	void end_record();

private:
	void text(std::string_view key, std::string_view value);

	const Options &opts_;
	bool stream_;
	nlohmann::json records_ = nlohmann::json::array();
	nlohmann::json current_;
	std::string line_;
	std::string extra_;
};

} // namespace toectl
