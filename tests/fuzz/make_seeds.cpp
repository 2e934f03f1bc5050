// toe-fuzz-seeds OUTDIR [--engine IP]... [CAPTURE.pcap...]: writes the fuzz
// seed corpus. Each written seed is a short story told to the engine as set
// up by the fuzz target: frames as Linux builds them (a SYN with its usual
// options, data, FIN, RST, UDP, VLAN-tagged frames, fragments, ARP)
// addressed exactly to its listener and connections, plus clock advances
// and host requests around them. Each capture adds the seeds
// capture_seeds.cpp makes of it, named after the file; --engine says which
// addresses were the engine's (default: the interop harness's, 10.77.0.2
// and 10.78.0.2).
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "capture_seeds.hpp"
#include "fuzz_engine.hpp"
#include "inet.hpp"

namespace {

using namespace toe::fuzz;
using toe::testnet::Bytes;
namespace tcpflag = toe::testnet::tcpflag;

// The options Linux puts in a SYN: MSS, SACK permitted, timestamps, NOP,
// window scale.
std::vector<std::uint8_t> linux_syn_options(std::uint32_t tsval)
{
	std::vector<std::uint8_t> opt = {2, 4, 0x05, 0xb4, 4, 2, 8, 10};
	for (int shift = 24; shift >= 0; shift -= 8)
		opt.push_back(std::uint8_t(tsval >> shift));
	opt.insert(opt.end(), {0, 0, 0, 0, 1, 3, 3, 7});
	return opt;
}

toe::testnet::FrameSpec from_peer(std::uint16_t peer_port,
				  std::uint16_t engine_port, bool vlan)
{
	toe::testnet::FrameSpec spec;
	std::memcpy(spec.dst_mac, engine_mac, 6);
	std::memcpy(spec.src_mac, peer_mac, 6);
	spec.vlan_id = vlan ? fuzz_vlan_id : 0;
	spec.src_ip = peer_ip;
	spec.dst_ip = engine_ip;
	spec.src_port = peer_port;
	spec.dst_port = engine_port;
	return spec;
}

std::vector<std::uint8_t> text(const char *s)
{
	return {s, s + std::strlen(s)};
}

std::vector<std::uint8_t> be16(std::uint16_t v)
{
	return {std::uint8_t(v >> 8), std::uint8_t(v)};
}

template <typename... Parts>
std::vector<std::uint8_t> concat(const Parts &...parts)
{
	std::vector<std::uint8_t> out;
	(out.insert(out.end(), parts.begin(), parts.end()), ...);
	return out;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		std::fprintf(stderr, "usage: toe-fuzz-seeds OUTDIR [--engine IP]... "
				     "[CAPTURE.pcap...]\n");
		return 2;
	}
	std::filesystem::path out = argv[1];
	std::vector<std::uint32_t> engine_ips;
	std::vector<std::string> captures;
	for (int i = 2; i < argc; i++) {
		std::string arg = argv[i];
		if (arg == "--engine" && i + 1 < argc) {
			auto ip = toe::testnet::parse_ip(argv[++i]);
			if (!ip) {
				std::fprintf(stderr, "toe-fuzz-seeds: bad address %s\n",
					     argv[i]);
				return 2;
			}
			engine_ips.push_back(*ip);
		} else {
			captures.push_back(arg);
		}
	}
	if (engine_ips.empty())
		engine_ips = {0x0a4d0002, 0x0a4e0002};
	std::filesystem::create_directories(out);
	int written = 0;
	auto save = [&](const char *name, const SeedWriter &seed) {
		std::ofstream file(out / name, std::ios::binary);
		file.write(reinterpret_cast<const char *>(seed.bytes().data()),
			   std::streamsize(seed.bytes().size()));
		written++;
	};

	const SetupView setup = describe_setup(0);
	const std::uint32_t passive_snd = setup.passive_engine_isn + 1;
	const std::uint32_t passive_rcv = 9001; // the peer's ISN + 1
	const std::uint32_t active_rcv = 7001;
	auto passive = from_peer(passive_peer_port, listen_port, false);
	auto data = text("GET / HTTP/1.1\r\nHost: toe\r\n\r\n");
	std::vector<std::uint8_t> block(1448, 0x42);
	std::vector<std::uint8_t> none;

