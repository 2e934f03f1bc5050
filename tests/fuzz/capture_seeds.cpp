// Converting a capture into fuzz seeds. The fuzz target's engine is not the
// captured one: its connections have their own sequence numbers and far
// less data queued. So each peer segment becomes a tcp_segment record whose
// sequence number is written relative to what the engine expected at that
// moment in the capture (in-order data is 0, a retransmission negative, a
// segment past a hole positive), and whose acknowledgement is relative to
// what the engine had sent. Replayed against one of the target's own
// connections, the segments then keep their real relations: sizes, flags,
// options, windows, gaps in time, order and loss.
#include "capture_seeds.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "fuzz_engine.hpp"
#include "inet.hpp"

namespace toe::fuzz {

namespace {

using testnet::FrameInfo;
using testnet::PcapRecord;
namespace tcpflag = testnet::tcpflag;

constexpr unsigned target_active = 0; // the connection the engine opened
constexpr unsigned target_passive = 1; // the one it accepted
constexpr unsigned target_new_tuple = 2; // a new connection to the listener
constexpr unsigned max_window_records = 64;
constexpr std::uint32_t min_clock_gap_us = 100;
constexpr std::uint32_t max_clock_gap_us = 120'000'000;
constexpr std::size_t clock_record_size = 5;

enum Moment : unsigned {
	retransmit,
	out_of_order,
	zero_window,
	dup_acks,
	sack,
	fin,
	rst,
	moment_count,
};
const char *const moment_names[moment_count] = {
	"retransmit", "out-of-order", "zero-window", "dup-acks",
	"sack",	      "fin",	      "rst",
};

// One segment the peer sent, ready to be written as a record.
struct PeerSegment {
	std::uint64_t time_us;
	std::uint8_t flags;
	std::uint16_t window;
	bool timestamps;
	std::vector<std::uint8_t> options; // without the timestamp option
	std::vector<std::uint8_t> payload;
	std::int64_t seq_from_expected; // seq - the engine's rcv_nxt then
	std::int64_t ack_from_sent; // ack - the engine's snd_nxt then
	std::int64_t seq_from_isn; // for a replayed handshake
	std::int64_t ack_from_isn;
};

struct Flow {
	bool engine_opened = false;
	bool saw_peer_syn = false;
	std::optional<std::uint32_t> peer_base, engine_isn, engine_nxt;
	std::int64_t expected = 0; // relative to peer_base
	std::map<std::int64_t, std::int64_t> held; // out-of-order ranges
	std::uint32_t mss = 1448;
	std::optional<std::uint32_t> last_pure_ack;
	unsigned same_acks = 0;
	std::vector<PeerSegment> segments;
	std::optional<std::size_t> first[moment_count];
};

std::int16_t clamp16(std::int64_t v)
{
	return std::int16_t(std::clamp<std::int64_t>(v, INT16_MIN, INT16_MAX));
}

bool seq_after(std::uint32_t a, std::uint32_t b)
{
	return std::int32_t(a - b) > 0;
}

// The options after the fixed header, split into the timestamp option
// (the target writes its own, echoing its engine) and everything else.
void split_options(std::span<const std::uint8_t> opts, bool &timestamps,
		   std::vector<std::uint8_t> &rest)
{
	timestamps = false;
	for (std::size_t i = 0; i < opts.size();) {
		std::uint8_t kind = opts[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			rest.push_back(1);
			i++;
			continue;
		}
		if (i + 1 >= opts.size() || opts[i + 1] < 2 ||
		    i + opts[i + 1] > opts.size())
			break;
		std::size_t len = opts[i + 1];
		if (kind == 8) {
			timestamps = true;
			// NOPs that only aligned the timestamp go with it.
			while (!rest.empty() && rest.back() == 1)
				rest.pop_back();
		} else {
			rest.insert(rest.end(), opts.begin() + long(i),
				    opts.begin() + long(i + len));
		}
		i += len;
	}
}

std::optional<std::uint16_t> mss_option(std::span<const std::uint8_t> opts)
{
	for (std::size_t i = 0; i + 1 < opts.size();) {
		if (opts[i] == 0)
			break;
		if (opts[i] == 1) {
			i++;
			continue;
		}
		if (opts[i + 1] < 2)
			break;
		if (opts[i] == 2 && opts[i + 1] == 4 && i + 4 <= opts.size())
			return testnet::load_be16(&opts[i + 2]);
		i += opts[i + 1];
	}
	return std::nullopt;
}

class Converter {
public:
	Converter(const std::string &stem, std::span<const std::uint32_t> ips)
		: stem_(stem), engine_ips_(ips.begin(), ips.end())
	{
	}

