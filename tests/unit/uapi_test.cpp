// SPDX-License-Identifier: MIT
// The ABI header compiles as C++ and its layout is what the module expects.
#include <linux/toe.h>

#include <cstddef>
#include <iterator>
#include <gtest/gtest.h>

TEST(Uapi, VersionInfoLayout)
{
	EXPECT_EQ(sizeof(toe_version_info), 24u);
	EXPECT_EQ(offsetof(toe_version_info, abi_major), 0u);
	EXPECT_EQ(offsetof(toe_version_info, abi_minor), 2u);
	EXPECT_EQ(offsetof(toe_version_info, features), 8u);
	EXPECT_EQ(offsetof(toe_version_info, context_id), 16u);
}

TEST(Uapi, IoctlNumbersEncodeTheirArgument)
{
	EXPECT_EQ(_IOC_TYPE(TOE_IOC_GET_VERSION), TOE_IOC_MAGIC);
	EXPECT_EQ(_IOC_SIZE(TOE_IOC_GET_VERSION), sizeof(toe_version_info));
	EXPECT_EQ(_IOC_DIR(TOE_IOC_GET_VERSION), unsigned(_IOC_READ));
}

TEST(Uapi, RingEntriesAreOneCacheLine)
{
	EXPECT_EQ(sizeof(toe_sqe), 64u);
	EXPECT_EQ(sizeof(toe_cqe), 64u);
	EXPECT_EQ(sizeof(toe_doorbell), 128u);
	// The engine's flags and the application's arm word sit on separate
	// cache lines so neither side's writes bounce the other's line.
	EXPECT_EQ(offsetof(toe_doorbell, flags), 0u);
	EXPECT_EQ(offsetof(toe_doorbell, cq_armed), 64u);
}

TEST(Uapi, SixtyFourBitFieldsAreNaturallyAligned)
{
	EXPECT_EQ(offsetof(toe_sqe, user_data) % 8, 0u);
	EXPECT_EQ(offsetof(toe_sqe, offset) % 8, 0u);
	EXPECT_EQ(offsetof(toe_sqe, value) % 8, 0u);
	EXPECT_EQ(offsetof(toe_cqe, sock_ref) % 8, 0u);
	EXPECT_EQ(offsetof(toe_setup, anon_pool_size) % 8, 0u);
	EXPECT_EQ(offsetof(toe_enter, timeout_ns) % 8, 0u);
}

TEST(Uapi, EveryIoctlHasItsOwnNumber)
{
	const unsigned long numbers[] = {
		TOE_IOC_GET_VERSION, TOE_IOC_SETUP, TOE_IOC_REG_MR,
		TOE_IOC_DEREG_MR,    TOE_IOC_ENTER, TOE_IOC_ATTACH,
		TOE_IOC_DETACH,
	};
	for (size_t i = 0; i < std::size(numbers); i++)
		for (size_t j = i + 1; j < std::size(numbers); j++)
			EXPECT_NE(_IOC_NR(numbers[i]), _IOC_NR(numbers[j]));
}

// The genl numbers are ABI: new ones come after the old ones, which never
// move. These pin where the toectl views' additions start.
TEST(Uapi, GenlAdditionsFollowTheOldNumbers)
{
	EXPECT_EQ(TOE_CMD_APP_CLOSED, 11);
	EXPECT_EQ(TOE_CMD_SOCK_EVENT, TOE_CMD_APP_CLOSED + 1);
	EXPECT_EQ(TOE_A_PAD, 52);
	EXPECT_EQ(TOE_A_MAX_SOCKETS, 53);
	EXPECT_EQ(TOE_A_SEGS_IN, TOE_A_MAX_SOCKETS + 1);
	EXPECT_EQ(TOE_A_SOCK_STATUS, 90);
	EXPECT_EQ(TOE_A_CONGESTION, TOE_A_SOCK_STATUS + 1);
	EXPECT_EQ(TOE_A_WAIT_MODE, TOE_A_CONGESTION + 1);
	EXPECT_EQ(TOE_A_RX_DEFER_US, TOE_A_WAIT_MODE + 1);
	EXPECT_EQ(TOE_A_POLL_MODE, TOE_A_RX_DEFER_US + 1);
	EXPECT_EQ(TOE_A_POLL_MODE, TOE_A_MAX);
	EXPECT_EQ(TOE_WAIT_INLINE, 0);
	EXPECT_EQ(TOE_WAIT_THREAD, 1);
	// socket options are appended too; the congestion values are fixed
	EXPECT_EQ(TOE_SO_REF, 7);
	EXPECT_EQ(TOE_SO_CONGESTION, TOE_SO_REF + 1);
	EXPECT_EQ(TOE_CC_NEWRENO, 0);
	EXPECT_EQ(TOE_CC_CUBIC, 1);
	EXPECT_EQ(TOE_SOCK_EV_CONNECTED, 1);
	EXPECT_EQ(TOE_SOCK_EV_CLOSED, 5);
}
