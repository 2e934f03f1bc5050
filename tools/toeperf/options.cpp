// SPDX-License-Identifier: MIT
#include "options.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <getopt.h>
#include <string_view>

namespace toeperf {

namespace {

const char usage_text[] = R"(usage: toeperf server [options] ADDR:PORT
       toeperf client [options] ADDR:PORT

The server answers any client: it reads what each connection asks for.
Server and client may use different backends.

options:
  -b, --backend NAME    toe, kernel, kernel-epoll, kernel-busypoll, uring,
                        uring-sqpoll (default kernel)
  -m, --mode NAME       client: pingpong, stream, rr or crr (default pingpong)
  -u, --udp             client: pingpong over UDP (default TCP)
  -s, --size N          message bytes (pingpong 64, rr and crr 1), or the
                        stream's chunk (64K); K and M suffixes
  -c, --connections N   client: parallel connections for stream and rr, to
                        ports PORT .. PORT+N-1; server: listen on N ports
                        from PORT (default 1)
  -r, --reverse         stream: the server sends and the client receives
  -t, --time SECS       how long the measure runs (default 2)
  -n, --count N         pingpong, rr, crr: stop after N transactions
  -p, --busy-poll       toe and uring-sqpoll: poll for completions, never
                        sleep
      --busy-poll-us N  kernel-busypoll: how long a blocking receive polls
                        the device's queue before it sleeps (SO_BUSY_POLL,
                        default 50)
  -j, --json            print the result as JSON
  -l, --label TEXT      carry TEXT into the result
  -h, --help            this text
)";

[[noreturn]] void usage_error(const std::string &why)
{
	std::fprintf(stderr, "toeperf: %s\n%s", why.c_str(), usage_text);
	std::exit(2);
}

uint64_t number(const char *what, std::string_view text)
{
	uint64_t v = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (ec != std::errc() || end == text.data())
		usage_error(std::string(what) + ": not a number: " + std::string(text));
	std::string_view rest(end, text.data() + text.size() - end);
	if (rest == "K" || rest == "k")
		v <<= 10;
	else if (rest == "M" || rest == "m")
		v <<= 20;
	else if (!rest.empty())
		usage_error(std::string(what) + ": bad suffix: " + std::string(rest));
	return v;
}

sockaddr_in endpoint(std::string_view text)
{
	size_t colon = text.rfind(':');
	if (colon == std::string_view::npos)
		usage_error("want ADDR:PORT, not " + std::string(text));
	sockaddr_in sin{};
	sin.sin_family = AF_INET;
	std::string host(text.substr(0, colon));
	if (host.empty())
		host = "0.0.0.0";
	if (inet_pton(AF_INET, host.c_str(), &sin.sin_addr) != 1)
		usage_error("not an IPv4 address: " + host);
	uint64_t port = number("port", text.substr(colon + 1));
	if (!port || port > 65535)
		usage_error("port out of range");
	sin.sin_port = htons(uint16_t(port));
	return sin;
}

BackendKind backend(std::string_view name)
{
	if (name == "toe")
		return BackendKind::toe;
	if (name == "kernel")
		return BackendKind::kernel;
	if (name == "kernel-epoll")
		return BackendKind::kernel_epoll;
	if (name == "kernel-busypoll")
		return BackendKind::kernel_busypoll;
	if (name == "uring")
		return BackendKind::uring;
	if (name == "uring-sqpoll")
		return BackendKind::uring_sqpoll;
	usage_error("unknown backend " + std::string(name));
}

Mode mode(std::string_view name)
{
	if (name == "pingpong")
		return Mode::pingpong;
	if (name == "stream")
		return Mode::stream;
	if (name == "rr")
		return Mode::rr;
	if (name == "crr")
		return Mode::crr;
	usage_error("unknown mode " + std::string(name));
}

} // namespace