	std::vector<NamedSeed> run(const std::vector<PcapRecord> &records);

private:
	using FlowKey = std::tuple<std::uint32_t, std::uint16_t, std::uint32_t,
				   std::uint16_t>;

	bool is_engine(std::uint32_t ip) const
	{
		return std::find(engine_ips_.begin(), engine_ips_.end(), ip) !=
		       engine_ips_.end();
	}
	void engine_tcp(Flow &flow, const FrameInfo &info,
			std::span<const std::uint8_t> opts);
	void peer_tcp(Flow &flow, const FrameInfo &info,
		      std::span<const std::uint8_t> frame,
		      std::span<const std::uint8_t> opts, std::uint64_t time);
	void other_frame(std::vector<std::uint8_t> frame, const FrameInfo *info,
			 std::uint64_t time);
	void write_window(const std::string &name, const Flow &flow,
			  std::size_t start, bool handshake);
	void clock_to(SeedWriter &seed, std::uint64_t &last,
		      std::uint64_t time) const;

	std::string stem_;
	std::vector<std::uint32_t> engine_ips_;
	std::uint8_t config_ = 0;
	std::map<FlowKey, Flow> flows_;
	std::vector<FlowKey> flow_order_;
	std::optional<SeedWriter> others_;
	std::uint64_t others_clock_ = 0;
	std::vector<NamedSeed> seeds_;
	std::set<std::vector<std::uint8_t>> written_;
};

void Converter::engine_tcp(Flow &flow, const FrameInfo &info,
			   std::span<const std::uint8_t> opts)
{
	std::uint32_t end = info.seq + std::uint32_t(info.payload_len);
	if (info.tcp_flags & tcpflag::syn) {
		flow.engine_isn = info.seq;
		if (!(info.tcp_flags & tcpflag::ack) && !flow.saw_peer_syn)
			flow.engine_opened = true;
		if (auto mss = mss_option(opts))
			flow.mss = *mss;
		end++;
	}
	if (info.tcp_flags & tcpflag::fin)
		end++;
	if (!flow.engine_nxt || seq_after(end, *flow.engine_nxt))
		flow.engine_nxt = end;
}

void Converter::peer_tcp(Flow &flow, const FrameInfo &info,
			 std::span<const std::uint8_t> frame,
			 std::span<const std::uint8_t> opts, std::uint64_t time)
{
	PeerSegment base{};
	base.time_us = time;
	base.window = info.window;
	split_options(opts, base.timestamps, base.options);
	const std::uint8_t flags = info.tcp_flags;
	if (flags & tcpflag::syn) {
		flow.saw_peer_syn = true;
		flow.peer_base = info.seq;
		flow.expected = 1;
		flow.held.clear();
	} else if (!flow.peer_base) {
		// The capture began mid-conversation: take the first segment
		// as what was expected.
		flow.peer_base = info.seq;
	}
	const bool pure_ack = !(flags & (tcpflag::syn | tcpflag::fin |
					 tcpflag::rst)) &&
			      info.payload_len == 0;
	if (pure_ack && flow.last_pure_ack == info.ack) {
		if (++flow.same_acks == 3 && !flow.first[dup_acks])
			flow.first[dup_acks] = flow.segments.size();
	} else {
		flow.same_acks = 0;
	}
	flow.last_pure_ack = pure_ack ? std::optional(info.ack) : std::nullopt;

	auto note = [&](Moment m) {
		if (!flow.first[m])
			flow.first[m] = flow.segments.size();
	};
	if (info.window == 0 && !(flags & tcpflag::rst))
		note(zero_window);
	for (std::size_t i = 0; i + 1 < base.options.size();) {
		if (base.options[i] == 1) {
			i++;
			continue;
		}
		if (base.options[i] == 5)
			note(sack);
		i += std::max<std::size_t>(2, base.options[i + 1]);
	}
	if (flags & tcpflag::rst)
		note(rst);

	// A GSO super-frame left the peer's NIC as MSS-sized segments: the
	// fuzz target takes at most 9000 bytes of payload per record anyway.
	std::uint32_t mss = std::max<std::uint32_t>(
		flow.mss - (base.timestamps ? 12 : 0), 64);
	std::size_t len = info.payload_len;
	std::size_t off = 0;
	do {
		std::size_t chunk = std::min<std::size_t>(len - off, mss);
		bool last = off + chunk == len;
		PeerSegment seg = base;
		seg.flags = flags;
		if (!last)
			seg.flags &= std::uint8_t(~(tcpflag::fin | tcpflag::psh));
		std::uint32_t seq = info.seq + std::uint32_t(off);
		std::int64_t rel = std::int32_t(seq - *flow.peer_base);
		seg.payload.assign(frame.begin() + long(info.payload_off + off),
				   frame.begin() + long(info.payload_off + off +
							chunk));
		seg.seq_from_expected = rel - flow.expected;
		seg.seq_from_isn = rel;
		seg.ack_from_sent = flow.engine_nxt ? std::int32_t(
						info.ack - *flow.engine_nxt) : 0;
		seg.ack_from_isn = flow.engine_isn ? std::int32_t(
						info.ack - *flow.engine_isn) : 0;
		if (chunk && rel < flow.expected)
			note(retransmit);
		if ((chunk || (seg.flags & tcpflag::fin)) && rel > flow.expected)
			note(out_of_order);
		if (seg.flags & tcpflag::fin)
			note(fin);
		std::int64_t end = rel + std::int64_t(chunk) +
				   ((seg.flags & tcpflag::fin) ? 1 : 0);
		if (!(flags & (tcpflag::syn | tcpflag::rst))) {
			if (rel <= flow.expected) {
				flow.expected = std::max(flow.expected, end);
			} else if (end > rel) {
				auto &held_end = flow.held[rel];
				held_end = std::max(held_end, end);
			}
			for (auto it = flow.held.begin();
			     it != flow.held.end() && it->first <= flow.expected;
			     it = flow.held.erase(it))
				flow.expected = std::max(flow.expected, it->second);
		}
		flow.segments.push_back(std::move(seg));
		off += chunk;
	} while (off < len);
}

void Converter::other_frame(std::vector<std::uint8_t> frame,
			    const FrameInfo *info, std::uint64_t time)
{
	if (!others_)
		others_.emplace(config_);
	const bool udp = info && info->is_ipv4 && info->is_udp &&
			 is_engine(info->dst_ip);
	// The record, and the clock advance that may precede it.
	std::size_t cost = (udp ? 3 + info->payload_len : 5 + frame.size()) +
			   clock_record_size;
	if (others_->bytes().size() + cost > capture_seed_max)
		return;
	clock_to(*others_, others_clock_, time);
	if (udp) {
		others_->udp_datagram(0, std::span(frame).subspan(
						 info->payload_off,
						 info->payload_len));
		return;
	}
	// The target's addresses, so the engine takes these as its own.
	if (!(frame[0] & 1))
		std::memcpy(&frame[0], engine_mac, 6);
	std::memcpy(&frame[6], peer_mac, 6);
	std::uint8_t fix = 0; // raw_frame flag bit 1: fill in the checksums
	if (info && info->vlan_tagged)
		testnet::store_be16(&frame[14], fuzz_vlan_id);
	if (info && info->is_ipv4) {
		testnet::store_be32(&frame[info->l3_off + 12], peer_ip);
		if (is_engine(info->dst_ip))
			testnet::store_be32(&frame[info->l3_off + 16], engine_ip);
		fix = 2;
	} else if (info && info->ethertype == 0x0806 &&
		   frame.size() >= info->l3_off + 28) {
		std::uint8_t *arp = &frame[info->l3_off];
		bool from_engine = is_engine(testnet::load_be32(arp + 14));
		std::memcpy(arp + 8, from_engine ? engine_mac : peer_mac, 6);
		testnet::store_be32(arp + 14, from_engine ? engine_ip : peer_ip);
		if (is_engine(testnet::load_be32(arp + 24)))
			testnet::store_be32(arp + 24, engine_ip);
		if (std::any_of(arp + 18, arp + 24, [](auto b) { return b; }))
			std::memcpy(arp + 18, engine_mac, 6);
	}
	others_->raw_frame(frame, fix, 0);
}

void Converter::clock_to(SeedWriter &seed, std::uint64_t &last,
			 std::uint64_t time) const
{
	if (last && time > last + min_clock_gap_us)
		seed.advance_clock(std::uint32_t(
			std::min<std::uint64_t>(time - last, max_clock_gap_us)));
	last = time;
}

void Converter::write_window(const std::string &name, const Flow &flow,
			     std::size_t start, bool handshake)
{
	SeedWriter seed(config_);
	std::uint64_t clock = 0;
	unsigned target = handshake ? target_new_tuple
			  : flow.engine_opened ? target_active
					       : target_passive;
	for (std::size_t i = start, n = 0;
	     i < flow.segments.size() && n < max_window_records; i++, n++) {
		const PeerSegment &seg = flow.segments[i];
		std::size_t cost = 12 + seg.options.size() + seg.payload.size() +
				   clock_record_size;
		if (seed.bytes().size() + cost > capture_seed_max)
			break;
		clock_to(seed, clock, seg.time_us);
		if (handshake) {
			// Relative to the handshake: the target acknowledges its
			// own SYN-ACK to this tuple and starts the peer at 50000.
			seed.tcp_segment(target, seg.flags,
					 clamp16(seg.seq_from_isn),
					 clamp16(seg.ack_from_isn), seg.window,
					 seg.timestamps, seg.options, seg.payload);
		} else {
			seed.tcp_segment(target, seg.flags,
					 clamp16(seg.seq_from_expected),
					 clamp16(seg.ack_from_sent), seg.window,
					 seg.timestamps, seg.options, seg.payload,
					 true);
		}
	}
	if (seed.bytes().size() <= 1 || !written_.insert(seed.bytes()).second)
		return;
	seeds_.push_back({name, seed.bytes()});
}

std::vector<NamedSeed> Converter::run(const std::vector<PcapRecord> &records)
{
	std::vector<std::pair<std::vector<std::uint8_t>, std::uint64_t>> frames;
	for (const PcapRecord &rec : records) {
		// Snapped payload reads as zeros: the headers are what counts.
		std::vector<std::uint8_t> frame = rec.data;
		frame.resize(std::max<std::size_t>(rec.wire_len, frame.size()));
		auto info = testnet::parse_frame(frame);
		if (info && info->vlan_tagged)
			config_ |= cfg_vlan;
		if (info && info->is_tcp && is_engine(info->src_ip) &&
		    frame.size() > 1514u + (info->vlan_tagged ? 4 : 0))
			config_ |= cfg_tx_offload;
		frames.emplace_back(std::move(frame), rec.time_us);
	}
	for (auto &[frame, time] : frames) {
		auto info = testnet::parse_frame(frame);
		if (info && info->is_ipv4 && info->is_tcp && !info->ip_fragment &&
		    (is_engine(info->src_ip) || is_engine(info->dst_ip))) {
			bool from_engine = is_engine(info->src_ip);
			FlowKey key = from_engine
				? FlowKey{info->dst_ip, info->dst_port,
					  info->src_ip, info->src_port}
				: FlowKey{info->src_ip, info->src_port,
					  info->dst_ip, info->dst_port};
			auto [it, fresh] = flows_.try_emplace(key);
			if (fresh)
				flow_order_.push_back(key);
			std::size_t opt_off = info->l4_off + 20;
			auto opts = std::span<const std::uint8_t>(frame).subspan(
				opt_off, info->payload_off - opt_off);
			if (from_engine)
				engine_tcp(it->second, *info, opts);
			else
				peer_tcp(it->second, *info, frame, opts, time);
			continue;
		}
		bool from_engine = info && info->is_ipv4 && is_engine(info->src_ip);
		if (!from_engine && frame.size() >= 14 && frame.size() <= 9018)
			other_frame(frame, info ? &*info : nullptr, time);
	}

	for (std::size_t f = 0; f < flow_order_.size(); f++) {
		const Flow &flow = flows_.at(flow_order_[f]);
		std::string prefix = stem_ + "-" + std::to_string(f) + "-";
		if (flow.segments.empty())
			continue;
		if (flow.saw_peer_syn && !flow.engine_opened)
			write_window(prefix + "handshake", flow, 0, true);
		else
			write_window(prefix + "start", flow, 0, false);
		for (unsigned m = 0; m < moment_count; m++)
			if (flow.first[m])
				write_window(prefix + moment_names[m], flow,
					     *flow.first[m] ? *flow.first[m] - 1
							    : 0,
					     false);
		std::size_t tail = flow.segments.size() > 8
					   ? flow.segments.size() - 8
					   : 0;
		write_window(prefix + "end", flow, tail, false);
	}
	if (others_ && others_->bytes().size() > 1 &&
	    written_.insert(others_->bytes()).second)
		seeds_.push_back({stem_ + "-not-tcp", others_->bytes()});
	return std::move(seeds_);
}

} // namespace

std::vector<NamedSeed>
seeds_from_capture(const std::string &stem,
		   const std::vector<testnet::PcapRecord> &records,
		   std::span<const std::uint32_t> engine_ips)
{
	return Converter(stem, engine_ips).run(records);
}

} // namespace toe::fuzz
