// SPDX-License-Identifier: MIT
// toectl: the toe administrator's tool.
//
//   toectl [-j] [-p] [-d] OBJECT [COMMAND] [ARGS]
#include "commands.hpp"

#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

namespace {

using namespace toectl;

struct Object {
	std::string_view name;
	int (*run)(const Options &, Args);
	std::string_view summary;
	void (*help)(FILE *);
};

const Object objects[] = {
	{ "engine", cmd_engine, "attach, detach, show engines and counters", engine_help },
	{ "app", cmd_app, "application contexts", app_help },
	{ "socket", cmd_socket, "sockets and their TCP state; counts per state", socket_help },
	{ "listener", cmd_listener, "listening sockets: queues, backlog, drops", listener_help },
	{ "buffer", cmd_buffer, "posted named buffers", buffer_help },
	{ "monitor", cmd_monitor, "follow engine, application and connection events", nullptr },
	{ "version", cmd_version, "library and module ABI versions", nullptr },
};

void usage(FILE *to)
{
	std::fprintf(to, "Usage: toectl [-j] [-p] [-d] OBJECT [COMMAND] [ARGS]\n"
			 "  -j  JSON output\n"
			 "  -p  pretty JSON\n"
			 "  -d  details\n"
			 "Objects:\n");
	for (const auto &obj : objects)
		std::fprintf(to, "  %-10.*s %.*s\n", (int)obj.name.size(),
			     obj.name.data(), (int)obj.summary.size(),
			     obj.summary.data());
	std::fprintf(to, "  %-10s this text; 'toectl OBJECT help' for an object's commands\n", "help");
}

} // namespace

int main(int argc, char **argv)
{
	Options opts;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		std::string_view flag = argv[i];
		if (flag == "-j" || flag == "--json")
			opts.json = true;
		else if (flag == "-p" || flag == "--pretty")
			opts.pretty = opts.json = true;
		else if (flag == "-d" || flag == "--details")
			opts.details = true;
		else if (flag == "-h" || flag == "--help") {
			usage(stdout);
			return 0;
		} else {
			std::fprintf(stderr, "toectl: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}

	std::string_view name = argv[i++];
	if (name == "help") {
		if (i < argc) {
			std::string_view what = argv[i];
			for (const auto &obj : objects)
				if (obj.name == what && obj.help) {
					obj.help(stdout);
					return 0;
				}
		}
		usage(stdout);
		return 0;
	}
	std::vector<std::string_view> args(argv + i, argv + argc);
	for (const auto &obj : objects)
		if (obj.name == name)
			return obj.run(opts, args);

	std::fprintf(stderr, "toectl: unknown object '%.*s'; see 'toectl help'\n",
		     (int)name.size(), name.data());
	return 2;
}
