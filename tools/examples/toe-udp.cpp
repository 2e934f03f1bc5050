// SPDX-License-Identifier: MIT
// toe-udp: datagrams through the engine in both directions. Each received
// datagram is printed with its source and the UDP header bytes the engine
// reports with the named buffer, as the seed's buffer descriptor carries
// them.
#include "common/cli.hpp"
#include "common/net.hpp"

#include <toe/toe.hpp>

#include <arpa/inet.h>
#include <cstdio>
#include <cstring>
#include <getopt.h>
#include <string>
#include <vector>

using namespace toe::example;

namespace {

const char usage_text[] = R"(usage: toe-udp [options] ADDR:PORT

Binds a UDP socket to ADDR:PORT on the engine, sends --send datagrams to
--peer, and prints each datagram it receives as

  from 10.0.0.2:5000 len 11 hdr 13 88 1f 40 00 13 ab cd data "hello world"

(hdr: the datagram's 8-byte UDP header as it was on the wire). It exits once
it has sent everything and received --receive datagrams.

options:
  -P, --peer ADDR:PORT  where --send datagrams go
  -s, --send N          datagrams to send (default 0)
  -m, --message TEXT    their payload; each %n becomes the datagram's number
                        (default "toe-udp %n")
  -r, --receive N       datagrams to receive before exiting (default: none
                        when sending, otherwise until SIGINT or SIGTERM)
  -e, --echo            send each received datagram back to its source
  -b, --buffers N       named buffers kept posted (default 16)
  -B, --buffer-size N   bytes per named buffer (default 2048)
  -w, --wait-ms N       exit 1 after N ms without any completion (default 0:
                        wait for ever)
  -p, --busy-poll       poll the completion queue instead of sleeping
  -v, --verbose         print every completion
  -h, --help            this text
)";

struct Options {
	sockaddr_in local{};
	std::optional<sockaddr_in> peer;
	uint64_t send = 0;
	std::string message = "toe-udp %n";
	std::optional<uint64_t> receive;
	bool echo = false;
	uint64_t buffers = 16;
	uint64_t buffer_size = 2048;
	uint64_t wait_ms = 0;
	bool busy_poll = false;
	bool verbose = false;
};

Options parse(int argc, char **argv)
{
	static const option long_opts[] = {
		{"peer", required_argument, nullptr, 'P'},
		{"send", required_argument, nullptr, 's'},
		{"message", required_argument, nullptr, 'm'},
		{"receive", required_argument, nullptr, 'r'},
		{"echo", no_argument, nullptr, 'e'},
		{"buffers", required_argument, nullptr, 'b'},
		{"buffer-size", required_argument, nullptr, 'B'},
		{"wait-ms", required_argument, nullptr, 'w'},
		{"busy-poll", no_argument, nullptr, 'p'},
		{"verbose", no_argument, nullptr, 'v'},
		{"help", no_argument, nullptr, 'h'},
		{},
	};
	Options o;
	int c;
	while ((c = getopt_long(argc, argv, "P:s:m:r:eb:B:w:pvh", long_opts, nullptr)) != -1) {
		switch (c) {
		case 'P': o.peer = endpoint_option("--peer", optarg); break;
		case 's': o.send = size_option("--send", optarg); break;
		case 'm': o.message = optarg; break;
		case 'r': o.receive = size_option("--receive", optarg); break;
		case 'e': o.echo = true; break;
		case 'b': o.buffers = size_option("--buffers", optarg); break;
		case 'B': o.buffer_size = size_option("--buffer-size", optarg); break;
		case 'w': o.wait_ms = size_option("--wait-ms", optarg); break;
		case 'p': o.busy_poll = true; break;
		case 'v': o.verbose = true; break;
		case 'h': std::fputs(usage_text, stdout); std::exit(0);
		default: usage_error("bad option");
		}
	}
	if (argc - optind != 1)
		usage_error("want the local ADDR:PORT");
	o.local = endpoint_option("ADDR:PORT", argv[optind]);
	if (o.send && !o.peer)
		usage_error("--send needs --peer");
	if (!o.buffers || o.buffers > 4096)
		usage_error("--buffers wants 1 to 4096");
	if (!o.buffer_size || o.buffer_size > 65536)
		usage_error("--buffer-size wants 1 to 65536");
	if (o.wait_ms > 24ull * 3600 * 1000)
		usage_error("--wait-ms is too long");
	return o;
}

std::string payload(const std::string &pattern, uint64_t n)
{
	std::string out;
	for (size_t i = 0; i < pattern.size(); i++) {
		if (pattern[i] == '%' && i + 1 < pattern.size() && pattern[i + 1] == 'n') {
			out += std::to_string(n);
			i++;
		} else {
			out += pattern[i];
		}
	}
	return out;
}

std::string printable(std::span<const std::byte> data)
{
	std::string out;
	for (std::byte b : data.first(std::min<size_t>(data.size(), 96))) {
		auto ch = static_cast<unsigned char>(b);
		if (ch == '"' || ch == '\\') {
			out += '\\';
			out += char(ch);
		} else if (ch >= 0x20 && ch < 0x7f) {
			out += char(ch);
		} else {
			char esc[8];
			std::snprintf(esc, sizeof(esc), "\\x%02x", ch);
			out += esc;
		}
	}
	if (data.size() > 96)
		out += "...";
	return out;
}

// user_data: receive buffers are 0..buffers-1; send slots have this bit.
constexpr uint64_t kSendTag = 1ull << 40;

class Udp {
public:
	// Send slots: datagrams of ours waiting to be transmitted.
	static constexpr uint64_t kSlots = 64;

