// SPDX-License-Identifier: MIT
// The version ioctl through libtoe's C++ wrapper, for the test host's smoke
// test: opens /dev/toe, prints the module's ABI version and feature bits,
// and fails unless the module speaks the ABI major this program was built
// against.
#include <toe/toe.hpp>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <system_error>

int main()
{
	try {
		toe::Device dev;
		const toe_version_info info = dev.version();

		std::printf("libtoe %.*s, built for ABI %d.%d\n",
			    static_cast<int>(toe::library_version().size()),
			    toe::library_version().data(), TOE_ABI_MAJOR, TOE_ABI_MINOR);
		std::printf("module ABI %u.%u, features 0x%016" PRIx64 ", context %u\n",
			    info.abi_major, info.abi_minor,
			    static_cast<std::uint64_t>(info.features), info.context_id);

		if (info.abi_major != TOE_ABI_MAJOR) {
			std::fprintf(stderr,
				     "toe_version_check: module ABI major %u, expected %d\n",
				     info.abi_major, TOE_ABI_MAJOR);
			return 1;
		}
		return 0;
	} catch (const std::system_error &e) {
		// what() names the call and the errno text, e.g. "toe_open: No such
		// file or directory".
		std::fprintf(stderr, "toe_version_check: %s\n", e.what());
		if (e.code() == std::errc::no_such_device)
			std::fprintf(stderr, "toe_version_check: is the engine attached "
					     "to a NIC in this network namespace?\n");
		else if (e.code() == std::errc::no_such_file_or_directory)
			std::fprintf(stderr, "toe_version_check: is toe.ko loaded?\n");
		return 1;
	}
}
