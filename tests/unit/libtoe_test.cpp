// SPDX-License-Identifier: MIT
// libtoe's behaviour without the module: clear negative errno values.
#include <toe/toe.hpp>

#include <cerrno>
#include <gtest/gtest.h>

TEST(Libtoe, OpenMissingDeviceReturnsNegativeErrno)
{
	toe_handle *h = nullptr;
	EXPECT_EQ(toe_open("/nonexistent/toe", &h), -ENOENT);
	EXPECT_EQ(h, nullptr);
}

TEST(Libtoe, NullArgumentsAreRejected)
{
	EXPECT_EQ(toe_open(nullptr, nullptr), -EINVAL);
	EXPECT_EQ(toe_version(nullptr, nullptr), -EINVAL);
	EXPECT_EQ(toe_fd(nullptr), -EINVAL);
	toe_close(nullptr);
}

TEST(Libtoe, OpeningANonDeviceFailsOnTheVersionQuery)
{
	toe_handle *h = nullptr;
	ASSERT_EQ(toe_open("/dev/null", &h), 0);
	toe_version_info info{};
	EXPECT_EQ(toe_version(h, &info), -ENOTTY);
	toe_close(h);
}

TEST(Libtoe, CxxWrapperThrowsSystemError)
{
	try {
		toe::Device dev("/nonexistent/toe");
		FAIL() << "expected an exception";
	} catch (const std::system_error &e) {
		EXPECT_EQ(e.code().value(), ENOENT);
	}
}

TEST(Libtoe, LibraryVersionIsSet)
{
	EXPECT_FALSE(toe::library_version().empty());
}
