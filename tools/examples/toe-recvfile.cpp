// SPDX-License-Identifier: MIT
// toe-recvfile: bulk transfer through named buffers, checked by SHA-256.
//
// receive: one connection's stream lands in one large registered region,
//          split into named buffers that the engine returns at a threshold;
//          each returned buffer is hashed and posted again.
// send:    a reproducible pseudo-random stream (or a file) goes out from a
//          registered region in chunks; a chunk is refilled once the peer
//          has acknowledged it.
// Both print "bytes=N sha256=HEX" for what went through.
#include "common/cli.hpp"
#include "common/net.hpp"
#include "common/sha256.hpp"

#include <toe/toe.hpp>

#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <getopt.h>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace toe::example;

namespace {

const char usage_text[] = R"(usage: toe-recvfile receive [options] ADDR:PORT
       toe-recvfile send [options] ADDR:PORT

receive: accepts one connection on ADDR:PORT, receives its stream into one
         registered region split into named buffers, and prints
         "received bytes=N sha256=HEX" when the peer closes.
send:    connects to ADDR:PORT, sends --bytes of a reproducible pseudo-random
         stream (or the contents of --file), closes, and prints
         "sent bytes=N sha256=HEX".

options:
  -r, --region-size N   bytes of registered memory (default: receive 64M,
                        send 16M; K, M, G suffixes)
  -b, --buffers N       receive: named buffers the region is split into
                        (default 16); send: chunks in flight (default 16)
  -t, --threshold N     receive: return a buffer once it holds N bytes
                        (default: when full)
  -T, --timeout-ms N    receive: also return a buffer N ms after posting it
                        (default 0: never)
  -H, --hold-ms N       receive: post no buffer for N ms after accepting (or
                        until SIGUSR1), so the stream piles up in the engine
                        (default 0)
  -c, --bytes N         send: how much to send (default 256M); receive: the
                        byte count to expect (exit 1 on a mismatch)
  -f, --file PATH       send: the file's contents instead of the stream;
                        receive: also write the stream into PATH
  -S, --seed N          send: seed of the pseudo-random stream (default 1)
  -e, --expect-sha256 HEX
                        receive: exit 1 unless the digest matches
  -p, --busy-poll       poll the completion queue instead of sleeping
  -v, --verbose         print every completion
  -h, --help            this text
)";

struct Options {
	bool receive = false;
	sockaddr_in endpoint{};
	uint64_t region_size = 0;
	uint64_t buffers = 16;
	uint64_t threshold = 0;
	uint64_t timeout_ms = 0;
	uint64_t hold_ms = 0;
	std::optional<uint64_t> bytes;
	const char *file = nullptr;
	uint64_t seed = 1;
	std::string expect_sha256;
	bool busy_poll = false;
	bool verbose = false;
};

Options parse(int argc, char **argv)
{
	static const option long_opts[] = {
		{"region-size", required_argument, nullptr, 'r'},
		{"buffers", required_argument, nullptr, 'b'},
		{"threshold", required_argument, nullptr, 't'},
		{"timeout-ms", required_argument, nullptr, 'T'},
		{"hold-ms", required_argument, nullptr, 'H'},
		{"bytes", required_argument, nullptr, 'c'},
		{"file", required_argument, nullptr, 'f'},
		{"seed", required_argument, nullptr, 'S'},
		{"expect-sha256", required_argument, nullptr, 'e'},
		{"busy-poll", no_argument, nullptr, 'p'},
		{"verbose", no_argument, nullptr, 'v'},
		{"help", no_argument, nullptr, 'h'},
		{},
	};
	Options o;
	int c;
	while ((c = getopt_long(argc, argv, "r:b:t:T:H:c:f:S:e:pvh", long_opts, nullptr)) != -1) {
		switch (c) {
		case 'r': o.region_size = size_option("--region-size", optarg); break;
		case 'b': o.buffers = size_option("--buffers", optarg); break;
		case 't': o.threshold = size_option("--threshold", optarg); break;
		case 'T': o.timeout_ms = size_option("--timeout-ms", optarg); break;
		case 'H': o.hold_ms = size_option("--hold-ms", optarg); break;
		case 'c': o.bytes = size_option("--bytes", optarg); break;
		case 'f': o.file = optarg; break;
		case 'S': o.seed = size_option("--seed", optarg); break;
		case 'e': o.expect_sha256 = optarg; break;
		case 'p': o.busy_poll = true; break;
		case 'v': o.verbose = true; break;
		case 'h': std::fputs(usage_text, stdout); std::exit(0);
		default: usage_error("bad option");
		}
	}
	if (argc - optind != 2)
		usage_error("want a mode (receive or send) and ADDR:PORT");
	std::string mode = argv[optind];
	if (mode != "receive" && mode != "send")
		usage_error("mode must be receive or send, not '" + mode + "'");
	o.receive = mode == "receive";
	o.endpoint = endpoint_option("ADDR:PORT", argv[optind + 1]);
	if (!o.region_size)
		o.region_size = o.receive ? 64 << 20 : 16 << 20;
	// The engine lets a socket have 256 named buffers posted at once.
	if (!o.buffers || o.buffers > 256)
		usage_error("--buffers wants 1 to 256");
	uint64_t piece = o.region_size / o.buffers;
	if (!piece || piece > UINT32_MAX)
		usage_error("--region-size / --buffers must give 1 byte to 4 GiB each");
	if (o.threshold > piece)
		usage_error("--threshold is larger than a buffer");
	if (o.timeout_ms > UINT32_MAX)
		usage_error("--timeout-ms is out of range");
	return o;
}

