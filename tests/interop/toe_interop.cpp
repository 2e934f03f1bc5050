// toe-interop: the engine on a real Ethernet link (an AF_PACKET socket),
// serving or opening TCP connections that move a given number of bytes each
// way and report SHA-256 sums of what went and came.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

using toe::interop::Harness;
using toe::interop::HarnessOptions;

const char usage[] =
	R"(usage: toe-interop [options] server --port P [--count N]
       toe-interop [options] client --connect IP:PORT
       toe-interop [options] udp-echo --port P [--count N]

Runs the toe engine in user space on an interface, through an AF_PACKET
socket. The engine owns --ip: that address must not be configured on the
interface's kernel side; toe-interop answers ARP for it.

Each connection sends --bytes bytes (a seeded pattern) while receiving
whatever the peer sends, then ends; one line per connection on stdout:
  conn=1 peer=IP:PORT sent=N sent_sha256=HEX received=N recv_sha256=HEX
  end=closed|reset status=ERRNO peer_closed=0|1 seconds=S mbit_s=R

udp-echo sends each of --count datagrams back to its sender from the named
buffer it arrived in (--recv-buffer bytes each), then prints
  udp echoed=N bytes=N truncated=N

options:
  --dev IF            the interface (required)
  --ip A.B.C.D        the engine's address (required)
  --mac MAC           the engine's MAC (default: the interface's)
  --vlan ID           tag frames with 802.1Q VLAN ID
  --neigh IP=MAC      a static neighbour entry (repeatable; default: ARP)
  --bytes N           bytes to send on each connection; K, M, G suffixes
                      are powers of 1024 (default 0)
  --seed S            the pattern's seed (default 1)
  --hold              do not send FIN when done sending; close only after
                      the peer's FIN (the peer closes first)
  --abort-after N     abort (RST) once N bytes were received
  --expect close|reset  exit 0 only if each connection ended this way
                      (default close: all sent, peer's FIN seen, no reset)
  --tx-offload        the engine leaves checksums partial and emits TSO
                      super-frames; the kernel finishes them (PACKET_VNET_HDR)
  --no-csum-trust     never tell the engine a checksum was verified: it
                      checks every one itself
  --nodelay           disable Nagle
  --mss N             clamp the MSS
  --recv-buffer N     named buffer size (default 64K)
  --recv-buffers N    named buffers posted at once (default 32)
  --timeout SEC       give up after SEC seconds (default 120)
  --ready-file PATH   server: create PATH once listening
  --pcap FILE         write every frame sent and received to FILE (pcap,
                      first 160 bytes of each: the fuzz seeds' captures)
  -v                  events; -vv every frame; -vvv engine debug log
  -h, --help          this text

exit status: 0 all connections as expected, 1 otherwise, 2 bad usage or
setup failure.
)";

[[noreturn]] void bad_usage(const std::string &what)
{
	std::fprintf(stderr, "toe-interop: %s\n(try --help)\n", what.c_str());
	std::exit(2);
}

std::uint64_t parse_size(const std::string &text)
{
	char *end = nullptr;
	errno = 0;
	unsigned long long value = std::strtoull(text.c_str(), &end, 0);
	if (errno || end == text.c_str())
		bad_usage("bad size: " + text);
	std::string suffix(end);
	unsigned shift = 0;
	if (suffix == "K" || suffix == "k" || suffix == "KiB")
		shift = 10;
	else if (suffix == "M" || suffix == "MiB")
		shift = 20;
	else if (suffix == "G" || suffix == "GiB")
		shift = 30;
	else if (!suffix.empty())
		bad_usage("bad size suffix: " + text);
	if (shift && value > (~0ull >> shift))
		bad_usage("size too large: " + text);
	return std::uint64_t(value) << shift;
}

std::uint32_t parse_ip_or_die(const std::string &text)
{
	auto ip = toe::testnet::parse_ip(text);
	if (!ip)
		bad_usage("bad IPv4 address: " + text);
	return *ip;
}

HarnessOptions parse_args(int argc, char **argv)
{
	HarnessOptions opt;
	bool have_mode = false;
	bool have_ip = false;
	std::vector<std::string> args(argv + 1, argv + argc);
	for (std::size_t i = 0; i < args.size(); i++) {
		const std::string &arg = args[i];
		auto value = [&]() -> const std::string & {
			if (i + 1 >= args.size())
				bad_usage(arg + " needs a value");
			return args[++i];
		};
		if (arg == "-h" || arg == "--help") {
			std::fputs(usage, stdout);
			std::exit(0);
		} else if (arg == "server" || arg == "client") {
			opt.mode = arg == "server" ? HarnessOptions::Mode::server
						   : HarnessOptions::Mode::client;
			have_mode = true;
		} else if (arg == "udp-echo") {
			opt.mode = HarnessOptions::Mode::udp_echo;
			have_mode = true;
		} else if (arg == "--dev") {
			opt.dev = value();
		} else if (arg == "--ip") {
			opt.ip = parse_ip_or_die(value());
			have_ip = true;
		} else if (arg == "--mac") {
			if (!toe::testnet::parse_mac(value(), opt.mac))
				bad_usage("bad MAC: " + args[i]);
			opt.mac_set = true;
		} else if (arg == "--vlan") {
			std::uint64_t id = parse_size(value());
			if (id < 1 || id > 4094)
				bad_usage("VLAN id must be 1..4094");
			opt.vlan_id = std::uint16_t(id);
		} else if (arg == "--neigh") {
			const std::string &entry = value();
			auto eq = entry.find('=');
			toe::interop::Neighbours::Mac mac;
			if (eq == std::string::npos ||
			    !toe::testnet::parse_mac(entry.substr(eq + 1),
						     mac.data()))
				bad_usage("--neigh wants IP=MAC: " + entry);
			opt.static_neighbours.emplace_back(
				parse_ip_or_die(entry.substr(0, eq)), mac);
		} else if (arg == "--port") {
			std::uint64_t port = parse_size(value());
			if (port < 1 || port > 65535)
				bad_usage("port must be 1..65535");
			opt.port = std::uint16_t(port);
		} else if (arg == "--connect") {
			const std::string &target = value();
			auto colon = target.rfind(':');
			if (colon == std::string::npos)
				bad_usage("--connect wants IP:PORT");
			opt.remote_ip = parse_ip_or_die(target.substr(0, colon));
			std::uint64_t port = parse_size(target.substr(colon + 1));
			if (port < 1 || port > 65535)
				bad_usage("port must be 1..65535");
			opt.port = std::uint16_t(port);
		} else if (arg == "--count") {
			opt.count = unsigned(parse_size(value()));
			if (opt.count == 0)
				bad_usage("--count must be at least 1");
		} else if (arg == "--bytes") {
			opt.bytes = parse_size(value());
		} else if (arg == "--seed") {
			opt.seed = parse_size(value());
		} else if (arg == "--hold") {
			opt.hold = true;
		} else if (arg == "--abort-after") {
			opt.abort_after = parse_size(value());
		} else if (arg == "--expect") {
			const std::string &how = value();
			if (how == "close")
				opt.expect = HarnessOptions::Expect::close;
			else if (how == "reset")
				opt.expect = HarnessOptions::Expect::reset;
			else
				bad_usage("--expect close|reset");
		} else if (arg == "--tx-offload") {
			opt.tx_offload = true;
		} else if (arg == "--no-csum-trust") {
			opt.trust_kernel_csum = false;
		} else if (arg == "--nodelay") {
			opt.nodelay = true;
		} else if (arg == "--mss") {
			opt.mss = std::uint32_t(parse_size(value()));
		} else if (arg == "--recv-buffer") {
			opt.recv_buffer_size = std::uint32_t(parse_size(value()));
			if (opt.recv_buffer_size == 0)
				bad_usage("--recv-buffer must be at least 1");
		} else if (arg == "--recv-buffers") {
			opt.recv_buffers = unsigned(parse_size(value()));
			if (opt.recv_buffers == 0)
				bad_usage("--recv-buffers must be at least 1");
		} else if (arg == "--ready-file") {
			opt.ready_file = value();
		} else if (arg == "--pcap") {
			opt.pcap_file = value();
		} else if (arg == "--timeout") {
			opt.timeout_s = std::atof(value().c_str());
			if (opt.timeout_s <= 0)
				bad_usage("--timeout must be positive");
		} else if (arg.size() >= 2 && arg[0] == '-' &&
			   arg.find_first_not_of('v', 1) == std::string::npos) {
			opt.verbose += int(arg.size() - 1);
		} else {
			bad_usage("unknown argument: " + arg);
		}
	}
	if (!have_mode)
		bad_usage("say server, client or udp-echo");
	if (opt.dev.empty())
		bad_usage("--dev is required");
	if (!have_ip)
		bad_usage("--ip is required");
	if (opt.port == 0)
		bad_usage(opt.mode == HarnessOptions::Mode::client
				  ? "client needs --connect IP:PORT"
				  : "server and udp-echo need --port");
	return opt;
}

} // namespace

int main(int argc, char **argv)
{
	HarnessOptions options = parse_args(argc, argv);
	try {
		Harness harness(options);
		return harness.run();
	} catch (const std::exception &e) {
		std::fprintf(stderr, "toe-interop: %s\n", e.what());
		return 2;
	}
}
