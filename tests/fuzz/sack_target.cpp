// The SACK-hostile fuzz target (sack_target.hpp, README.md): one
// connection the engine opened with SACK, timestamps and window scaling, a
// flight of up to 6 MiB outstanding, and ACKs from the input.
#include "sack_target.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "engine_port.hpp"
#include "fuzz_engine.hpp"
#include "fuzz_target.hpp"
#include "inet.hpp"

extern "C" {
#include "engine.h"
#include "sock.h"
}

namespace toe::fuzz {
namespace {

using detail::Reader;
using detail::tracing;
using detail::violation;
using testnet::Bytes;

constexpr std::uint32_t owner = 1;
constexpr std::uint32_t peer_isn = 7000;
constexpr std::uint32_t peer_tsval_base = 1000;
constexpr std::uint8_t peer_wscale = 8;
constexpr unsigned max_records = 4096;
// Each ACK costs O(records) to process and to check: this keeps an input
// within a second or so under the sanitizers, whatever its storms ask.
constexpr unsigned max_acks = 2048;
constexpr unsigned max_polls = 100000;
constexpr std::uint32_t flight_sizes[4] = {6u << 20, 2u << 20, 512u << 10,
					   128u << 10};
constexpr std::uint32_t first_rtts_us[4] = {1000, 10000, 100, 0}; // 0: none
constexpr std::uint32_t ack_delays_us[8] = {0, 1, 10, 100, 1000, 10000,
					    100000, 1000000};
// The stream a connection may carry: offsets stay far from 2^31, so
// sequence comparisons against the data start never wrap.
constexpr std::uint64_t stream_max = 1u << 30;
// Send memory: byte i holds i % 251 and the size is a multiple of 251,
// so the byte at stream offset k is k % 251 wherever the send put it.
constexpr std::uint32_t pattern_period = 251;
constexpr std::uint32_t send_region_len = pattern_period * 65536;

static_assert(TOE_TCP_SB_MAX == 4096, "sack_work_bound follows the bound");

SackFuzzStats stats;

testnet::HostRegion &send_region()
{
	static testnet::HostRegion region(send_region_len);
	static const bool filled = [] {
		for (std::size_t i = 0; i < region.size(); i++)
			region.data()[i] = std::uint8_t(i % pattern_period);
		return true;
	}();
	(void)filled;
	return region;
}

bool seq_lt(std::uint32_t a, std::uint32_t b)
{
	return std::int32_t(a - b) < 0;
}

bool seq_leq(std::uint32_t a, std::uint32_t b)
{
	return std::int32_t(a - b) <= 0;
}

void print_stats(const char *when)
{
	std::fprintf(stderr,
		     "sack: %s: %llu inputs, %llu acks, worst per-ACK work %u "
		     "(with %u records; bound %u), peak records %u (max %u), "
		     "splits refused %llu\n",
		     when, (unsigned long long)stats.inputs,
		     (unsigned long long)stats.acks, stats.worst_work,
		     stats.worst_work_records, sack_work_bound,
		     stats.peak_records, TOE_TCP_SB_MAX,
		     (unsigned long long)stats.splits_refused);
}

// libFuzzer exits through exit() at -max_total_time: print then.
struct StatsAtExit {
	~StatsAtExit()
	{
		if (stats.inputs)
			print_stats("final");
	}
} stats_at_exit;

class SackTarget {
public:
	explicit SackTarget(std::uint8_t config);
	~SackTarget();
	SackTarget(const SackTarget &) = delete;
	SackTarget &operator=(const SackTarget &) = delete;

	void setup();
	void run_record(Reader &in);
	void finish();

private:
	static int port_xmit(void *port, const toe_tx_frame *f);
	static void port_event(void *port, std::uint32_t owner,
			       const toe_event *ev);
	static int port_resolve(void *port, std::uint32_t ip, std::uint8_t mac[6]);

	void on_tx(const toe_tx_frame &f);
	void check_segment(const testnet::FrameInfo &info, const Bytes &frame);
	void on_event(const toe_event &ev);
	toe_tcp_cb *tcb();
	std::int64_t offset_of(std::uint32_t seq) const
	{
		return std::int32_t(seq - data_start_);
	}
	void input(const Bytes &frame);
	void run_timers();
	void advance_clock(std::uint64_t us);
	void queue(std::uint32_t len);