volatile std::sig_atomic_t hold_released = 0;

// Sleeps for up to d; SIGUSR1 ends it early, and so does a stop signal.
void hold(std::chrono::milliseconds d)
{
	std::signal(SIGUSR1, [](int) { hold_released = 1; });
	auto end = std::chrono::steady_clock::now() + d;
	while (!hold_released && !stop_requested &&
	       std::chrono::steady_clock::now() < end)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

bool fatal_reason(uint16_t reason) { return reason == TOE_REASON_RST; }

int receive(const Options &o)
{
	toe::Device dev;
	Completions completions(dev, o.busy_poll);
	uint32_t buf_size = uint32_t(o.region_size / o.buffers);
	toe::MemoryRegion mr = toe::MemoryRegion::allocate(dev, buf_size * o.buffers);
	auto buffer = [&](uint64_t i) { return mr.bytes().subspan(i * buf_size, buf_size); };
	std::unique_ptr<std::FILE, int (*)(std::FILE *)> out_file(nullptr, std::fclose);
	if (o.file) {
		out_file.reset(std::fopen(o.file, "wb"));
		if (!out_file)
			die(std::string("opening ") + o.file + ": " + std::strerror(errno));
	}
	std::FILE *out = out_file.get();

	toe::Socket listener = toe::Socket::open(dev, TOE_PROTO_TCP);
	listener.bind(o.endpoint);
	listener.listen(1);
	std::printf("listening on %s\n", format_endpoint(o.endpoint).c_str());
	std::fflush(stdout);
	const uint64_t accept_tag = 1ull << 62;
	listener.accept(accept_tag);

	toe::Socket sock;
	uint32_t conn = 0;
	bool connected = false;
	Sha256 sha;
	uint64_t total = 0;
	bool eof = false, closing = false, failed = false;
	for (;;) {
		std::optional<toe_cqe> c = completions.next();
		if (!c) {
			std::fprintf(stderr, "interrupted after %llu bytes\n", (unsigned long long)total);
			return 1;
		}
		if (o.verbose)
			std::printf("cqe: %s\n", describe(*c).c_str());
		switch (c->type) {
		case TOE_CQE_ACCEPT:
			if (c->res < 0)
				die("accept: " + describe_result(c->res));
			sock = toe::Socket::adopt(dev, c->new_handle);
			conn = c->new_handle;
			connected = true;
			std::printf("receiving from %s\n", format_endpoint(c->addr, c->port).c_str());
			std::fflush(stdout);
			// The listener has done its job: nobody else gets in.
			listener.close();
			if (o.hold_ms) {
				// A reader that falls behind: the engine must shut the
				// window and keep what it acknowledged.
				std::printf("holding for %llu ms\n", (unsigned long long)o.hold_ms);
				std::fflush(stdout);
				hold(std::chrono::milliseconds(o.hold_ms));
				std::printf("posting\n");
				std::fflush(stdout);
			}
			{
				toe::Device::Batch batch(dev);
				for (uint64_t i = 0; i < o.buffers; i++)
					sock.post(mr, buffer(i), i, uint32_t(o.threshold),
						  uint32_t(o.timeout_ms));
			}
			break;
		case TOE_CQE_RECV: {
			uint64_t i = c->user_data;
			if (i >= o.buffers || c->bytes > buf_size)
				die("a receive completion for no buffer of ours: " + describe(*c));
			sha.update(buffer(i).first(c->bytes));
			if (out && std::fwrite(buffer(i).data(), 1, c->bytes, out) != c->bytes)
				die(std::string("writing ") + o.file + ": " + std::strerror(errno));
			total += c->bytes;
			if (c->res < 0 || fatal_reason(c->reason)) {
				std::fprintf(stderr, "connection failed after %llu bytes: %s\n",
					     (unsigned long long)total, describe_result(c->res).c_str());
				failed = eof = true;
			} else if (c->reason == TOE_REASON_FIN) {
				eof = true;
			} else if (c->reason != TOE_REASON_CLOSED && !closing) {
				sock.post(mr, buffer(i), i, uint32_t(o.threshold), uint32_t(o.timeout_ms));
			}
			break;
		}
		case TOE_CQE_PEER_CLOSED:
			eof = true;
			break;
		case TOE_CQE_CLOSED:
			if (!connected || c->handle != conn)
				break; // the listener's
			if (!closing) {
				std::fprintf(stderr, "the connection ended: %s\n",
					     describe_result(c->res).c_str());
				failed = true;
			}
			goto done;
		case TOE_CQE_REQ:
			if (c->res < 0)
				die("request failed: " + describe(*c));
			break;
		}
		// Closing returns the buffers still posted; the socket's last
		// completion (CLOSED) follows them.
		if (eof && connected && !closing) {
			closing = true;
			sock.close();
		}
	}
done:
	std::string digest = sha.hex();
	std::printf("received bytes=%llu sha256=%s\n", (unsigned long long)total, digest.c_str());
	if (o.bytes && *o.bytes != total) {
		std::fprintf(stderr, "expected %llu bytes\n", (unsigned long long)*o.bytes);
		failed = true;
	}
	if (!o.expect_sha256.empty() && o.expect_sha256 != digest) {
		std::fprintf(stderr, "expected sha256 %s\n", o.expect_sha256.c_str());
		failed = true;
	}
	return failed ? 1 : 0;
}

// A reproducible byte stream: xorshift64*, eight bytes a step.
class Stream {
public:
	explicit Stream(uint64_t seed) : state_(seed ? seed : 0x9e3779b97f4a7c15ull) {}

	void fill(std::span<std::byte> out)
	{
		for (std::byte &b : out) {
			if (!left_) {
				state_ ^= state_ >> 12;
				state_ ^= state_ << 25;
				state_ ^= state_ >> 27;
				word_ = state_ * 0x2545f4914f6cdd1dull;
				left_ = 8;
			}
			b = std::byte(word_);
			word_ >>= 8;
			left_--;
		}
	}

private:
	uint64_t state_;
	uint64_t word_ = 0;
	unsigned left_ = 0;
};

int send(const Options &o)
{
	FILE *file = nullptr;
	if (o.file) {
		file = std::fopen(o.file, "rb");
		if (!file)
			die(std::string(o.file) + ": " + std::strerror(errno));
	}
	uint64_t to_send = file ? UINT64_MAX : o.bytes.value_or(256ull << 20);
	Stream stream(o.seed);

	toe::Device dev;
	Completions completions(dev, o.busy_poll);
	uint32_t chunk_size = uint32_t(o.region_size / o.buffers);
	toe::MemoryRegion mr = toe::MemoryRegion::allocate(dev, chunk_size * o.buffers);

	toe::Socket sock = toe::Socket::open(dev, TOE_PROTO_TCP);
	sock.connect(o.endpoint);
	std::printf("sending to %s\n", format_endpoint(o.endpoint).c_str());
	std::fflush(stdout);

	Sha256 sha;
	uint64_t queued = 0, acked = 0;
	unsigned in_flight = 0;
	bool source_done = false;
	// Fills chunk i with the next piece of the stream and sends it.
	auto refill = [&](uint64_t i) {
		if (source_done)
			return;
		std::span<std::byte> chunk = mr.bytes().subspan(i * chunk_size, chunk_size);
		size_t n;
		if (file) {
			n = std::fread(chunk.data(), 1, chunk.size(), file);
			if (n < chunk.size() && std::ferror(file))
				die(std::string(o.file) + ": read error");
		} else {
			n = size_t(std::min<uint64_t>(chunk.size(), to_send - queued));
			stream.fill(chunk.first(n));
		}
		if (!n) {
			source_done = true;
			return;
		}
		sha.update(chunk.first(n));
		queued += n;
		if (!file && queued == to_send)
			source_done = true;
		sock.send(mr, chunk.first(n), i);
		in_flight++;
	};
	{
		toe::Device::Batch batch(dev);
		for (uint64_t i = 0; i < o.buffers; i++)
			refill(i);
	}
	while (in_flight) {
		std::optional<toe_cqe> c = completions.next();
		if (!c)
			die("interrupted");
		if (o.verbose)
			std::printf("cqe: %s\n", describe(*c).c_str());
		switch (c->type) {
		case TOE_CQE_SEND:
			if (c->res < 0)
				die("send failed after " + std::to_string(acked) +
				    " bytes acknowledged: " + describe_result(c->res));
			if (c->user_data >= o.buffers)
				die("a send completion for no chunk of ours");
			in_flight--;
			acked += c->bytes;
			refill(c->user_data);
			break;
		case TOE_CQE_CLOSED:
			die("the connection ended: " + describe_result(c->res));
		case TOE_CQE_REQ:
			if (c->res < 0)
				die("request failed: " + describe(*c));
			break;
		default:
			break;
		}
	}
	if (file)
		std::fclose(file);

	uint32_t h = sock.handle();
	sock.close();
	for (;;) {
		std::optional<toe_cqe> c = dev.wait(std::chrono::seconds(30));
		if (!c || (c->type == TOE_CQE_CLOSED && c->handle == h))
			break;
	}
	std::printf("sent bytes=%llu sha256=%s\n", (unsigned long long)queued, sha.hex().c_str());
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	set_program_name(argv[0]);
	Options o = parse(argc, argv);
	install_stop_signals();
	try {
		return o.receive ? receive(o) : send(o);
	} catch (const std::system_error &e) {
		die(e.what());
	}
}