	// A new connection as Linux opens it, and its completion.
	{
		auto spec = from_peer(40000, listen_port, false);
		SeedWriter seed(0);
		seed.raw_frame(toe::testnet::build_tcp_frame(
			spec, 1000, 0, tcpflag::syn, 64240,
			linux_syn_options(12345), none));
		// The same through the builder (peer port 6001), completed: the
		// ACK acknowledges the engine's SYN-ACK.
		seed.tcp_segment(2, tcpflag::syn, 0, 0, 64240, true,
				 std::vector<std::uint8_t>{2, 4, 0x05, 0xb4, 4, 2,
							   1, 3, 3, 7},
				 none);
		// The SYN offered timestamps, so every later segment has them.
		seed.tcp_segment(2, tcpflag::ack, 1, 1, 502, true, none, none);
		seed.tcp_segment(2, tcpflag::ack | tcpflag::psh, 1, 1, 502, true,
				 none, data);
		save("syn_linux_options", seed);
	}
	// A SYN flood fills the SYN queue, so a new connection gets a SYN
	// cookie, which its ACK then returns.
	{
		SeedWriter seed(0);
		for (std::uint16_t port = 6003; port < 6003 + 12; port++)
			seed.raw_frame(toe::testnet::build_tcp_frame(
				from_peer(port, listen_port, false), 777, 0,
				tcpflag::syn, 64240, linux_syn_options(5), none));
		seed.tcp_segment(2, tcpflag::syn, 0, 0, 64240, false,
				 std::vector<std::uint8_t>{2, 4, 0x05, 0xb4}, none);
		seed.tcp_segment(2, tcpflag::ack, 1, 1, 502, false, none, none);
		seed.tcp_segment(2, tcpflag::ack | tcpflag::psh, 1, 1, 502, false,
				 none, data);
		save("syn_flood_cookie", seed);
	}
	// Data in order on the accepted connection, then the peer's FIN.
	{
		SeedWriter seed(0);
		seed.raw_frame(toe::testnet::build_tcp_frame(
			passive, passive_rcv, passive_snd,
			tcpflag::ack | tcpflag::psh, 8192, none, data));
		seed.raw_frame(toe::testnet::build_tcp_frame(
			passive, passive_rcv + std::uint32_t(data.size()),
			passive_snd + 3000, tcpflag::ack | tcpflag::fin, 8192,
			none, none));
		seed.advance_clock(250'000);
		save("data_then_fin", seed);
	}
	// Out of order: the second segment first, then the hole is filled.
	{
		SeedWriter seed(0);
		seed.raw_frame(toe::testnet::build_tcp_frame(
			passive, passive_rcv + 1448, passive_snd, tcpflag::ack,
			8192, none, block));
		seed.raw_frame(toe::testnet::build_tcp_frame(
			passive, passive_rcv, passive_snd, tcpflag::ack, 8192,
			none, block));
		save("out_of_order", seed);
	}
	// The peer resets the active connection (exact sequence number).
	{
		auto spec = from_peer(active_peer_port, setup.active_local_port,
				      false);
		SeedWriter seed(0);
		seed.raw_frame(toe::testnet::build_tcp_frame(
			spec, active_rcv, 0, tcpflag::rst, 0, none, none));
		save("rst_active", seed);
	}
	// A reset slightly off the window edge: a challenge ACK (RFC 5961).
	{
		SeedWriter seed(0);
		seed.tcp_segment(0, tcpflag::rst, 100, 0, 0, false, none, none);
		save("rst_in_window", seed);
	}
	// Data with timestamps on the active connection; duplicate ACKs.
	{
		SeedWriter seed(0);
		seed.tcp_segment(0, tcpflag::ack | tcpflag::psh, 0, 0, 1000, true,
				 none, data);
		for (int i = 0; i < 4; i++)
			seed.tcp_segment(0, tcpflag::ack, 0, 0, 1000, true, none,
					 none);
		seed.tcp_segment(0, tcpflag::ack, 0, 3000, 1000, true, none, none);
		save("timestamps_dupacks", seed);
	}
	// Nothing is acknowledged: retransmission timeouts, then give up.
	{
		SeedWriter seed(0);
		for (int i = 0; i < 8; i++)
			seed.advance_clock(30'000'000);
		save("retransmit_timeouts", seed);
	}
	// A zero window, a probe, then the window opens.
	{
		SeedWriter seed(0);
		seed.tcp_segment(1, tcpflag::ack, 0, 0, 0, false, none, none);
		seed.advance_clock(2'000'000);
		seed.tcp_segment(1, tcpflag::ack, 0, 0, 0, false, none, none);
		seed.advance_clock(5'000'000);
		seed.tcp_segment(1, tcpflag::ack, 0, 0, 4096, false, none, none);
		save("zero_window", seed);
	}
	// A GRO super-frame of six segments' payload in one frame.
	{
		std::vector<std::uint8_t> big(6 * 1448, 0x33);
		SeedWriter seed(0);
		seed.raw_frame(toe::testnet::build_tcp_frame(
				       passive, passive_rcv, passive_snd,
				       tcpflag::ack, 8192, none, big),
			       1, 40);
		save("gro_superframe_split_headers", seed);
	}
	// The host closes the accepted connection; the peer finishes it;
	// TIME_WAIT runs out.
	{
		SeedWriter seed(0);
		seed.host_request(3, 3, 0, none); // close handle #3 (passive)
		seed.tcp_segment(1, tcpflag::ack, 0, 0, 8192, false, none, none);
		seed.tcp_segment(1, tcpflag::ack | tcpflag::fin, 0, 0, 8192,
				 false, none, none);
		seed.advance_clock(120'000'000);
		save("host_close_time_wait", seed);
	}
	// Host requests around data: post, send, shutdown, abort.
	{
		SeedWriter seed(0);
		seed.host_request(0, 2, 0,
				  concat(be16(0), be16(2048), be16(0),
					 std::vector<std::uint8_t>{5}));
		seed.host_request(1, 2, 0,
				  concat(be16(0), be16(1000),
					 std::vector<std::uint8_t>{0, 0}));
		seed.host_request(2, 2, 0, std::vector<std::uint8_t>{1});
		seed.tcp_segment(0, tcpflag::ack | tcpflag::psh, 0, 1000, 1000,
				 true, none, data);
		seed.host_request(4, 2, 0, none);
		save("host_requests", seed);
	}
	// Another owner tries the first owner's sockets.
	{
		SeedWriter seed(0);
		seed.host_request(3, 2, 2, none);
		seed.host_request(1, 1, 2,
				  concat(be16(0), be16(100),
					 std::vector<std::uint8_t>{0, 0}));
		seed.host_request(11, 0, 2, none);
		save("foreign_owner", seed);
	}
	// A connection the host opens, answered with a SYN-ACK.
	{
		SeedWriter seed(0);
		seed.host_request(7, 0, 1,
				  concat(std::vector<std::uint8_t>{0}, be16(5001)));
		seed.tcp_segment(4, tcpflag::syn | tcpflag::ack, 0, 1, 65535,
				 false, std::vector<std::uint8_t>{2, 4, 5, 0xb4},
				 none);
		save("active_open", seed);
	}
	// Anonymous delivery.
	{
		SeedWriter seed(0);
		seed.host_request(9, 0, 1,
				  concat(be16(0), be16(4096),
					 std::vector<std::uint8_t>{7}));
		seed.host_request(5, 3, 0,
				  std::vector<std::uint8_t>{6, 0, 0, 0, 1});
		// More than the two posted named buffers hold.
		std::vector<std::uint8_t> chunk(4000, 0x61);
		for (int i = 0; i < 3; i++)
			seed.tcp_segment(1, tcpflag::ack | tcpflag::psh,
					 0, 0, 8192, false,
					 none, chunk);
		save("anon_delivery", seed);
	}
	// UDP: to the socket, to a closed port, with no checksum.
	{
		SeedWriter seed(0);
		seed.udp_datagram(0, text("query"));
		seed.udp_datagram(1, text("nobody"));
		seed.udp_datagram(4, text("no checksum"));
		seed.udp_datagram(0, std::vector<std::uint8_t>(3000, 1));
		save("udp", seed);
	}
	// VLAN: the engine on VLAN 5; a tagged SYN, an untagged one, a tag of
	// another VLAN.
	{
		auto tagged = from_peer(40001, listen_port, true);
		auto untagged = from_peer(40002, listen_port, false);
		auto other = from_peer(40003, listen_port, true);
		other.vlan_id = 6;
		auto syn_opts = linux_syn_options(1);
		SeedWriter seed(cfg_vlan);
		seed.raw_frame(toe::testnet::build_tcp_frame(
			tagged, 1, 0, tcpflag::syn, 64240, syn_opts, none));
		seed.raw_frame(toe::testnet::build_tcp_frame(
			untagged, 1, 0, tcpflag::syn, 64240, syn_opts, none));
		seed.raw_frame(toe::testnet::build_tcp_frame(
			other, 1, 0, tcpflag::syn, 64240, syn_opts, none));
		seed.udp_datagram(0, text("tagged"));
		save("vlan", seed);
	}
	// Offloaded transmit: data to send, ACKs arriving.
	{
		SeedWriter seed(cfg_tx_offload);
		seed.host_request(1, 3, 0,
				  concat(be16(0), be16(60000),
					 std::vector<std::uint8_t>{0, 0}));
		seed.tcp_segment(1, tcpflag::ack, 0, 0, 65535, false, none, none);
		seed.tcp_segment(1, tcpflag::ack, 0, 0x4000, 65535, false, none,
				 none);
		save("tx_offload", seed);
	}
	// Not for the engine, or broken: ARP, IPv6, a fragment, IP options, a
	// bad header checksum, a truncated TCP header.
	{
		SeedWriter seed(0);
		Bytes arp(42, 0);
		std::memcpy(arp.data(), engine_mac, 6);
		std::memcpy(arp.data() + 6, peer_mac, 6);
		arp[12] = 0x08;
		arp[13] = 0x06;
		seed.raw_frame(arp);
		Bytes ipv6 = arp;
		ipv6[12] = 0x86;
		ipv6[13] = 0xdd;
		seed.raw_frame(ipv6);

		Bytes frag = toe::testnet::build_tcp_frame(
			passive, passive_rcv, passive_snd, tcpflag::ack, 8192,
			none, data);
		frag[14 + 6] |= 0x20; // more fragments
		seed.raw_frame(frag, 2);

		Bytes options = toe::testnet::build_tcp_frame(
			passive, passive_rcv, passive_snd, tcpflag::ack, 8192,
			none, data);
		// IHL 6: four bytes of options (NOPs) inserted.
		options.insert(options.begin() + 34, {1, 1, 1, 0});
		options[14] = 0x46;
		toe::testnet::store_be16(&options[16],
					 std::uint16_t(options.size() - 14));
		seed.raw_frame(options, 2);

		Bytes bad_ip = frag;
		bad_ip[14 + 6] &= ~0x20;
		bad_ip[24] ^= 0xff; // IP header checksum
		seed.raw_frame(bad_ip);

		Bytes truncated(frag.begin(), frag.begin() + 14 + 20 + 10);
		truncated[16] = 0;
		truncated[17] = 30;
		seed.raw_frame(truncated, 2);
		save("not_mine_and_malformed", seed);
	}
	for (const std::string &path : captures) {
		std::vector<toe::testnet::PcapRecord> records;
		int rc = toe::testnet::read_pcap(path, records);
		if (rc < 0) {
			std::fprintf(stderr, "toe-fuzz-seeds: %s: %s\n", path.c_str(),
				     std::strerror(-rc));
			return 1;
		}
		std::string stem = std::filesystem::path(path).stem().string();
		for (const auto &seed :
		     seeds_from_capture(stem, records, engine_ips)) {
			std::ofstream file(out / seed.name, std::ios::binary);
			file.write(reinterpret_cast<const char *>(seed.bytes.data()),
				   std::streamsize(seed.bytes.size()));
			written++;
		}
	}
	std::printf("wrote %d seeds to %s\n", written, out.c_str());
	return 0;
}