Options parse_options(int argc, char **argv)
{
	static const option long_opts[] = {
		{"backend", required_argument, nullptr, 'b'},
		{"mode", required_argument, nullptr, 'm'},
		{"udp", no_argument, nullptr, 'u'},
		{"size", required_argument, nullptr, 's'},
		{"connections", required_argument, nullptr, 'c'},
		{"reverse", no_argument, nullptr, 'r'},
		{"time", required_argument, nullptr, 't'},
		{"count", required_argument, nullptr, 'n'},
		{"busy-poll", no_argument, nullptr, 'p'},
		{"busy-poll-us", required_argument, nullptr, 'B'},
		{"json", no_argument, nullptr, 'j'},
		{"label", required_argument, nullptr, 'l'},
		{"help", no_argument, nullptr, 'h'},
		{},
	};
	Options o;
	bool size_given = false;
	int c;
	while ((c = getopt_long(argc, argv, "b:m:us:c:rt:n:pjl:h", long_opts, nullptr)) != -1) {
		switch (c) {
		case 'b': o.backend = backend(optarg); break;
		case 'm': o.mode = mode(optarg); break;
		case 'u': o.proto = Proto::udp; break;
		case 's':
			o.size = uint32_t(std::min<uint64_t>(number("--size", optarg), kMaxSize + 1));
			size_given = true;
			break;
		case 'c': o.connections = uint32_t(std::min<uint64_t>(number("--connections", optarg), 1025)); break;
		case 'r': o.reverse = true; break;
		case 't': o.seconds = std::strtod(optarg, nullptr); break;
		case 'n': o.count = number("--count", optarg); break;
		case 'p': o.busy_poll = true; break;
		case 'B':
			o.busy_poll_us = uint32_t(std::min<uint64_t>(number("--busy-poll-us", optarg), 1000001));
			if (!o.busy_poll_us || o.busy_poll_us > 1000000)
				usage_error("--busy-poll-us wants 1 to 1000000");
			break;
		case 'j': o.json = true; break;
		case 'l': o.label = optarg; break;
		case 'h': std::fputs(usage_text, stdout); std::exit(0);
		default: usage_error("bad option");
		}
	}
	if (argc - optind != 2)
		usage_error("want a role (server or client) and ADDR:PORT");
	std::string_view role = argv[optind];
	if (role == "server")
		o.role = Role::server;
	else if (role == "client")
		o.role = Role::client;
	else
		usage_error("role must be server or client");
	o.endpoint = endpoint(argv[optind + 1]);
	if (!size_given)
		o.size = o.mode == Mode::stream ? 64 * 1024 : o.mode == Mode::pingpong ? 64 : 1;
	if (!o.size || o.size > kMaxSize)
		usage_error("--size wants 1 byte to 1M");
	if (!o.connections || o.connections > 1024)
		usage_error("--connections wants 1 to 1024");
	if (!(o.seconds > 0) || o.seconds > 3600)
		usage_error("--time wants 0 to 3600 seconds");
	if (o.proto == Proto::udp && o.mode != Mode::pingpong)
		usage_error("--udp goes with --mode pingpong only");
	if (o.proto == Proto::udp && o.size > 65507)
		usage_error("a UDP message holds at most 65507 bytes");
	if (o.role == Role::client && (o.mode == Mode::pingpong || o.mode == Mode::crr) &&
	    o.connections != 1)
		usage_error("pingpong and crr run over one connection at a time");
	return o;
}

const char *backend_name(BackendKind b)
{
	switch (b) {
	case BackendKind::toe: return "toe";
	case BackendKind::kernel: return "kernel";
	case BackendKind::kernel_epoll: return "kernel-epoll";
	case BackendKind::kernel_busypoll: return "kernel-busypoll";
	case BackendKind::uring: return "uring";
	case BackendKind::uring_sqpoll: return "uring-sqpoll";
	}
	return "?";
}

const char *mode_name(Mode m)
{
	switch (m) {
	case Mode::pingpong: return "pingpong";
	case Mode::stream: return "stream";
	case Mode::rr: return "rr";
	case Mode::crr: return "crr";
	}
	return "?";
}

const char *proto_name(Proto p) { return p == Proto::udp ? "udp" : "tcp"; }

void die(const std::string &why)
{
	std::fprintf(stderr, "toeperf: %s\n", why.c_str());
	std::exit(1);
}

std::string errno_text(int negative_errno)
{
	return std::to_string(negative_errno) + " (" + std::strerror(-negative_errno) + ")";
}

} // namespace toeperf