	Udp(toe::Device &dev, const Options &o)
		: dev_(dev), o_(o), completions_(dev, o.busy_poll),
		  mr_(toe::MemoryRegion::allocate(dev, (o.buffers + kSlots) * o.buffer_size)),
		  slot_busy_(kSlots, false)
	{
	}

	int run()
	{
		sock_ = toe::Socket::open(dev_, TOE_PROTO_UDP);
		sock_.bind(o_.local);
		{
			toe::Device::Batch batch(dev_);
			for (uint64_t i = 0; i < o_.buffers; i++)
				sock_.post(mr_, buffer(i), i);
		}
		// Said once the buffers are posted: a peer may send from here on.
		std::printf("bound to %s\n", format_endpoint(o_.local).c_str());
		std::fflush(stdout);
		uint64_t want = o_.receive.value_or(o_.send ? 0 : UINT64_MAX);
		while (sent_ < o_.send || received_ < want || sends_pending_) {
			if (sent_ < o_.send && send_next())
				continue;
			std::optional<toe_cqe> c =
				completions_.next(std::chrono::milliseconds(o_.wait_ms));
			if (!c) {
				std::fprintf(stderr, "%s after %llu received and %llu sent\n",
					     stop_requested ? "interrupted" : "nothing more came",
					     (unsigned long long)received_, (unsigned long long)sent_);
				return stop_requested && !o_.receive ? 0 : 1;
			}
			if (o_.verbose)
				std::printf("cqe: %s\n", describe(*c).c_str());
			if (!handle(*c))
				return 1;
		}
		std::printf("received %llu, sent %llu datagrams\n", (unsigned long long)received_,
			    (unsigned long long)sent_);
		return 0;
	}

private:
	std::span<std::byte> buffer(uint64_t i)
	{
		return mr_.bytes().subspan(i * o_.buffer_size, o_.buffer_size);
	}
	std::span<std::byte> slot(uint64_t s) { return buffer(o_.buffers + s); }

	// Sends the next of our own datagrams if a slot is free.
	bool send_next()
	{
		uint64_t s = 0;
		while (s < kSlots && slot_busy_[s])
			s++;
		if (s == kSlots)
			return false;
		std::string text = payload(o_.message, sent_);
		size_t n = std::min<size_t>(text.size(), o_.buffer_size);
		std::memcpy(slot(s).data(), text.data(), n);
		slot_busy_[s] = true;
		sends_pending_++;
		sock_.send_to(mr_, slot(s).first(n), *o_.peer, kSendTag | s);
		sent_++;
		return true;
	}

	bool handle(const toe_cqe &c)
	{
		switch (c.type) {
		case TOE_CQE_RECV: {
			uint64_t i = c.user_data;
			if (i >= o_.buffers || c.bytes > o_.buffer_size) {
				std::fprintf(stderr, "a receive completion for no buffer of ours\n");
				return false;
			}
			if (c.res < 0) {
				std::fprintf(stderr, "receive failed: %s\n", describe_result(c.res).c_str());
				return false;
			}
			if (c.reason == TOE_REASON_CLOSED)
				return true;
			report(c, buffer(i).first(c.bytes));
			received_++;
			if (o_.echo) {
				sends_pending_++;
				sock_.send_to(mr_, buffer(i).first(c.bytes),
					      toe::ipv4(ntohl(c.addr), ntohs(c.port)),
					      kSendTag | (kSlots + i));
			} else {
				sock_.post(mr_, buffer(i), i);
			}
			return true;
		}
		case TOE_CQE_SEND: {
			uint64_t s = c.user_data & ~kSendTag;
			if (c.res < 0) {
				std::fprintf(stderr, "send failed: %s\n", describe_result(c.res).c_str());
				return false;
			}
			sends_pending_--;
			if (s < kSlots)
				slot_busy_[s] = false;
			else if (s - kSlots < o_.buffers)
				sock_.post(mr_, buffer(s - kSlots), s - kSlots); // echoed: post again
			return true;
		}
		case TOE_CQE_REQ:
			if (c.res < 0) {
				std::fprintf(stderr, "request failed: %s\n", describe(c).c_str());
				return false;
			}
			return true;
		case TOE_CQE_CLOSED:
			std::fprintf(stderr, "the socket closed: %s\n", describe_result(c.res).c_str());
			return false;
		default:
			return true;
		}
	}

	void report(const toe_cqe &c, std::span<const std::byte> data)
	{
		std::printf("from %s len %u hdr", format_endpoint(c.addr, c.port).c_str(), c.bytes);
		for (uint8_t b : c.udp_header)
			std::printf(" %02x", b);
		if (c.flags & TOE_CQE_F_TRUNCATED)
			std::printf(" truncated");
		std::printf(" data \"%s\"\n", printable(data).c_str());
		std::fflush(stdout);
	}

	toe::Device &dev_;
	const Options &o_;
	Completions completions_;
	toe::MemoryRegion mr_;
	toe::Socket sock_;
	std::vector<bool> slot_busy_;
	uint64_t sent_ = 0, received_ = 0, sends_pending_ = 0;
};

} // namespace

int main(int argc, char **argv)
{
	set_program_name(argv[0]);
	Options o = parse(argc, argv);
	install_stop_signals();
	try {
		toe::Device dev;
		return Udp(dev, o).run();
	} catch (const std::system_error &e) {
		die(e.what());
	}
}
