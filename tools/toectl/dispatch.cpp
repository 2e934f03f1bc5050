// SPDX-License-Identifier: MIT
// The command tables' shared dispatch and argument helpers.
#include "commands.hpp"

#include <linux/toe.h>

#include <charconv>
#include <cstdio>

namespace toectl {

void print_help(std::string_view object, std::span<const Command> table,
		FILE *to)
{
	std::fprintf(to, "Usage:\n");
	for (const auto &c : table)
		std::fprintf(to, "  toectl [-j] [-p] [-d] %.*s %.*s%s%.*s\n      %.*s\n",
			     int(object.size()), object.data(), int(c.name.size()),
			     c.name.data(), c.usage.empty() ? "" : " ",
			     int(c.usage.size()), c.usage.data(),
			     int(c.summary.size()), c.summary.data());
	std::fprintf(to, "The default command is '%.*s'.\n",
		     int(table[0].name.size()), table[0].name.data());
}

int dispatch(std::string_view object, std::span<const Command> table,
	     const Options &opts, Args args)
{
	if (args.empty())
		return table[0].run(opts, args);
	if (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		print_help(object, table, stdout);
		return 0;
	}
	for (const auto &c : table)
		if (c.name == args[0])
			return c.run(opts, args.subspan(1));
	std::fprintf(stderr, "toectl: unknown command '%.*s' for '%.*s'; see 'toectl %.*s help'\n",
		     int(args[0].size()), args[0].data(), int(object.size()),
		     object.data(), int(object.size()), object.data());
	return 2;
}

std::optional<std::uint64_t> parse_number(std::string_view arg,
					  std::string_view what,
					  std::uint64_t max)
{
	std::uint64_t v = 0;
	auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), v);
	if (ec != std::errc() || end != arg.data() + arg.size() || v > max) {
		std::fprintf(stderr, "toectl: '%.*s' is not a valid %.*s (0..%llu)\n",
			     int(arg.size()), arg.data(), int(what.size()),
			     what.data(), (unsigned long long)max);
		return std::nullopt;
	}
	return v;
}

std::optional<std::uint8_t> parse_choice(std::string_view arg, std::string_view what,
					 std::span<const Choice> choices)
{
	std::string words;
	for (const Choice &c : choices) {
		if (c.word == arg)
			return c.value;
		if (!words.empty())
			words += ", ";
		words += c.word;
	}
	std::fprintf(stderr, "toectl: unknown %.*s '%.*s'; use one of %s\n", int(what.size()),
		     what.data(), int(arg.size()), arg.data(), words.c_str());
	return std::nullopt;
}

int bad_argument(std::string_view object, std::string_view arg)
{
	std::fprintf(stderr, "toectl: unexpected or incomplete argument '%.*s'; see 'toectl %.*s help'\n",
		     int(arg.size()), arg.data(), int(object.size()), object.data());
	return 2;
}

std::string_view tcp_state_name(unsigned state)
{
	static constexpr std::string_view names[] = {
		"CLOSED",     "LISTEN",     "SYN_SENT",   "SYN_RECEIVED",
		"ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
		"CLOSING",    "LAST_ACK",   "TIME_WAIT",
	};
	return state < std::size(names) ? names[state] : "UNKNOWN";
}

std::string_view congestion_name(unsigned cc)
{
	switch (cc) {
	case TOE_CC_NEWRENO:
		return "newreno";
	case TOE_CC_CUBIC:
		return "cubic";
	default:
		return "unknown";
	}
}

} // namespace toectl
