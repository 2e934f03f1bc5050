#include "harness.hpp"

#include <poll.h>
#include <signal.h>
#include <time.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>

namespace toe::interop {
namespace {

volatile sig_atomic_t interrupted = 0;

// Headers with their options, even behind a VLAN tag; payload is left out.
constexpr std::uint32_t pcap_snaplen = 160;

void on_signal(int)
{
	interrupted = 1;
}

std::uint64_t monotonic_us()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1'000'000 +
	       std::uint64_t(ts.tv_nsec) / 1000;
}

// Fills the send region: a seeded stream, so a run can be repeated.
void fill_send_pattern(std::uint8_t *buf, std::size_t len, std::uint64_t seed)
{
	std::uint64_t state = seed;
	for (std::size_t i = 0; i < len; i += 8) {
		std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		std::memcpy(buf + i, &z, std::min<std::size_t>(8, len - i));
	}
}

std::string strerr(int negative_errno)
{
	return std::strerror(negative_errno < 0 ? -negative_errno
						: negative_errno);
}

} // namespace

Harness::Harness(const HarnessOptions &options)
	: opt_(options), rx_buf_(256 * 1024)
{
	link_ = std::make_unique<PacketSocket>(opt_.dev, opt_.tx_offload);
	if (!opt_.pcap_file.empty()) {
		pcap_ = std::make_unique<testnet::PcapWriter>(opt_.pcap_file,
							      pcap_snaplen);
		if (!pcap_->ok())
			throw std::runtime_error("cannot write " + opt_.pcap_file);
	}
	if (!opt_.mac_set)
		std::memcpy(opt_.mac, link_->mac(), 6);
	neighbours_ = std::make_unique<Neighbours>(
		std::vector<std::uint32_t>{opt_.ip}, opt_.mac, opt_.vlan_id,
		[this](std::span<const std::uint8_t> frame) { send_raw(frame); });
	for (auto &[ip, mac] : opt_.static_neighbours)
		neighbours_->add_static(ip, mac);

	clock_origin_us_ = monotonic_us();
	tick_clock();
	// Ephemeral ports and ISNs differ from run to run, so a quick rerun
	// never meets the previous run's TIME_WAIT in the peer.
	std::random_device entropy;
	toe_user_random_seed((std::uint64_t(entropy()) << 32) ^ entropy());
	if (opt_.verbose >= 3)
		toe_user_log_level = TOE_LOG_DBG;

	toe_engine_config cfg;
	toe_engine_config_defaults(&cfg);
	std::memcpy(cfg.mac, opt_.mac, 6);
	cfg.vlan_id = opt_.vlan_id;
	cfg.mtu = link_->mtu();
	cfg.local_ips[0] = opt_.ip;
	cfg.nr_local_ips = 1;
	cfg.isn_secret[0] = cfg.isn_secret[1] = 0;
	cfg.random_seed = 0;
	if (opt_.tx_offload) {
		cfg.tx_features = TOE_TXF_CSUM_PARTIAL | TOE_TXF_GSO_TCPV4;
		cfg.gso_max_size = 64000;
	} else {
		cfg.tx_features = 0;
		cfg.gso_max_size = 0;
	}
	static const toe_port_ops ops = {
		.xmit = &Harness::port_xmit,
		.event = &Harness::port_event,
		.resolve_l2 = &Harness::port_resolve_l2,
		.trace = nullptr,
	};
	int rc = toe_engine_create(&cfg, &ops, this, &eng_);
	if (rc != 0)
		throw std::runtime_error("toe_engine_create: " + strerr(rc));

	send_region_ = std::make_unique<testnet::HostRegion>(opt_.bytes);
	fill_send_pattern(send_region_->data(), opt_.bytes, opt_.seed);
	testnet::Sha256 hash;
	hash.update(send_region_->data(), opt_.bytes);
	send_sha256_ = hash.hex_finish();
}

