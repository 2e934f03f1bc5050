// SPDX-License-Identifier: MIT
// The examples against the kernel's own sockets, on loopback, with
// sockdev (libtoe/testing) standing in for toe.ko. This checks libtoe's
// threaded ring path and the examples' logic on any machine; the test host
// runs the same programs against the real module (tests/vm/examples).
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nettle/sha2.h>
#include <signal.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

// A program with its stdout on a pipe.
class Child {
public:
	explicit Child(std::vector<std::string> args)
	{
		int fds[2];
		if (pipe2(fds, O_CLOEXEC))
			throw std::runtime_error("pipe");
		pid_ = fork();
		if (pid_ == 0) {
			dup2(fds[1], 1);
			setenv("LD_PRELOAD", TOE_SOCKDEV, 1);
			std::vector<char *> argv;
			for (auto &a : args)
				argv.push_back(a.data());
			argv.push_back(nullptr);
			execv(argv[0], argv.data());
			_exit(127);
		}
		close(fds[1]);
		out_ = fdopen(fds[0], "r");
	}
	~Child()
	{
		if (pid_ > 0) {
			kill(pid_, SIGKILL);
			waitpid(pid_, nullptr, 0);
		}
		if (out_)
			fclose(out_);
	}

	// The next line of output, without its newline; empty at the end.
	std::string line()
	{
		char buf[4096];
		if (!fgets(buf, sizeof(buf), out_))
			return {};
		std::string s(buf);
		if (!s.empty() && s.back() == '\n')
			s.pop_back();
		output_ += s + "\n";
		return s;
	}

	// Reads lines until one starts with prefix; returns it (empty if none).
	std::string line_starting(const std::string &prefix)
	{
		for (std::string s = line(); !s.empty() || !feof(out_); s = line())
			if (s.rfind(prefix, 0) == 0)
				return s;
		return {};
	}

	int wait()
	{
		while (!line().empty() || !feof(out_)) {
		}
		int status = 0;
		waitpid(pid_, &status, 0);
		pid_ = -1;
		return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}

	const std::string &output() const { return output_; }

private:
	pid_t pid_ = -1;
	FILE *out_ = nullptr;
	std::string output_;
};

std::string example(const char *name) { return std::string(TOE_EXAMPLES_DIR) + "/" + name; }

// A port nobody uses right now.
uint16_t free_port(int type = SOCK_STREAM)
{
	int fd = socket(AF_INET, type, 0);
	sockaddr_in sin{};
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, reinterpret_cast<sockaddr *>(&sin), sizeof(sin));
	socklen_t len = sizeof(sin);
	getsockname(fd, reinterpret_cast<sockaddr *>(&sin), &len);
	close(fd);
	return ntohs(sin.sin_port);
}

sockaddr_in loopback(uint16_t port)
{
	sockaddr_in sin{};
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	return sin;
}

std::string endpoint(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

int kernel_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in sin = loopback(port);
	if (connect(fd, reinterpret_cast<sockaddr *>(&sin), sizeof(sin)))
		ADD_FAILURE() << "connect: " << strerror(errno);
	return fd;
}

int kernel_listen(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sockaddr_in sin = loopback(port);
	bind(fd, reinterpret_cast<sockaddr *>(&sin), sizeof(sin));
	listen(fd, 4);
	return fd;
}

bool write_all(int fd, const void *p, size_t n)
{
	auto *b = static_cast<const char *>(p);
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w <= 0)
			return false;
		b += w;
		n -= size_t(w);
	}
	return true;
}

std::string sha256_hex(const std::vector<unsigned char> &data)
{
	sha256_ctx ctx;
	sha256_init(&ctx);
	sha256_update(&ctx, data.size(), data.data());
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest(&ctx, sizeof(d), d);
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	for (size_t i = 0; i < sizeof(d); i++)
		std::snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return hex;
}

std::vector<unsigned char> pattern(size_t n)
{
	std::vector<unsigned char> v(n);
	uint32_t x = 12345;
	for (auto &b : v) {
		x = x * 1103515245 + 12345;
		b = uint8_t(x >> 16);
	}
	return v;
}

} // namespace

TEST(LibtoeExamples, EchoServerEchoesAKernelClient)
{
	uint16_t port = free_port();
	Child server({example("toe-echo"), "server", "--count", "1", endpoint(port)});
	ASSERT_NE(server.line_starting("listening on"), "") << server.output();

	int fd = kernel_connect(port);
	const std::string msg = "hello through named buffers\n";
	std::string echoed;
	for (int i = 0; i < 20; i++) {
		ASSERT_TRUE(write_all(fd, msg.data(), msg.size()));
		char buf[256];
		size_t got = 0;
		while (got < msg.size()) {
			ssize_t n = read(fd, buf + got, sizeof(buf) - got);
			ASSERT_GT(n, 0);
			got += size_t(n);
		}
		ASSERT_EQ(std::string(buf, got), msg);
	}
	shutdown(fd, SHUT_WR);
	char c;
	EXPECT_EQ(read(fd, &c, 1), 0) << "the server closes after our FIN";
	close(fd);
	EXPECT_EQ(server.wait(), 0) << server.output();
	EXPECT_NE(server.output().find("served 1 connection"), std::string::npos) << server.output();
}

