// The engine on a real link: a user-space port over an AF_PACKET socket,
// with the engine's clock following CLOCK_MONOTONIC, and a bulk-transfer
// application on top (server: accept and transfer; client: connect and
// transfer).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bulk.hpp"
#include "neighbours.hpp"
#include "packet_socket.hpp"
#include "pcap.hpp"
#include "sha256.hpp"

namespace toe::interop {

struct HarnessOptions {
	enum class Mode { server, client, udp_echo } mode = Mode::server;
	std::string dev;
	std::uint32_t ip = 0;
	std::uint8_t mac[6] = {};
	bool mac_set = false;
	std::uint16_t vlan_id = 0;
	std::vector<std::pair<std::uint32_t, Neighbours::Mac>> static_neighbours;

	std::uint16_t port = 0; // server: listen; client: remote
	std::uint32_t remote_ip = 0; // client
	unsigned count = 1; // server: connections; udp-echo: datagrams

	std::uint64_t bytes = 0; // to send on each connection
	std::uint64_t seed = 1;
	bool hold = false; // close only after the peer's FIN
	std::uint64_t abort_after = UINT64_MAX;
	enum class Expect { close, reset } expect = Expect::close;
	bool tx_offload = false;
	bool trust_kernel_csum = true;
	bool nodelay = false;
	std::uint32_t mss = 0;
	std::uint32_t recv_buffer_size = 64 * 1024;
	unsigned recv_buffers = 32;
	double timeout_s = 120;
	std::string ready_file; // created once the server listens
	std::string pcap_file; // every frame sent and received, headers only
	int verbose = 0;
};

class Harness {
public:
	explicit Harness(const HarnessOptions &options);
	~Harness();
	// Runs to completion; the process exit status.
	int run();

private:
	struct Connection {
		unsigned id = 0;
		std::uint32_t peer_ip = 0;
		std::uint16_t peer_port = 0;
		std::unique_ptr<testnet::BulkEndpoint> bulk;
		testnet::Sha256 recv_hash;
		std::uint64_t started_us = 0;
		bool reported = false;
	};

	static int port_xmit(void *port, const toe_tx_frame *f);
	static void port_event(void *port, std::uint32_t owner,
			       const toe_event *ev);
	static int port_resolve_l2(void *port, std::uint32_t ip,
				   std::uint8_t mac[6]);

	std::uint64_t now_us() const;
	void tick_clock();
	int xmit(const toe_tx_frame &f);
	void capture(std::span<const std::uint8_t> frame);
	void send_raw(std::span<const std::uint8_t> frame);
	void receive_frames();
	void dispatch_events();
	void handle_event(const toe_event &ev);
	void start_connection(std::uint32_t handle, std::uint32_t peer_ip,
			      std::uint16_t peer_port);
	bool report(Connection &conn);
	int start();
	int start_udp_echo();
	void handle_udp_event(const toe_event &ev);
	void post_udp_buffer(std::uint32_t slot);
	void linger_until_quiet();
	void print_counters() const;

	HarnessOptions opt_;
	std::unique_ptr<PacketSocket> link_;
	std::unique_ptr<Neighbours> neighbours_;
	std::unique_ptr<testnet::PcapWriter> pcap_;
	toe_engine *eng_ = nullptr;
	std::unique_ptr<testnet::HostRegion> send_region_;
	std::string send_sha256_;
	std::vector<toe_event> events_;
	std::map<std::uint32_t, Connection> connections_;
	std::vector<std::uint8_t> rx_buf_;
	testnet::TxCheck tx_check_;
	std::uint32_t listener_ = 0;
	std::uint32_t client_sock_ = 0;
	std::uint32_t udp_sock_ = 0;
	std::unique_ptr<testnet::HostRegion> udp_region_;
	std::uint64_t udp_echoed_ = 0;
	std::uint64_t udp_bytes_ = 0;
	std::uint64_t udp_truncated_ = 0;
	unsigned accepted_ = 0;
	unsigned finished_ = 0;
	unsigned failures_ = 0;
	std::uint64_t tx_errors_ = 0;
	std::uint64_t rx_truncated_ = 0;
	std::uint64_t clock_origin_us_ = 0;
	bool fatal_ = false;
};

} // namespace toe::interop