Harness::~Harness()
{
	connections_.clear();
	if (eng_) {
		toe_owner_release(eng_, 1, -ECONNABORTED);
		toe_engine_destroy(eng_);
	}
}

std::uint64_t Harness::now_us() const
{
	return toe_os_now_us();
}

void Harness::tick_clock()
{
	// The engine's time starts near zero, like a freshly booted host.
	toe_user_clock_set(1'000'000 + monotonic_us() - clock_origin_us_);
}

int Harness::port_xmit(void *port, const toe_tx_frame *f)
{
	return static_cast<Harness *>(port)->xmit(*f);
}

void Harness::port_event(void *port, std::uint32_t owner, const toe_event *ev)
{
	(void)owner;
	static_cast<Harness *>(port)->events_.push_back(*ev);
}

int Harness::port_resolve_l2(void *port, std::uint32_t ip, std::uint8_t mac[6])
{
	auto *self = static_cast<Harness *>(port);
	int rc = self->neighbours_->resolve(ip, mac, self->now_us());
	if (self->opt_.verbose >= 2 && rc != 0)
		std::fprintf(stderr, "arp: who-has %s\n",
			     testnet::ip_to_string(ip).c_str());
	return rc;
}

void Harness::capture(std::span<const std::uint8_t> frame)
{
	if (!pcap_)
		return;
	auto wall = std::chrono::system_clock::now().time_since_epoch();
	pcap_->write(frame, std::uint64_t(
		std::chrono::duration_cast<std::chrono::microseconds>(wall)
			.count()));
}

void Harness::send_raw(std::span<const std::uint8_t> frame)
{
	capture(frame);
	if (opt_.verbose >= 2)
		std::fprintf(stderr, "tx: %s\n",
			     testnet::describe_frame(frame).c_str());
	int rc = link_->send(frame);
	if (rc != 0)
		tx_errors_++;
}

int Harness::xmit(const toe_tx_frame &f)
{
	bool offloaded = f.flags & (TOE_TX_CSUM_PARTIAL | TOE_TX_GSO_TCPV4);
	if (opt_.tx_offload && offloaded) {
		// The kernel finishes the checksum and segments, as a NIC with
		// TSO would.
		testnet::Bytes frame(f.hdr, f.hdr + f.hdr_len);
		for (std::uint32_t i = 0; i < f.nr_frags; i++) {
			const toe_tx_frag &frag = f.frags[i];
			const std::uint8_t *src = frag.mem->base + frag.off;
			frame.insert(frame.end(), src, src + frag.len);
		}
		if (opt_.verbose >= 2)
			std::fprintf(stderr, "tx: %s (gso %u)\n",
				     testnet::describe_frame(frame).c_str(),
				     f.gso_size);
		// The super-frame as the engine handed it over, before the
		// kernel segments it.
		capture(frame);
		int rc = link_->send_offloaded(frame, f.csum_start,
					       f.csum_offset,
					       std::uint16_t(f.gso_size),
					       std::uint16_t(f.hdr_len));
		if (rc != 0)
			tx_errors_++;
		return rc;
	}
	int result = 0;
	for (auto &frame : testnet::frames_for_wire(f, tx_check_)) {
		if (opt_.verbose >= 2)
			std::fprintf(stderr, "tx: %s\n",
				     testnet::describe_frame(frame).c_str());
		capture(frame);
		int rc = link_->send(frame);
		if (rc != 0) {
			tx_errors_++;
			result = rc;
		}
	}
	return result;
}

