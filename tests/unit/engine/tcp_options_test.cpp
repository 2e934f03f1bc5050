// TCP option parsing and building.
#include <gtest/gtest.h>

#include <vector>

extern "C" {
#include "tcp_options.h"
}

namespace {

toe_tcp_opts parse(const std::vector<uint8_t> &b, bool syn, int *rc = nullptr)
{
	toe_tcp_opts o;
	int r = toe_tcp_opts_parse(b.data(), static_cast<uint32_t>(b.size()), syn, &o);
	if (rc)
		*rc = r;
	return o;
}

} // namespace

TEST(TcpOptions, ParsesLinuxStyleSynOptions)
{
	// MSS 1460, SACK_PERM, TS 0x01020304/0, NOP, WS 7
	std::vector<uint8_t> b = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4,
				  0, 0, 0, 0, 1, 3, 3, 7};
	int rc;
	auto o = parse(b, true, &rc);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(o.flags, TOE_TCPOPT_F_MSS | TOE_TCPOPT_F_SACK_PERM |
				   TOE_TCPOPT_F_TS | TOE_TCPOPT_F_WSCALE);
	EXPECT_EQ(o.mss, 1460);
	EXPECT_EQ(o.wscale, 7);
	EXPECT_EQ(o.tsval, 0x01020304u);
	EXPECT_EQ(o.tsecr, 0u);
}

TEST(TcpOptions, SynOnlyOptionsAreIgnoredOutsideSyn)
{
	std::vector<uint8_t> b = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1};
	auto o = parse(b, false);
	EXPECT_EQ(o.flags, 0u);
}

TEST(TcpOptions, WindowScaleAbove14IsTreatedAs14)
{
	std::vector<uint8_t> b = {3, 3, 20, 0};
	auto o = parse(b, true);
	EXPECT_TRUE(o.flags & TOE_TCPOPT_F_WSCALE);
	EXPECT_EQ(o.wscale, TOE_TCP_MAX_WSCALE);
}

TEST(TcpOptions, ZeroLengthOptionStopsParsingAndKeepsEarlierOptions)
{
	std::vector<uint8_t> b = {2, 4, 0x02, 0x00, 30, 0, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8};
	int rc;
	auto o = parse(b, true, &rc);
	EXPECT_EQ(rc, -EINVAL);
	EXPECT_EQ(o.flags, TOE_TCPOPT_F_MSS);
	EXPECT_EQ(o.mss, 512);
}

TEST(TcpOptions, OptionRunningPastTheBlockIsRejectedWithoutOverread)
{
	// The timestamp claims 10 bytes but only 6 remain; the vector is
	// sized exactly so ASan catches any overread.
	std::vector<uint8_t> b = {1, 8, 10, 1, 2, 3};
	int rc;
	auto o = parse(b, false, &rc);
	EXPECT_EQ(rc, -EINVAL);
	EXPECT_EQ(o.flags, 0u);
	std::vector<uint8_t> lone = {1, 1, 2};
	parse(lone, true, &rc);
	EXPECT_EQ(rc, -EINVAL);
}

TEST(TcpOptions, KnownOptionWithWrongLengthIsSkipped)
{
	std::vector<uint8_t> b = {2, 3, 9, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8};
	int rc;
	auto o = parse(b, true, &rc);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(o.flags, TOE_TCPOPT_F_TS);
	EXPECT_EQ(o.tsval, 0x01020304u);
	EXPECT_EQ(o.tsecr, 0x05060708u);
}

TEST(TcpOptions, EndOfListStopsParsing)
{
	std::vector<uint8_t> b = {0, 2, 4, 5, 0xb4};
	int rc;
	auto o = parse(b, true, &rc);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(o.flags, 0u);
}

TEST(TcpOptions, UnknownOptionsAreSkippedAndSackBlocksRead)
{
	std::vector<uint8_t> b = {5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 254, 4, 0xf9, 0x89,
				  8, 10, 0, 0, 0, 9, 0, 0, 0, 7};
	auto o = parse(b, false);
	EXPECT_EQ(o.flags, TOE_TCPOPT_F_TS | TOE_TCPOPT_F_SACK);
	EXPECT_EQ(o.tsval, 9u);
	EXPECT_EQ(o.tsecr, 7u);
	ASSERT_EQ(o.nr_sack, 1u);
	EXPECT_EQ(o.sack[0].start, 1u);
	EXPECT_EQ(o.sack[0].end, 2u);
}

