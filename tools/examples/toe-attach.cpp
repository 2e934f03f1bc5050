// SPDX-License-Identifier: MIT
// toe-attach: attaches the engine to a network interface, or detaches it,
// through TOE_IOC_ATTACH and TOE_IOC_DETACH. `toectl engine attach` does
// the same over generic netlink and is the usual way; this one needs no
// libnl, and the test-host suites use it to drive the ioctl path.
#include "common/cli.hpp"
#include "common/net.hpp"

#include <linux/toe.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <string>
#include <sys/ioctl.h>
#include <unistd.h>

using namespace toe::example;

namespace {

const char usage_text[] = R"(usage: toe-attach [options] IFNAME
       toe-attach --detach IFNAME

Attaches the toe engine to IFNAME (or detaches it). Needs CAP_NET_ADMIN.

options:
  -d, --detach            detach instead of attach
  -c, --cpu N             run the engine thread on CPU N (default: any)
  -i, --poll-idle-us N    busy-poll this long after the last work before
                          sleeping (default: the module's)
  -b, --buflets N         buflets in the engine's pool (default: the module's)
  -H, --hold              keep /dev/toe open until SIGINT or SIGTERM, then
                          detach (for a module that ties the attachment to
                          the file)
  -h, --help              this text
)";

} // namespace

int main(int argc, char **argv)
{
	set_program_name(argv[0]);
	static const option long_opts[] = {
		{"detach", no_argument, nullptr, 'd'},
		{"cpu", required_argument, nullptr, 'c'},
		{"poll-idle-us", required_argument, nullptr, 'i'},
		{"buflets", required_argument, nullptr, 'b'},
		{"hold", no_argument, nullptr, 'H'},
		{"help", no_argument, nullptr, 'h'},
		{},
	};
	bool detach = false, hold = false;
	toe_attach req{};
	req.cpu = -1;
	int c;
	while ((c = getopt_long(argc, argv, "dc:i:b:Hh", long_opts, nullptr)) != -1) {
		switch (c) {
		case 'd': detach = true; break;
		case 'c': {
			uint64_t cpu = size_option("--cpu", optarg);
			if (cpu > INT32_MAX)
				usage_error("--cpu is out of range");
			req.cpu = int32_t(cpu);
			break;
		}
		case 'i': {
			uint64_t us = size_option("--poll-idle-us", optarg);
			if (us > UINT32_MAX)
				usage_error("--poll-idle-us is out of range");
			req.poll_idle_us = uint32_t(us);
			break;
		}
		case 'b': {
			uint64_t n = size_option("--buflets", optarg);
			if (n > UINT32_MAX)
				usage_error("--buflets is out of range");
			req.buflets = uint32_t(n);
			break;
		}
		case 'H': hold = true; break;
		case 'h': std::fputs(usage_text, stdout); return 0;
		default: usage_error("bad option");
		}
	}
	if (argc - optind != 1)
		usage_error("want one interface name");
	const char *ifname = argv[optind];
	req.ifindex = if_nametoindex(ifname);
	if (!req.ifindex)
		die(std::string("no interface ") + ifname);

	int fd = ::open(TOE_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(std::string(TOE_DEVICE_PATH) + ": " + std::strerror(errno));
	unsigned long cmd = detach ? TOE_IOC_DETACH : TOE_IOC_ATTACH;
	if (::ioctl(fd, cmd, &req) < 0)
		die(std::string(detach ? "detach from " : "attach to ") + ifname + ": " +
		    std::strerror(errno));
	std::printf("%s %s\n", detach ? "detached from" : "attached to", ifname);
	std::fflush(stdout);

	if (hold && !detach) {
		install_stop_signals();
		while (!stop_requested)
			pause();
		if (::ioctl(fd, TOE_IOC_DETACH, &req) < 0)
			die(std::string("detach from ") + ifname + ": " + std::strerror(errno));
		std::printf("detached from %s\n", ifname);
	}
	::close(fd);
	return 0;
}