void Harness::receive_frames()
{
	// Everything that arrived goes in before timers run, and each frame
	// sees the current time: a backlog of ACKs after the process was
	// descheduled must not look like a retransmission timeout.
	for (int budget = 0; budget < 8192; budget++) {
		ReceivedFrame rf;
		int rc = link_->receive(rx_buf_, rf);
		if (rc <= 0)
			return;
		tick_clock();
		std::span<std::uint8_t> frame(rx_buf_.data(), rf.len);
		capture(frame);
		if (rf.wire_len > rf.len) {
			rx_truncated_++;
			continue;
		}
		if (neighbours_->handle_frame(frame))
			continue;
		std::uint32_t flags = 0;
		if (rf.csum_trusted && opt_.trust_kernel_csum) {
			flags |= TOE_RX_CSUM_VERIFIED;
		} else if (rf.csum_partial) {
			// Never computed by the sender: do what a NIC would.
			testnet::Bytes copy(frame.begin(), frame.end());
			testnet::fill_checksums(copy);
			std::copy(copy.begin(), copy.end(), frame.begin());
		}
		int result = testnet::input_frame(eng_, frame, flags);
		if (opt_.verbose >= 2)
			std::fprintf(stderr, "rx: %s%s%s\n",
				     testnet::describe_frame(frame).c_str(),
				     rf.csum_partial ? " (csum partial)" : "",
				     result == TOE_RX_NOT_MINE ? " [not mine]"
							       : "");
		dispatch_events();
	}
}

void Harness::dispatch_events()
{
	// Handlers call into the engine, which may queue more events.
	while (!events_.empty()) {
		std::vector<toe_event> batch;
		batch.swap(events_);
		for (const toe_event &ev : batch)
			handle_event(ev);
	}
}

void Harness::start_connection(std::uint32_t handle, std::uint32_t peer_ip,
			       std::uint16_t peer_port)
{
	Connection &conn = connections_[handle];
	conn.id = unsigned(connections_.size());
	conn.peer_ip = peer_ip;
	conn.peer_port = peer_port;
	conn.started_us = monotonic_us();
	if (opt_.nodelay)
		toe_sock_setopt(eng_, 1, handle, TOE_OPT_NODELAY, 1);
	testnet::BulkOptions bulk;
	bulk.recv_buffer_size = opt_.recv_buffer_size;
	bulk.recv_buffers = opt_.recv_buffers;
	bulk.shutdown_when_sent = !opt_.hold;
	bulk.abort_after_recv = opt_.abort_after;
	Connection *c = &conn;
	conn.bulk = std::make_unique<testnet::BulkEndpoint>(
		eng_, 1, handle, send_region_->mem(), opt_.bytes,
		[c](std::span<const std::uint8_t> data) { c->recv_hash.update(data); },
		bulk);
	if (opt_.verbose >= 1)
		std::fprintf(stderr, "conn %u: established with %s:%u\n", conn.id,
			     testnet::ip_to_string(peer_ip).c_str(), peer_port);
	conn.bulk->start();
}

void Harness::handle_event(const toe_event &ev)
{
	if (opt_.verbose >= 1)
		std::fprintf(stderr, "[%10.6f] event %s\n",
			     double(now_us() - 1'000'000) / 1e6,
			     testnet::describe_event(ev).c_str());
	if (udp_sock_ && ev.sock == udp_sock_) {
		handle_udp_event(ev);
		return;
	}
	switch (ev.type) {
	case TOE_EV_CONNECTED:
		if (ev.sock != client_sock_)
			break;
		if (ev.status != 0) {
			std::printf("conn=1 end=connect-failed error=%s\n",
				    strerr(ev.status).c_str());
			failures_++;
			fatal_ = true;
			return;
		}
		start_connection(ev.sock, ev.peer_ip ? ev.peer_ip : opt_.remote_ip,
				 ev.peer_port ? ev.peer_port : opt_.port);
		return;
	case TOE_EV_ACCEPT:
		if (ev.parent != listener_)
			break;
		accepted_++;
		start_connection(ev.sock, ev.peer_ip, ev.peer_port);
		if (accepted_ < opt_.count)
			toe_sock_accept(eng_, 1, listener_, accepted_);
		return;
	default:
		break;
	}
	auto it = connections_.find(ev.sock);
	if (it == connections_.end())
		return; // the listener's own events
	Connection &conn = it->second;
	conn.bulk->on_event(ev);
	if (!conn.bulk->error().empty() && !conn.bulk->finished() &&
	    !conn.reported) {
		std::fprintf(stderr, "conn %u: %s\n", conn.id,
			     conn.bulk->error().c_str());
	}
	if (conn.bulk->finished() && !conn.reported) {
		conn.reported = true;
		finished_++;
		if (!report(conn))
			failures_++;
	}
}

