// SPDX-License-Identifier: MIT
// toe-resp's protocol half (tools/examples/common/resp.hpp): commands split
// anywhere, pipelined, inline, broken; and the replies redis-benchmark and
// redis-cli rely on.
#include "common/resp.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace {

using toe::example::resp::Parser;
using toe::example::resp::Store;

// Runs every whole command in input and returns the replies; leftover gets
// the bytes of an incomplete last command.
std::string run_all(Store &store, const std::string &input, std::string *leftover = nullptr)
{
	Parser parser;
	std::vector<std::string_view> argv;
	std::string replies;
	size_t used = 0;
	for (;;) {
		Parser::Status st = parser.next(std::string_view(input).substr(used), argv);
		if (st == Parser::Status::error) {
			replies += "-" + parser.error() + "\r\n";
			break;
		}
		if (st == Parser::Status::incomplete)
			break;
		used += parser.consumed();
		store.execute(argv, replies);
	}
	if (leftover)
		*leftover = input.substr(used);
	return replies;
}

TEST(Resp, PingInlineAndAsArray)
{
	Store store;
	EXPECT_EQ(run_all(store, "PING\r\n"), "+PONG\r\n");
	EXPECT_EQ(run_all(store, "*1\r\n$4\r\nPING\r\n"), "+PONG\r\n");
	EXPECT_EQ(run_all(store, "*2\r\n$4\r\nping\r\n$5\r\nhello\r\n"), "$5\r\nhello\r\n");
}

TEST(Resp, SetThenGetGivesTheValueBack)
{
	using namespace std::string_literals; // the value holds a NUL and a line end
	Store store;
	EXPECT_EQ(run_all(store, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$6\r\na\r\nb\0c\r\n"s), "+OK\r\n");
	EXPECT_EQ(run_all(store, "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"), "$6\r\na\r\nb\0c\r\n"s);
	EXPECT_EQ(run_all(store, "GET missing\r\n"), "$-1\r\n");
}

TEST(Resp, ACommandSplitAtEveryByteWaitsForTheRest)
{
	const std::string cmd = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n";
	for (size_t cut = 0; cut < cmd.size(); cut++) {
		Store store;
		std::string leftover;
		EXPECT_EQ(run_all(store, cmd.substr(0, cut), &leftover), "") << cut;
		EXPECT_EQ(leftover, cmd.substr(0, cut));
		EXPECT_EQ(run_all(store, leftover + cmd.substr(cut)), "+OK\r\n") << cut;
	}
}

TEST(Resp, APipelineIsAnsweredInOrder)
{
	Store store;
	std::string in, want;
	for (int i = 0; i < 16; i++) {
		std::string k = "k" + std::to_string(i), v = "v" + std::to_string(i);
		in += "*3\r\n$3\r\nSET\r\n$" + std::to_string(k.size()) + "\r\n" + k + "\r\n$" +
		      std::to_string(v.size()) + "\r\n" + v + "\r\n";
		in += "GET " + k + "\r\n";
		want += "+OK\r\n$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
	}
	EXPECT_EQ(run_all(store, in), want);
}

TEST(Resp, ConfigGetAnswersWhatRedisBenchmarkAsks)
{
	Store store;
	EXPECT_EQ(run_all(store, "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$4\r\nsave\r\n"),
		  "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
	EXPECT_EQ(run_all(store, "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$10\r\nappendonly\r\n"),
		  "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
}

TEST(Resp, UnknownCommandsAndWrongArgumentsAreErrorReplies)
{
	Store store;
	EXPECT_EQ(run_all(store, "FOO bar\r\n"), "-ERR unknown command 'FOO'\r\n");
	EXPECT_EQ(run_all(store, "GET\r\n"), "-ERR wrong number of arguments for 'get' command\r\n");
}

TEST(Resp, BrokenFramingIsAProtocolError)
{
	Store store;
	EXPECT_EQ(run_all(store, "*1\r\n+PING\r\n"), "-ERR Protocol error: expected '$', got '+'\r\n");
	EXPECT_EQ(run_all(store, "*x\r\n"), "-ERR Protocol error: invalid multibulk length\r\n");
	EXPECT_EQ(run_all(store, "*1\r\n$-5\r\n"), "-ERR Protocol error: invalid bulk length\r\n");
	EXPECT_EQ(run_all(store, "*1\r\n$2\r\nabcd\r\n"),
		  "-ERR Protocol error: bulk string without its line end\r\n");
}

TEST(Resp, QuitRepliesThenAsksToClose)
{
	Store store;
	Parser parser;
	std::vector<std::string_view> argv;
	std::string replies;
	ASSERT_EQ(parser.next("QUIT\r\n", argv), Parser::Status::command);
	EXPECT_FALSE(store.execute(argv, replies));
	EXPECT_EQ(replies, "+OK\r\n");
}

} // namespace