TEST(LibtoeExamples, EchoClientChecksAKernelEchoServer)
{
	uint16_t port = free_port();
	int lfd = kernel_listen(port);
	std::thread echo([lfd] {
		int fd = accept(lfd, nullptr, nullptr);
		char buf[4096];
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			write_all(fd, buf, size_t(n));
		close(fd);
	});
	Child client({example("toe-echo"), "client", "--count", "300", "--size", "200",
		      "--busy-poll", endpoint(port)});
	EXPECT_EQ(client.wait(), 0) << client.output();
	EXPECT_NE(client.output().find("300 messages of 200 bytes echoed correctly"),
		  std::string::npos)
		<< client.output();
	echo.join();
	close(lfd);
}

TEST(LibtoeExamples, EchoClientNoticesAWrongEcho)
{
	uint16_t port = free_port();
	int lfd = kernel_listen(port);
	std::thread liar([lfd] {
		int fd = accept(lfd, nullptr, nullptr);
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			buf[0] ^= 1;
			write_all(fd, buf, size_t(n));
		}
		while (read(fd, buf, sizeof(buf)) > 0) {
		}
		close(fd);
	});
	Child client({example("toe-echo"), "client", "--count", "3", endpoint(port)});
	EXPECT_EQ(client.wait(), 1);
	liar.join();
	close(lfd);
}

TEST(LibtoeExamples, RecvfileHashesWhatAKernelSenderSent)
{
	uint16_t port = free_port();
	auto data = pattern(6 << 20);
	Child rx({example("toe-recvfile"), "receive", "--region-size", "1M", "--buffers", "8",
		  "--threshold", "64K", "--bytes", std::to_string(data.size()), endpoint(port)});
	ASSERT_NE(rx.line_starting("listening on"), "") << rx.output();
	int fd = kernel_connect(port);
	ASSERT_TRUE(write_all(fd, data.data(), data.size()));
	close(fd);
	std::string result = rx.line_starting("received");
	EXPECT_EQ(result, "received bytes=" + std::to_string(data.size()) + " sha256=" + sha256_hex(data));
	EXPECT_EQ(rx.wait(), 0) << rx.output();
}

TEST(LibtoeExamples, RecvfileSenderMatchesWhatTheKernelReceived)
{
	uint16_t port = free_port();
	int lfd = kernel_listen(port);
	std::vector<unsigned char> got;
	std::thread sink([&] {
		int fd = accept(lfd, nullptr, nullptr);
		unsigned char buf[65536];
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			got.insert(got.end(), buf, buf + n);
		close(fd);
	});
	Child tx({example("toe-recvfile"), "send", "--bytes", "5M", "--region-size", "1M",
		  "--buffers", "4", endpoint(port)});
	std::string result = tx.line_starting("sent");
	EXPECT_EQ(tx.wait(), 0) << tx.output();
	sink.join();
	close(lfd);
	EXPECT_EQ(got.size(), 5u << 20);
	EXPECT_EQ(result, "sent bytes=5242880 sha256=" + sha256_hex(got));
}

TEST(LibtoeExamples, UdpReportsSourceAndHeaderBytes)
{
	uint16_t port = free_port(SOCK_DGRAM);
	Child udp({example("toe-udp"), "--receive", "2", endpoint(port)});
	ASSERT_NE(udp.line_starting("bound to"), "") << udp.output();

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	sockaddr_in me = loopback(0);
	bind(fd, reinterpret_cast<sockaddr *>(&me), sizeof(me));
	socklen_t len = sizeof(me);
	getsockname(fd, reinterpret_cast<sockaddr *>(&me), &len);
	sockaddr_in to = loopback(port);
	for (const char *m : {"first", "second"})
		sendto(fd, m, strlen(m), 0, reinterpret_cast<sockaddr *>(&to), sizeof(to));
	close(fd);

	char hdr[64];
	std::snprintf(hdr, sizeof(hdr), "hdr %02x %02x %02x %02x 00 0d", ntohs(me.sin_port) >> 8,
		      ntohs(me.sin_port) & 0xff, port >> 8, port & 0xff);
	std::string first = udp.line_starting("from");
	EXPECT_EQ(first.rfind("from 127.0.0.1:" + std::to_string(ntohs(me.sin_port)) + " len 5 " + hdr, 0), 0u)
		<< first;
	EXPECT_NE(first.find("data \"first\""), std::string::npos) << first;
	EXPECT_NE(udp.line_starting("from").find("data \"second\""), std::string::npos);
	EXPECT_EQ(udp.wait(), 0) << udp.output();
}

TEST(LibtoeExamples, UdpSendsToAKernelSocket)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	sockaddr_in me = loopback(0);
	bind(fd, reinterpret_cast<sockaddr *>(&me), sizeof(me));
	socklen_t len = sizeof(me);
	getsockname(fd, reinterpret_cast<sockaddr *>(&me), &len);
	uint16_t port = free_port(SOCK_DGRAM);
	Child udp({example("toe-udp"), "--peer", endpoint(ntohs(me.sin_port)), "--send", "3",
		   "--message", "n=%n", endpoint(port)});
	EXPECT_EQ(udp.wait(), 0) << udp.output();
	for (int i = 0; i < 3; i++) {
		char buf[64];
		sockaddr_in from{};
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr *>(&from), &flen);
		ASSERT_GT(n, 0);
		EXPECT_EQ(std::string(buf, size_t(n)), "n=" + std::to_string(i));
		EXPECT_EQ(ntohs(from.sin_port), port);
	}
	close(fd);
}
