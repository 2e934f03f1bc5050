// SPDX-License-Identifier: MIT
// libtoe's C++ wrappers: RAII ownership over the C API, errors as
// std::system_error.
#pragma once

#include <toe/toe.h>

#include <string_view>
#include <system_error>
#include <utility>

namespace toe {

// Throws std::system_error for a negative errno return.
inline int check(int ret, const char *what)
{
	if (ret < 0)
		throw std::system_error(-ret, std::generic_category(), what);
	return ret;
}

inline std::string_view library_version() { return toe_library_version(); }

// An application context: owns the open /dev/toe.
class Device {
public:
	explicit Device(const char *path = nullptr)
	{
		check(toe_open(path, &handle_), "toe_open");
	}
	~Device() { toe_close(handle_); }

	Device(const Device &) = delete;
	Device &operator=(const Device &) = delete;
	Device(Device &&other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
	Device &operator=(Device &&other) noexcept
	{
		std::swap(handle_, other.handle_);
		return *this;
	}

	toe_version_info version() const
	{
		toe_version_info info{};
		check(toe_version(handle_, &info), "toe_version");
		return info;
	}

	int fd() const { return toe_fd(handle_); }
	toe_handle *get() const { return handle_; }

private:
	toe_handle *handle_ = nullptr;
};

} // namespace toe