bool Harness::report(Connection &conn)
{
	const testnet::BulkEndpoint &bulk = *conn.bulk;
	double seconds = double(monotonic_us() - conn.started_us) / 1e6;
	double mbit = seconds > 0 ? double(bulk.bytes_sent() +
					   bulk.bytes_received()) *
					    8 / seconds / 1e6
				  : 0;
	const char *end = bulk.reset() ? "reset" : "closed";
	std::printf("conn=%u peer=%s:%u sent=%" PRIu64 " sent_sha256=%s "
		    "received=%" PRIu64 " recv_sha256=%s end=%s status=%d "
		    "peer_closed=%d seconds=%.3f mbit_s=%.1f%s%s\n",
		    conn.id, testnet::ip_to_string(conn.peer_ip).c_str(),
		    conn.peer_port, bulk.bytes_sent(),
		    bulk.bytes_sent() == opt_.bytes ? send_sha256_.c_str() : "-",
		    bulk.bytes_received(), conn.recv_hash.hex_finish().c_str(),
		    end, bulk.close_status(), bulk.peer_closed() ? 1 : 0, seconds,
		    mbit, bulk.error().empty() ? "" : " error=",
		    bulk.error().c_str());
	std::fflush(stdout);
	if (!bulk.error().empty())
		return false;
	if (opt_.expect == HarnessOptions::Expect::reset)
		return bulk.reset();
	return !bulk.reset() && bulk.close_status() == 0 && bulk.peer_closed() &&
	       bulk.bytes_sent() == opt_.bytes;
}

int Harness::start()
{
	int rc;
	if (opt_.mode == HarnessOptions::Mode::udp_echo)
		return start_udp_echo();
	if (opt_.mode == HarnessOptions::Mode::server) {
		rc = toe_sock_create(eng_, 1, TOE_PROTO_TCP, 0, &listener_);
		if (rc == 0 && opt_.mss)
			rc = toe_sock_setopt(eng_, 1, listener_, TOE_OPT_MAXSEG,
					     opt_.mss);
		if (rc == 0)
			rc = toe_sock_bind(eng_, 1, listener_, opt_.ip, opt_.port);
		if (rc == 0)
			rc = toe_sock_listen(eng_, 1, listener_,
					     int(std::max(opt_.count, 4u)));
		if (rc == 0)
			rc = toe_sock_accept(eng_, 1, listener_, 0);
		if (rc != 0) {
			std::fprintf(stderr, "listen on %s:%u: %s\n",
				     testnet::ip_to_string(opt_.ip).c_str(),
				     opt_.port, strerr(rc).c_str());
			return rc;
		}
		if (!opt_.ready_file.empty()) {
			if (FILE *ready = std::fopen(opt_.ready_file.c_str(), "w"))
				std::fclose(ready);
		}
		if (opt_.verbose >= 1)
			std::fprintf(stderr, "listening on %s:%u\n",
				     testnet::ip_to_string(opt_.ip).c_str(),
				     opt_.port);
		return 0;
	}
	rc = toe_sock_create(eng_, 1, TOE_PROTO_TCP, 0, &client_sock_);
	if (rc == 0 && opt_.mss)
		rc = toe_sock_setopt(eng_, 1, client_sock_, TOE_OPT_MAXSEG,
				     opt_.mss);
	if (rc == 0)
		rc = toe_sock_connect(eng_, 1, client_sock_, opt_.remote_ip,
				      opt_.port);
	if (rc != 0)
		std::fprintf(stderr, "connect to %s:%u: %s\n",
			     testnet::ip_to_string(opt_.remote_ip).c_str(),
			     opt_.port, strerr(rc).c_str());
	return rc;
}

