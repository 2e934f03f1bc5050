// SPDX-License-Identifier: MIT
// `toectl version`: the library's and the module's ABI versions.
#include "commands.hpp"

#include <toe/toe.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

namespace toectl {

int cmd_version(const Options &opts, Args args)
{
	if (!args.empty()) {
		std::fprintf(stderr, "toectl: 'version' takes no arguments\n");
		return 2;
	}

	// Only the version ioctl: toe_open() would set up a whole application
	// context, which 'app show' and 'monitor' would then report.
	toe_version_info info{};
	int err = 0;
	int fd = ::open(TOE_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ::ioctl(fd, TOE_IOC_GET_VERSION, &info) < 0)
		err = -errno;
	if (fd >= 0)
		::close(fd);

	Output out(opts);
	out.begin_record();
	out.field("library", toe::library_version());
	out.field("library_abi", std::to_string(TOE_ABI_MAJOR) + "." +
					 std::to_string(TOE_ABI_MINOR));
	if (!err) {
		out.field("module_abi", std::to_string(info.abi_major) + "." +
						std::to_string(info.abi_minor));
		out.field("features", info.features);
	}
	out.end_record();

	if (err == -ENOENT) {
		std::fprintf(stderr, "toectl: %s not found: is the module loaded? "
				     "Try 'modprobe toe'.\n", TOE_DEVICE_PATH);
		return 1;
	}
	if (err == -EACCES || err == -EPERM) {
		std::fprintf(stderr, "toectl: cannot open %s: permission denied; "
				     "join the 'toe' group or run as root.\n",
			     TOE_DEVICE_PATH);
		return 1;
	}
	if (err) {
		std::fprintf(stderr, "toectl: cannot query the module: %s\n",
			     std::generic_category().message(-err).c_str());
		return 1;
	}
	if (info.abi_major != TOE_ABI_MAJOR) {
		std::fprintf(stderr, "toectl: module ABI %u is not library ABI %u; "
				     "install matching versions.\n",
			     info.abi_major, TOE_ABI_MAJOR);
		return 1;
	}
	return 0;
}

} // namespace toectl