	std::uint32_t point(Reader &in, std::uint32_t previous);
	void send_ack(std::uint32_t ack, std::uint16_t window, bool timestamps,
		      bool old_tsecr,
		      std::span<const toe_tcp_sack_block> blocks);
	void record_ack(Reader &in, unsigned arg);
	void record_storm(Reader &in);

	void check_connection();
	void check_work(std::uint32_t records_before, unsigned blocks);

	std::uint8_t config_;
	toe_engine *eng_ = nullptr;
	std::uint32_t sock_ = 0;
	bool closed_ = false; // TOE_EV_CLOSED arrived
	bool established_ = false; // the checks of data segments apply
	bool finishing_ = false; // owner released: RST and completions follow
	std::uint16_t local_port_ = 0;
	std::uint32_t isn_ = 0;
	std::uint32_t data_start_ = 0;
	std::uint32_t mss_ = 0;
	std::uint64_t queued_ = 0; // stream bytes queued
	std::int64_t highest_sent_ = 0; // stream offset after the highest byte sent
	std::int64_t right_edge_ = 65535; // the largest window edge offered
	std::uint32_t engine_tsval_ = 0;
	std::uint32_t first_tsval_ = 0;
	bool have_tsval_ = false;
	std::map<std::uint64_t, std::uint32_t> sends_; // user_ref -> length
	std::uint64_t next_ref_ = 1;
	unsigned acks_ = 0;
	testnet::TxCheck tx_check_;
};

SackTarget::SackTarget(std::uint8_t config) : config_(config)
{
	toe_user_clock_set(1'000'000);
	toe_user_random_seed(0x5eed);
	toe_engine_config cfg;
	toe_engine_config_defaults(&cfg);
	std::memcpy(cfg.mac, engine_mac, 6);
	cfg.local_ips[0] = engine_ip;
	cfg.nr_local_ips = 1;
	// The peer sends no data: a small pool is cheap to create per input.
	cfg.buflet_count = 64;
	cfg.buflet_size = 512;
	cfg.sock_buflets_max = 32;
	cfg.max_sockets = 4;
	cfg.sock_send_max = 8;
	cfg.isn_secret[0] = 0x1234;
	cfg.isn_secret[1] = 0x5678;
	cfg.random_seed = 0x9abc;
	if (config & sack_cfg_tso) {
		cfg.tx_features = TOE_TXF_CSUM_PARTIAL | TOE_TXF_GSO_TCPV4;
		cfg.gso_max_size = 65535;
	} else {
		cfg.tx_features = 0;
		cfg.gso_max_size = 0;
	}
	static const toe_port_ops ops = {
		.xmit = &SackTarget::port_xmit,
		.event = &SackTarget::port_event,
		.resolve_l2 = &SackTarget::port_resolve,
		.trace = nullptr,
	};
	if (toe_engine_create(&cfg, &ops, this, &eng_) != 0)
		violation("toe_engine_create failed on a valid configuration");
}

SackTarget::~SackTarget()
{
	if (eng_)
		toe_engine_destroy(eng_);
}

int SackTarget::port_xmit(void *port, const toe_tx_frame *f)
{
	static_cast<SackTarget *>(port)->on_tx(*f);
	return 0;
}

void SackTarget::port_event(void *port, std::uint32_t event_owner,
			    const toe_event *ev)
{
	if (event_owner != owner)
		violation("event for an owner that has no sockets");
	static_cast<SackTarget *>(port)->on_event(*ev);
}

int SackTarget::port_resolve(void *port, std::uint32_t ip, std::uint8_t mac[6])
{
	(void)port;
	if (ip != peer_ip)
		return -EHOSTUNREACH;
	std::memcpy(mac, peer_mac, 6);
	return 0;
}

toe_tcp_cb *SackTarget::tcb()
{
	if (!sock_ || closed_)
		return nullptr;
	toe_sock *sk = toe_sock_lookup_any(eng_, sock_);
	return sk ? &sk->tcp : nullptr;
}

void SackTarget::on_tx(const toe_tx_frame &f)
{
	auto frames = testnet::frames_for_wire(f, tx_check_, true);
	if (tx_check_.problems())
		violation("malformed transmit: " + tx_check_.first_problem);
	for (const Bytes &frame : frames) {
		if (tracing())
			std::fprintf(stderr, "tx: %s\n",
				     testnet::describe_frame(frame).c_str());
		auto info = testnet::parse_frame(frame);
		if (!info)
			violation("runt transmit");
		if (std::memcmp(info->src_mac, engine_mac, 6) != 0 ||
		    info->vlan_tagged)
			violation("transmit with the wrong L2 header: " +
				  testnet::describe_frame(frame));
		if (!info->is_tcp || info->dst_port != active_peer_port)
			violation("transmit that is not the connection's: " +
				  testnet::describe_frame(frame));
		if (info->tcp_flags == testnet::tcpflag::syn) {
			local_port_ = info->src_port;
			isn_ = info->seq;
		}
		const std::uint8_t *opt = frame.data() + info->l4_off + 20;
		std::size_t len = info->payload_off - info->l4_off - 20;
		for (std::size_t i = 0; i < len;) {
			if (opt[i] == 0)
				break;
			if (opt[i] == 1) {
				i++;
				continue;
			}
			if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
				break;
			if (opt[i] == 8 && opt[i + 1] == 10) {
				engine_tsval_ = testnet::load_be32(opt + i + 2);
				if (!have_tsval_ && established_) {
					first_tsval_ = engine_tsval_;
					have_tsval_ = true;
				}
			}
			i += opt[i + 1];
		}
		if (established_ && !finishing_)
			check_segment(*info, frame);
	}
}

// A segment the engine sent on the established connection.
void SackTarget::check_segment(const testnet::FrameInfo &info,
			       const Bytes &frame)
{
	using namespace testnet::tcpflag;

	if (info.tcp_flags & (syn | fin))
		violation("SYN or FIN on a connection the host keeps open: " +
			  testnet::describe_frame(frame));
	if (info.src_port != local_port_)
		violation("segment from another port: " +
			  testnet::describe_frame(frame));
	if (!info.payload_len)
		return;
	toe_tcp_cb *tp = tcb();
	if (!tp)
		violation("data after the connection went");
	std::int64_t start = offset_of(info.seq);
	std::int64_t end = start + std::int64_t(info.payload_len);
	if (start < 0 || seq_lt(info.seq, tp->snd_una))
		violation("data below snd_una: " + testnet::describe_frame(frame) +
			  " snd_una " + std::to_string(tp->snd_una));
	if (end > std::int64_t(queued_))
		violation("data beyond what the host queued: " +
			  testnet::describe_frame(frame));
	// The region repeats the pattern with period 251: any offset with
	// the right residue and room behind it holds the expected bytes.
	std::size_t from = std::size_t(start % pattern_period);
	if (info.payload_len > send_region_len - from ||
	    std::memcmp(frame.data() + info.payload_off,
			send_region().data() + from, info.payload_len) != 0)
		violation("payload at stream offset " + std::to_string(start) +
			  " is not what the host queued there");
	if (end <= highest_sent_)
		return; // a retransmission
	if (start > highest_sent_)
		violation("new data leaves a hole after stream offset " +
			  std::to_string(highest_sent_) + ": " +
			  testnet::describe_frame(frame));
	if (end > right_edge_)
		violation("new data up to stream offset " + std::to_string(end) +
			  " beyond the largest window edge the peer offered, " +
			  std::to_string(right_edge_));
	// And within the window the engine took last (a shrunk one too).
	if (end > offset_of(tp->snd_una) + std::int64_t(tp->snd_wnd))
		violation("new data up to stream offset " + std::to_string(end) +
			  " beyond snd_una + snd_wnd, " +
			  std::to_string(offset_of(tp->snd_una) + tp->snd_wnd));
	highest_sent_ = end;
}

void SackTarget::on_event(const toe_event &ev)
{
	if (tracing())
		std::fprintf(stderr, "event: %s\n",
			     testnet::describe_event(ev).c_str());
	if (ev.sock != sock_)
		violation("event for an unknown handle: " +
			  testnet::describe_event(ev));
	if (closed_)
		violation("event after CLOSED: " + testnet::describe_event(ev));
	switch (ev.type) {
	case TOE_EV_SEND: {
		auto it = sends_.find(ev.buf_ref);
		if (it == sends_.end())
			violation("unknown send completed: " +
				  testnet::describe_event(ev));
		if (ev.status == 0 && ev.bytes != it->second)
			violation("send completed with the wrong byte count: " +
				  testnet::describe_event(ev));
		sends_.erase(it);
		break;
	}
	case TOE_EV_CLOSED:
		closed_ = true;
		break;
	case TOE_EV_CONNECTED:
	case TOE_EV_ERROR:
		break;
	default:
		violation("unexpected event: " + testnet::describe_event(ev));
	}
}

void SackTarget::input(const Bytes &frame)
{
	if (tracing())
		std::fprintf(stderr, "rx: %s\n", testnet::describe_frame(frame).c_str());
	testnet::input_frame(eng_, frame, 0);
}

void SackTarget::run_timers()
{
	for (unsigned i = 0; i < max_polls; i++) {
		if (toe_engine_next_deadline_us(eng_) > toe_os_now_us())
			return;
		toe_engine_poll(eng_);
	}
	violation("a timer deadline stays in the past after polling");
}

void SackTarget::advance_clock(std::uint64_t us)
{
	if (!us)
		return;
	toe_user_clock_advance(us);
	run_timers();
	check_connection();
}

void SackTarget::queue(std::uint32_t len)
{
	if (queued_ + len > stream_max)
		len = std::uint32_t(stream_max - queued_);
	std::uint32_t offset = std::uint32_t(queued_ % send_region_len);
	len = std::min(len, send_region_len - offset);
	if (!len)
		return;
	toe_send_req req{};
	req.mem = send_region().mem();
	req.offset = offset;
	req.length = len;
	req.user_ref = next_ref_++;
	sends_[req.user_ref] = len;
	// The engine may send some of it before returning.
	queued_ += len;
	int rc = toe_sock_send(eng_, owner, sock_, &req);
	if (rc > 0)
		violation("toe_sock_send returned a positive value");
	if (rc < 0) {
		sends_.erase(req.user_ref);
		queued_ -= len;
	}
}

void SackTarget::setup()
{
	(void)send_region();
	if (toe_sock_create(eng_, owner, TOE_PROTO_TCP, 1, &sock_) != 0 ||
	    toe_sock_connect(eng_, owner, sock_, peer_ip, active_peer_port) != 0)
		violation("could not open the connection");
	if (!local_port_)
		violation("no SYN");
	data_start_ = isn_ + 1;

	// The peer's SYN-ACK: MSS, SACK permitted, timestamps, window scale.
	std::vector<std::uint8_t> syn_options = {2, 4, 0x05, 0xb4, 4, 2, 8, 10};
	syn_options.resize(syn_options.size() + 8);
	testnet::store_be32(&syn_options[8], peer_tsval_base);
	testnet::store_be32(&syn_options[12], engine_tsval_);
	syn_options.insert(syn_options.end(), {1, 3, 3, peer_wscale});
	testnet::FrameSpec spec;
	std::memcpy(spec.dst_mac, engine_mac, 6);
	std::memcpy(spec.src_mac, peer_mac, 6);
	spec.src_ip = peer_ip;
	spec.dst_ip = engine_ip;
	spec.src_port = active_peer_port;
	spec.dst_port = local_port_;
	input(testnet::build_tcp_frame(spec, peer_isn, data_start_,
				       testnet::tcpflag::syn | testnet::tcpflag::ack,
				       65535, syn_options, {}));
	toe_tcp_cb *tp = tcb();
	if (!tp || tp->state != TOE_TCPS_ESTABLISHED)
		violation("the connection did not establish");
	if (!(tp->flags & TOE_TCB_SACK_OK) || !(tp->flags & TOE_TCB_TS_OK) ||
	    !(tp->flags & TOE_TCB_WS_OK))
		violation("SACK, timestamps or window scaling not negotiated");
	established_ = true;
	mss_ = tp->mss;

	// One round trip gives RACK and the RTO an RTT; the ACK also opens
	// the peer's window to its largest.
	std::uint32_t rtt = first_rtts_us[(config_ >> sack_cfg_rtt_shift) & 3];
	if (rtt) {
		queue(1000);
		toe_user_clock_advance(rtt);
	}
	send_ack(tcb()->snd_max, 0xffff, true, false, {});
	run_timers();

	// Growing cwnd through slow start would take a dozen round trips per
	// input: the flight is opened at once instead. Without the first
	// round trip no data has left yet, and RFC 5681 4.1's idle restart
	// would take cwnd back to the initial window.
	std::uint32_t flight = flight_sizes[(config_ >> sack_cfg_flight_shift) & 3];
	tp = tcb();
	if (!tp)
		violation("the connection went during setup");
	tp->cc.cwnd = flight;
	tp->cc.ssthresh = flight;
	tp->last_send_us = toe_os_now_us();
	queue(flight + flight / 4);
	check_connection();
}

std::uint32_t SackTarget::point(Reader &in, std::uint32_t previous)
{
	std::uint8_t sel = in.u8();
	std::uint16_t param = in.u16();
	std::int32_t nudge = std::int32_t(sel >> 3) - 16;
	toe_tcp_cb *tp = tcb();
	std::uint32_t una = tp->snd_una, max = tp->snd_max;
	const toe_tcp_sb &sb = tp->sb;
	std::uint32_t base;

	switch (SackEdge(sel & 7)) {
	case SackEdge::una:
		return una + std::uint32_t(std::int32_t(std::int16_t(param)));
	case SackEdge::flight_fraction:
		base = una + std::uint32_t((std::uint64_t(max - una) * param) >> 16);
		break;
	case SackEdge::max:
		return max + std::uint32_t(std::int32_t(std::int16_t(param)));
	case SackEdge::record_start:
	case SackEdge::record_end:
		if (!sb.count) {
			base = una;
			break;
		}
		{
			const toe_tcp_txrec &r = sb.rec[sb.head + param % sb.count];
			base = (sel & 7) == std::uint8_t(SackEdge::record_start) ?
				       r.start :
				       r.end;
		}
		break;
	case SackEdge::after_previous:
		base = previous + param;
		break;
	case SackEdge::segment:
		base = una + std::uint32_t(param) * mss_;
		break;
	default:
		base = una + (std::uint32_t(param) << 15);
		break;
	}
	return base + std::uint32_t(nudge);
}

void SackTarget::send_ack(std::uint32_t ack, std::uint16_t window,
			  bool timestamps, bool old_tsecr,
			  std::span<const toe_tcp_sack_block> blocks)
{
	std::vector<std::uint8_t> options;
	if (timestamps) {
		options = {1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0};
		testnet::store_be32(&options[4],
				    peer_tsval_base +
					    std::uint32_t(toe_os_now_us() / 1000));
		testnet::store_be32(&options[8], old_tsecr ? first_tsval_ :
							     engine_tsval_);
	}
	if (!blocks.empty()) {
		options.insert(options.end(),
			       {1, 1, 5, std::uint8_t(2 + 8 * blocks.size())});
		for (const toe_tcp_sack_block &b : blocks)
			for (std::uint32_t edge : {b.start, b.end}) {
				options.resize(options.size() + 4);
				testnet::store_be32(&options[options.size() - 4],
						    edge);
			}
	}
	if (options.size() > 40)
		violation("harness: options do not fit");
	// Offered edges of every ACK the engine may take: a bound the
	// engine's own window (a subset of these) can never pass.
	toe_tcp_cb *tp = tcb();
	if (tp && seq_leq(ack, tp->snd_max)) {
		std::int64_t edge = offset_of(ack) +
				    (std::int64_t(window) << peer_wscale);
		right_edge_ = std::max(right_edge_, edge);
	}
	testnet::FrameSpec spec;
	std::memcpy(spec.dst_mac, engine_mac, 6);
	std::memcpy(spec.src_mac, peer_mac, 6);
	spec.src_ip = peer_ip;
	spec.dst_ip = engine_ip;
	spec.src_port = active_peer_port;
	spec.dst_port = local_port_;
	Bytes frame = testnet::build_tcp_frame(spec, peer_isn + 1, ack,
					       testnet::tcpflag::ack, window,
					       options, {});
	std::uint32_t records_before = tp ? tp->sb.count : 0;
	// The work of this ACK alone: a timer's loss marking adds to the
	// counter without resetting it.
	if (tp)
		tp->sb.work = 0;
	input(frame);
	acks_++;
	stats.acks++;
	check_work(records_before, unsigned(blocks.size()));
	check_connection();
}

void SackTarget::record_ack(Reader &in, unsigned arg)
{
	unsigned nr_blocks = arg % 5;
	std::uint8_t misc = in.u8();
	bool timestamps = !(misc & sack_ack_no_timestamp) && nr_blocks < 4;
	advance_clock(ack_delays_us[misc >> sack_ack_delay_shift]);
	if (!tcb())
		return;
	std::uint32_t ack = point(in, tcb()->snd_una);
	std::uint16_t window = (misc & sack_ack_window) ? in.u16() : 0xffff;
	toe_tcp_sack_block blocks[4];
	for (unsigned i = 0; i < nr_blocks; i++) {
		blocks[i].start = point(in, ack);
		blocks[i].end = point(in, blocks[i].start);
	}
	unsigned repeats = 1 + ((misc >> sack_ack_repeat_shift) & 3);
	for (unsigned i = 0; i < repeats && tcb() && acks_ < max_acks; i++)
		send_ack(ack, window, timestamps, misc & sack_ack_old_tsecr,
			 {blocks, nr_blocks});
}

// The SACK panic's pattern: every other stride of the flight SACKed,
// three new blocks an ACK, so the scoreboard splits as finely as it can.
void SackTarget::record_storm(Reader &in)
{
	unsigned acks = 1 + in.u8();
	std::uint32_t stride = in.u16();
	std::uint8_t phase = in.u8();
	if (!stride)
		stride = mss_;
	for (unsigned i = 0; i < acks && tcb() && acks_ < max_acks; i++) {
		std::uint32_t una = tcb()->snd_una;
		toe_tcp_sack_block blocks[3];
		for (unsigned j = 0; j < 3; j++) {
			// The newest block first, as a receiver reports them.
			std::uint32_t k = 3 * i + (2 - j);
			blocks[j].start = una + (2 * k + 1) * stride + phase;
			blocks[j].end = blocks[j].start + stride;
		}
		send_ack(una, 0xffff, true, false, blocks);
	}
}

void SackTarget::run_record(Reader &in)
{
	std::uint8_t head = in.u8();
	switch (SackOp(head & 7)) {
	case SackOp::ack:
		record_ack(in, head >> 3);
		break;
	case SackOp::advance_clock: {
		std::uint16_t v = in.u16();
		advance_clock((v & 0x8000) ? std::uint64_t(v & 0x7fff) * 1000 : v);
		break;
	}
	case SackOp::queue_data:
		queue((std::uint32_t(in.u16()) + 1) * 256);
		break;
	case SackOp::sack_storm:
		record_storm(in);
		break;
	default:
		break;
	}
	run_timers();
	check_connection();
}

// The scoreboard against its definition (tcp_sack.h), after every ACK and
// every timer run.
void SackTarget::check_connection()
{
	toe_tcp_cb *tp = tcb();
	if (!tp || tp->state != TOE_TCPS_ESTABLISHED)
		return;
	std::uint32_t una = tp->snd_una, nxt = tp->snd_nxt, max = tp->snd_max;
	if (!seq_leq(una, nxt) || !seq_leq(nxt, max))
		violation("snd_una " + std::to_string(una) + ", snd_nxt " +
			  std::to_string(nxt) + ", snd_max " +
			  std::to_string(max) + " out of order");
	if (offset_of(max) != highest_sent_)
		violation("snd_max is not the highest byte sent");
	const toe_tcp_sb &sb = tp->sb;
	if (sb.count > TOE_TCP_SB_MAX || sb.cap > TOE_TCP_SB_MAX ||
	    sb.head + sb.count > sb.cap)
		violation("scoreboard past its bound: " + std::to_string(sb.count) +
			  " records, head " + std::to_string(sb.head) + ", cap " +
			  std::to_string(sb.cap));
	stats.peak_records = std::max(stats.peak_records, sb.count);
	if (!sb.count) {
		if (una != max)
			violation("empty scoreboard with data in flight");
		return;
	}
	std::uint32_t expect = una, sacked = 0, lost = 0;
	for (std::uint32_t i = 0; i < sb.count; i++) {
		const toe_tcp_txrec &r = sb.rec[sb.head + i];
		auto broken = [&](const std::string &what) {
			violation("record " + std::to_string(i) + " of " +
				  std::to_string(sb.count) + " [" +
				  std::to_string(r.start) + ", " +
				  std::to_string(r.end) + ") flags " +
				  std::to_string(r.flags) + ": " + what);
		};
		if (r.start != expect)
			broken("does not start at " + std::to_string(expect));
		if (!seq_lt(r.start, r.end))
			broken("empty or inverted");
		if (r.flags & ~(TOE_TXR_SACKED | TOE_TXR_LOST | TOE_TXR_RETRANS))
			broken("unknown flags");
		if ((r.flags & TOE_TXR_SACKED) && (r.flags & TOE_TXR_LOST))
			broken("both SACKed and lost");
		if ((r.flags & TOE_TXR_LOST) && i < sb.lost_hint)
			broken("lost below the lost hint " +
			       std::to_string(sb.lost_hint));
		if (r.flags & TOE_TXR_SACKED)
			sacked += r.end - r.start;
		if (r.flags & TOE_TXR_LOST)
			lost += r.end - r.start;
		expect = r.end;
	}
	if (expect != max)
		violation("the scoreboard ends at " + std::to_string(expect) +
			  ", snd_max is " + std::to_string(max));
	if (sacked != sb.sacked_bytes || lost != sb.lost_bytes)
		violation("sacked_bytes " + std::to_string(sb.sacked_bytes) +
			  " / lost_bytes " + std::to_string(sb.lost_bytes) +
			  " but the records hold " + std::to_string(sacked) +
			  " / " + std::to_string(lost));
	if (std::uint64_t(sacked) + lost > max - una)
		violation("more SACKed and lost than in flight");
	if (!seq_leq(una, sb.fack) || !seq_leq(sb.fack, max))
		violation("fack outside the flight");
}

void SackTarget::check_work(std::uint32_t records_before, unsigned blocks)
{
	toe_tcp_cb *tp = tcb();
	if (!tp)
		return;
	std::uint32_t work = tp->sb.work, records = tp->sb.count;
	std::uint64_t bound = records_before + std::uint64_t(blocks + 1) * records;
	if (work > bound || work > sack_work_bound)
		violation("one ACK visited " + std::to_string(work) +
			  " records, more than " + std::to_string(records_before) +
			  " + (" + std::to_string(blocks) + " + 1) * " +
			  std::to_string(records));
	if (tp->stats.sack_work_max < work)
		violation("sack_work_max below the work of one ACK");
	if (work > stats.worst_work) {
		stats.worst_work = work;
		stats.worst_work_records = records;
	}
}

void SackTarget::finish()
{
	if (toe_tcp_cb *tp = tcb())
		stats.splits_refused += tp->sb.splits_refused;
	finishing_ = true;
	toe_owner_release(eng_, owner, -ECONNABORTED);
	if (!closed_)
		violation("no CLOSED event by owner release");
	if (!sends_.empty())
		violation(std::to_string(sends_.size()) +
			  " send requests never completed");
	if (send_region().engine_refs())
		violation("send memory still referenced after owner release");
	toe_user_clock_advance(3600ull * 1'000'000);
	run_timers();
}

} // namespace

const SackFuzzStats &sack_fuzz_stats()
{
	return stats;
}

void run_one_sack_input(std::span<const std::uint8_t> input)
{
	static bool quiet = [] {
		toe_user_log_level = -1;
		return true;
	}();
	(void)quiet;
	Reader in(input);
	{
		SackTarget target(in.u8());
		target.setup();
		for (unsigned i = 0; i < max_records && !in.empty(); i++)
			target.run_record(in);
		target.finish();
	}
	stats.inputs++;
	if ((stats.inputs & (stats.inputs - 1)) == 0 && stats.inputs >= 1024)
		print_stats("so far");
}

} // namespace toe::fuzz
