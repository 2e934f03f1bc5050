// SPDX-License-Identifier: MIT
// A listener that never accepts, for the toectl suite: connections from a
// Linux peer complete their handshake in the engine and wait in its accept
// queue, where 'toectl listener show' sees them.
//
//   toe_listen_hold ADDR PORT BACKLOG RELEASE-FILE
//
// Sets NODELAY, KEEPALIVE with KEEPIDLE 30 and TOE_SO_REF 0xfeed0001 on the
// listener, prints "listening", and closes it once RELEASE-FILE exists.
#include <toe/toe.hpp>

#include <arpa/inet.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <system_error>

int main(int argc, char **argv)
{
	if (argc != 5) {
		std::fprintf(stderr, "usage: toe_listen_hold ADDR PORT BACKLOG RELEASE-FILE\n");
		return 2;
	}
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_port = htons(uint16_t(std::atoi(argv[2])));
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
		std::fprintf(stderr, "toe_listen_hold: bad address %s\n", argv[1]);
		return 2;
	}
	try {
		toe::Device dev;
		toe::Socket l = toe::Socket::open(dev, TOE_PROTO_TCP, 0xabc0de);
		l.set_option(TOE_SO_NODELAY, 1);
		l.set_option(TOE_SO_KEEPALIVE, 1);
		l.set_option(TOE_SO_KEEPIDLE, 30);
		l.set_option(TOE_SO_REF, 0xfeed0001);
		l.bind(addr);
		l.listen(unsigned(std::atoi(argv[3])));
		std::printf("listening\n");
		std::fflush(stdout);
		while (access(argv[4], F_OK) != 0)
			usleep(100000);
		return 0;
	} catch (const std::system_error &e) {
		std::fprintf(stderr, "toe_listen_hold: %s\n", e.what());
		return 1;
	}
}
