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
	EXPECT_EQ(toe_submit(nullptr), -EINVAL);
	EXPECT_EQ(toe_get_sqe(nullptr), nullptr);
	EXPECT_EQ(toe_peek_cqe(nullptr, nullptr), -EINVAL);
	EXPECT_EQ(toe_wait_cqe(nullptr, nullptr, 0), -EINVAL);
	EXPECT_EQ(toe_reg_mr(nullptr, nullptr, 0, nullptr), -EINVAL);
	EXPECT_EQ(toe_dereg_mr(nullptr, nullptr), -EINVAL);
	EXPECT_EQ(toe_cq_arm(nullptr), -EINVAL);
	EXPECT_EQ(toe_cq_ready(nullptr), 0u);
	toe_cq_advance(nullptr, 1);
	toe_cqe_seen(nullptr, nullptr);
	toe_close(nullptr);
}

TEST(Libtoe, OpeningANonDeviceFailsOnTheSetup)
{
	toe_handle *h = nullptr;
	EXPECT_EQ(toe_open("/dev/null", &h), -ENOTTY);
	EXPECT_EQ(h, nullptr);
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

TEST(Libtoe, CxxAddressHelperUsesNetworkByteOrder)
{
	sockaddr_in a = toe::ipv4(0x0a000001, 8080);
	EXPECT_EQ(a.sin_family, AF_INET);
	EXPECT_EQ(a.sin_addr.s_addr, htonl(0x0a000001));
	EXPECT_EQ(a.sin_port, htons(8080));
}

TEST(Libtoe, LibraryVersionIsSet)
{
	EXPECT_FALSE(toe::library_version().empty());
}