void Harness::print_counters() const
{
	toe_engine_counters c;
	toe_engine_get_counters(eng_, &c);
	std::fprintf(stderr, "engine: %s\n", testnet::describe_counters(c).c_str());
	std::fprintf(stderr,
		     "port: tx_errors %" PRIu64 " rx_truncated %" PRIu64
		     " arp_answered %" PRIu64 " tx_problems %" PRIu64 "%s%s\n",
		     tx_errors_, rx_truncated_, neighbours_->requests_answered(),
		     tx_check_.problems(),
		     tx_check_.first_problem.empty() ? "" : " first: ",
		     tx_check_.first_problem.c_str());
	std::uint32_t cursor = 0;
	toe_sock_info info;
	while (toe_sock_iter_next(eng_, &cursor, &info) == 0)
		std::fprintf(stderr, "  %s\n", testnet::describe_sock(info).c_str());
}

void Harness::linger_until_quiet()
{
	// Let the last FIN exchanges finish (LAST_ACK, FIN_WAIT) so the peer
	// sees a clean end; TIME_WAIT needs no help from us.
	if (listener_) {
		toe_sock_close(eng_, 1, listener_);
		listener_ = 0;
	}
	std::uint64_t until = monotonic_us() + 3'000'000;
	while (monotonic_us() < until && !interrupted) {
		tick_clock();
		receive_frames();
		if (toe_engine_next_deadline_us(eng_) <= now_us())
			toe_engine_poll(eng_);
		dispatch_events();
		toe_engine_counters c;
		toe_engine_get_counters(eng_, &c);
		if (c.sockets <= c.time_wait)
			return;
		pollfd pfd{link_->rx_fd(), POLLIN, 0};
		poll(&pfd, 1, 5);
	}
}

int Harness::run()
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	neighbours_->announce();
	if (start() != 0)
		return 2;
	dispatch_events();

	std::uint64_t give_up = monotonic_us() + std::uint64_t(opt_.timeout_s * 1e6);
	unsigned want = opt_.mode == HarnessOptions::Mode::server ? opt_.count : 1;
	if (opt_.mode == HarnessOptions::Mode::udp_echo)
		std::fprintf(stderr, "udp echo on %s:%u\n",
			     testnet::ip_to_string(opt_.ip).c_str(), opt_.port);
	bool timed_out = false;
	while (finished_ < want && !fatal_ && !interrupted) {
		tick_clock();
		receive_frames();
		tick_clock();
		if (toe_engine_next_deadline_us(eng_) <= now_us())
			toe_engine_poll(eng_);
		dispatch_events();
		if (monotonic_us() > give_up) {
			timed_out = true;
			break;
		}
		// Sleep until a frame arrives or the next timer is due.
		std::uint64_t deadline = toe_engine_next_deadline_us(eng_);
		std::uint64_t now = now_us();
		std::uint64_t wait_us = deadline > now ? deadline - now : 0;
		wait_us = std::min<std::uint64_t>(wait_us, 20'000);
		timespec ts{0, long(wait_us * 1000)};
		pollfd pfd{link_->rx_fd(), POLLIN, 0};
		ppoll(&pfd, 1, &ts, nullptr);
	}
	if (!timed_out && !interrupted)
		linger_until_quiet();
	if (timed_out || interrupted)
		std::fprintf(stderr, "%s after %u of %u connections finished\n",
			     timed_out ? "timed out" : "interrupted", finished_,
			     want);
	if (timed_out || interrupted || opt_.verbose >= 1 ||
	    failures_ || tx_check_.problems())
		print_counters();
	bool ok = !timed_out && !interrupted && failures_ == 0 &&
		  tx_check_.problems() == 0;
	return ok ? 0 : 1;
}

} // namespace toe::interop
