// SPDX-License-Identifier: MIT
// The ABI header compiles as C++ and its layout is what the module expects.
#include <linux/toe.h>

#include <cstddef>
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