TEST(TcpOptions, SackBlocksOfBadLengthOrOnASynAreIgnored)
{
	// length 14 is not 2 + 8n; five blocks (42) cannot fit; a SYN has none
	std::vector<uint8_t> odd = {5, 14, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3};
	EXPECT_EQ(parse(odd, false).flags & TOE_TCPOPT_F_SACK, 0u);
	std::vector<uint8_t> one = {5, 10, 0, 0, 0, 1, 0, 0, 0, 2};
	EXPECT_EQ(parse(one, true).flags & TOE_TCPOPT_F_SACK, 0u);
}

TEST(TcpOptions, BuiltSackOptionParsesBack)
{
	toe_tcp_sack_block in[4] = {{100, 200}, {300, 400}, {0xfffffff0u, 5}, {7, 9}};
	for (uint32_t n = 1; n <= 4; n++) {
		uint8_t buf[TOE_TCP_MAX_OPTLEN];
		uint32_t len = toe_tcp_opts_build_sack(buf, in, n);
		EXPECT_EQ(len, TOE_TCP_SACK_OPTLEN(n));
		auto o = parse(std::vector<uint8_t>(buf, buf + len), false);
		ASSERT_EQ(o.nr_sack, n);
		for (uint32_t i = 0; i < n; i++) {
			EXPECT_EQ(o.sack[i].start, in[i].start);
			EXPECT_EQ(o.sack[i].end, in[i].end);
		}
	}
}

TEST(TcpOptions, SynWithSackPermittedAndTimestampsFitsTwentyBytes)
{
	toe_tcp_syn_opts so{};
	so.mss = 1460;
	so.wscale_ok = true;
	so.wscale = 7;
	so.ts_ok = true;
	so.sack_ok = true;
	so.tsval = 1;
	uint8_t buf[TOE_TCP_MAX_OPTLEN];
	uint32_t len = toe_tcp_opts_build_syn(buf, &so);
	EXPECT_EQ(len, 20u);
	auto o = parse(std::vector<uint8_t>(buf, buf + len), true);
	EXPECT_TRUE(o.flags & TOE_TCPOPT_F_SACK_PERM);
	EXPECT_TRUE(o.flags & TOE_TCPOPT_F_TS);
	so.ts_ok = false;
	len = toe_tcp_opts_build_syn(buf, &so);
	EXPECT_EQ(len % 4, 0u);
	o = parse(std::vector<uint8_t>(buf, buf + len), true);
	EXPECT_TRUE(o.flags & TOE_TCPOPT_F_SACK_PERM);
}

TEST(TcpOptions, BuiltSynOptionsParseBack)
{
	uint8_t buf[TOE_TCP_MAX_OPTLEN];
	toe_tcp_syn_opts s{};
	s.mss = 1460;
	s.wscale_ok = true;
	s.wscale = 9;
	s.ts_ok = true;
	s.tsval = 0xdeadbeef;
	s.tsecr = 0x12345678;
	uint32_t n = toe_tcp_opts_build_syn(buf, &s);
	EXPECT_EQ(n, 20u);
	EXPECT_EQ(n % 4, 0u);
	toe_tcp_opts o;
	ASSERT_EQ(toe_tcp_opts_parse(buf, n, true, &o), 0);
	EXPECT_EQ(o.flags, TOE_TCPOPT_F_MSS | TOE_TCPOPT_F_TS | TOE_TCPOPT_F_WSCALE);
	EXPECT_EQ(o.mss, 1460);
	EXPECT_EQ(o.wscale, 9);
	EXPECT_EQ(o.tsval, 0xdeadbeefu);
	EXPECT_EQ(o.tsecr, 0x12345678u);
}

TEST(TcpOptions, MinimalSynCarriesOnlyMss)
{
	uint8_t buf[TOE_TCP_MAX_OPTLEN];
	toe_tcp_syn_opts s{};
	s.mss = 536;
	EXPECT_EQ(toe_tcp_opts_build_syn(buf, &s), 4u);
	EXPECT_EQ(buf[0], TOE_TCPOPT_MSS);
	EXPECT_EQ(buf[2], 0x02);
	EXPECT_EQ(buf[3], 0x18);
}

TEST(TcpOptions, TimestampBlockIsTwelveAlignedBytes)
{
	uint8_t buf[TOE_TCP_TS_OPTLEN];
	EXPECT_EQ(toe_tcp_opts_build_ts(buf, 1, 2), 12u);
	toe_tcp_opts o;
	ASSERT_EQ(toe_tcp_opts_parse(buf, 12, false, &o), 0);
	EXPECT_EQ(o.flags, TOE_TCPOPT_F_TS);
	EXPECT_EQ(o.tsval, 1u);
	EXPECT_EQ(o.tsecr, 2u);
}
