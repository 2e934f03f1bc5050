// SPDX-License-Identifier: MIT
// toe_glue_test: toe.ko's own side, driven through the raw ioctls and
// rings (no libtoe), on the test host.
//
//   toe_glue_test --if IF --local ADDR --peer ADDR [CASE...]
//   toe_glue_test --list
//   toe_glue_test attach IF [CPU [IDLE_US]]   (for the shell suite)
//   toe_glue_test detach IF
//
// Cases attach the engine to IF themselves when they need it and detach it
// again; run them in IF's network namespace, with toe.ko loaded and
// nothing attached to IF.
#include "raw.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>
#include <cstring>
#include <net/if.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

int usage()
{
	std::fprintf(stderr, "usage: toe_glue_test --if IF --local ADDR --peer ADDR [CASE...]\n"
			     "       toe_glue_test --list\n"
			     "       toe_glue_test attach IF [CPU [IDLE_US]] | detach IF\n");
	return 2;
}

int attach_cmd(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	int ifindex = int(if_nametoindex(argv[2]));
	if (!ifindex) {
		std::fprintf(stderr, "no interface %s\n", argv[2]);
		return 1;
	}
	int fd = glue::open_dev();
	if (fd < 0) {
		std::fprintf(stderr, "open: %s\n", glue::errno_name(fd).c_str());
		return 1;
	}
	long ret;
	if (std::strcmp(argv[1], "attach") == 0)
		ret = glue::attach_if(fd, ifindex, argc > 3 ? std::atoi(argv[3]) : -1,
				      argc > 4 ? uint32_t(std::atoi(argv[4])) : 0);
	else
		ret = glue::detach_if(fd, ifindex);
	::close(fd);
	if (ret < 0) {
		std::fprintf(stderr, "%s %s: %s\n", argv[1], argv[2], glue::errno_name(int(ret)).c_str());
		return 1;
	}
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc >= 2 && (!std::strcmp(argv[1], "attach") || !std::strcmp(argv[1], "detach")))
		return attach_cmd(argc, argv);

	std::vector<std::string> only;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		auto value = [&]() -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
		if (a == "--list") {
			for (const auto &c : glue::all_cases())
				std::printf("%s\n", c.name);
			return 0;
		} else if (a == "--if") {
			const char *v = value();
			if (!v)
				return usage();
			glue::cfg.ifname = v;
		} else if (a == "--local" || a == "--peer") {
			const char *v = value();
			in_addr addr{};
			if (!v || inet_pton(AF_INET, v, &addr) != 1)
				return usage();
			(a == "--local" ? glue::cfg.local : glue::cfg.peer) = addr.s_addr;
		} else if (a[0] == '-') {
			return usage();
		} else {
			only.push_back(a);
		}
	}
	if (glue::cfg.ifname.empty() || !glue::cfg.local || !glue::cfg.peer)
		return usage();
	glue::cfg.ifindex = int(if_nametoindex(glue::cfg.ifname.c_str()));
	if (!glue::cfg.ifindex) {
		std::fprintf(stderr, "no interface %s here\n", glue::cfg.ifname.c_str());
		return 2;
	}

	int passed = 0, failed = 0;
	std::vector<std::string> failures;
	for (const auto &c : glue::all_cases()) {
		if (!only.empty() && std::find(only.begin(), only.end(), c.name) == only.end())
			continue;
		std::printf("--- %s\n", c.name);
		std::fflush(stdout);
		try {
			c.fn();
			std::printf("PASS %s\n", c.name);
			passed++;
		} catch (const std::exception &e) {
			std::printf("FAIL %s: %s\n", c.name, e.what());
			failures.push_back(c.name);
			failed++;
		}
		std::fflush(stdout);
	}
	std::printf("--- toe_glue_test: %d passed, %d failed", passed, failed);
	for (const auto &f : failures)
		std::printf(" %s", f.c_str());
	std::printf("\n");
	return failed ? 1 : 0;
}
