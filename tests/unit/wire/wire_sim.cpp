#include "wire_sim.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace toe::wiresim {
namespace {

// TOE_WIRE_TRACE=1 prints every event, =2 also every frame delivered.
int trace_level()
{
	static const int level = [] {
		const char *env = std::getenv("TOE_WIRE_TRACE");
		return env ? std::atoi(env) : 0;
	}();
	return level;
}

} // namespace

void fill_pattern(std::uint8_t *buf, std::size_t len, std::uint64_t seed)
{
	Prng prng(seed);
	std::size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		std::uint64_t word = prng.next();
		std::memcpy(buf + i, &word, 8);
	}
	if (i < len) {
		std::uint64_t word = prng.next();
		std::memcpy(buf + i, &word, len - i);
	}
}

Wire::Wire(const WireConfig &config) : config_(config), prng_(config.seed) {}

namespace {

std::uint16_t be16(const Bytes &b, std::size_t off)
{
	return std::uint16_t(b[off] << 8 | b[off + 1]);
}

void put_be16(Bytes &b, std::size_t off, std::uint16_t v)
{
	b[off] = std::uint8_t(v >> 8);
	b[off + 1] = std::uint8_t(v);
}

std::uint16_t inet_csum(const std::uint8_t *p, std::size_t len)
{
	std::uint32_t sum = 0;
	for (std::size_t i = 0; i + 1 < len; i += 2)
		sum += std::uint32_t(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += std::uint32_t(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return std::uint16_t(~sum);
}

} // namespace

bool Wire::narrow_hop(int from, const Bytes &frame, std::uint64_t now)
{
	std::size_t l3 = 14;
	if (frame.size() >= 18 && be16(frame, 12) == 0x8100)
		l3 = 18;
	if (frame.size() < l3 + 20 || be16(frame, l3 - 2) != 0x0800)
		return false;
	std::uint16_t tot_len = be16(frame, l3 + 2);
	bool df = be16(frame, l3 + 6) & 0x4000;
	if (tot_len <= config_.hop_mtu || !df)
		return false;
	stats_.too_big++;
	if (!config_.hop_icmp)
		return true;
	// RFC 792: the IPv4 header and 8 bytes; RFC 1191: the next-hop MTU.
	std::size_t ihl = std::size_t(frame[l3] & 0x0f) * 4;
	std::size_t quote = std::min(frame.size() - l3, ihl + 8);
	std::size_t icmp_off = l3 + 20;
	Bytes icmp(icmp_off + 8 + quote, 0);
	std::copy(frame.begin() + 6, frame.begin() + 12, icmp.begin());
	std::copy(frame.begin(), frame.begin() + 6, icmp.begin() + 6);
	std::copy(frame.begin() + 12, frame.begin() + long(l3), icmp.begin() + 12);
	icmp[l3] = 0x45;
	put_be16(icmp, l3 + 2, std::uint16_t(20 + 8 + quote));
	icmp[l3 + 8] = 64;
	icmp[l3 + 9] = 1;
	for (int i = 0; i < 4; i++) {
		icmp[l3 + 12 + i] = std::uint8_t(config_.router_ip >> (24 - 8 * i));
		icmp[l3 + 16 + i] = frame[l3 + 12 + i]; // back to the source
	}
	put_be16(icmp, l3 + 10, inet_csum(&icmp[l3], 20));
	icmp[icmp_off] = 3;
	icmp[icmp_off + 1] = 4;
	put_be16(icmp, icmp_off + 6, std::uint16_t(config_.hop_mtu));
	std::copy(frame.begin() + long(l3), frame.begin() + long(l3 + quote),
		  icmp.begin() + long(icmp_off + 8));
	put_be16(icmp, icmp_off + 2, inet_csum(&icmp[icmp_off], 8 + quote));
	stats_.icmp_sent++;
	// The router sits half way: the answer takes one latency back.
	schedule(from, std::move(icmp), now + config_.latency_us);
	return true;
}

void Wire::schedule(int to, Bytes frame, std::uint64_t at)
{
	queue_.push({at, order_++, to, std::move(frame)});
}

void Wire::transmit(int from, Bytes frame, std::uint64_t now)
{
	stats_.frames++;
	stats_.bytes += frame.size();

	// Serialisation on the sender's link, then propagation.
	std::uint64_t &free_at = link_free_at_[from];
	std::uint64_t start = std::max(now, free_at);
	if (config_.rate_mbps) {
		// +24: preamble, FCS and inter-frame gap.
		free_at = start + ((frame.size() + 24) * 8 + config_.rate_mbps - 1) /
					  config_.rate_mbps;
	} else {
		free_at = start;
	}
	std::uint64_t arrive = free_at + config_.latency_us;
	int to = 1 - from;

	if (config_.blackout_us && now >= config_.blackout_at_us &&
	    now - config_.blackout_at_us < config_.blackout_us) {
		stats_.lost++;
		stats_.blacked_out++;
		return;
	}
	if (config_.hop_mtu && narrow_hop(from, frame, now))
		return;
	if (prng_.chance(config_.loss_ppm)) {
		stats_.lost++;
		return;
	}
	if (prng_.chance(config_.corrupt_ppm) && frame.size() > 0) {
		stats_.corrupted++;
		frame[prng_.below(frame.size())] ^=
			std::uint8_t(1 + prng_.below(255));
	}
	if (prng_.chance(config_.reorder_ppm)) {
		stats_.reordered++;
		arrive += 1 + prng_.below(config_.reorder_delay_us);
	}
	if (prng_.chance(config_.duplicate_ppm)) {
		stats_.duplicated++;
		schedule(to, frame, arrive + prng_.below(config_.reorder_delay_us));
	}
	schedule(to, std::move(frame), arrive);
}

std::uint64_t Wire::next_delivery() const
{
	return queue_.empty() ? UINT64_MAX : queue_.top().deliver_at;
}

int Wire::pop_due(std::uint64_t now, Bytes &frame)
{
	if (queue_.empty() || queue_.top().deliver_at > now)
		return -1;
	// priority_queue::top is const; the frame is moved out just before pop.
	InFlight &top = const_cast<InFlight &>(queue_.top());
	int to = top.to;
	frame = std::move(top.frame);
	queue_.pop();
	stats_.delivered++;
	return to;
}

SimHost::SimHost(int side, Wire &wire, const HostConfig &config)
	: side_(side), wire_(wire), config_(config)
{
	toe_engine_config cfg;
	toe_engine_config_defaults(&cfg);
	std::memcpy(cfg.mac, config.mac, 6);
	cfg.vlan_id = config.vlan_id;
	cfg.local_ips[0] = config.ip;
	cfg.nr_local_ips = 1;
	cfg.random_seed = config.random_seed;
	cfg.isn_secret[0] = config.random_seed * 3 + 1;
	cfg.isn_secret[1] = config.random_seed * 5 + 2;
	if (config.tx_offload) {
		cfg.tx_features = TOE_TXF_CSUM_PARTIAL | TOE_TXF_GSO_TCPV4;
		cfg.gso_max_size = 65536 - 256;
	} else {
		cfg.tx_features = 0;
		cfg.gso_max_size = 0;
	}
	if (config.tune)
		config.tune(cfg);

	static const toe_port_ops ops = {
		.xmit = &SimHost::xmit,
		.event = &SimHost::event,
		.resolve_l2 = &SimHost::resolve_l2,
		.trace = nullptr,
	};
	int rc = toe_engine_create(&cfg, &ops, this, &eng_);
	if (rc != 0)
		throw std::runtime_error("toe_engine_create: " +
					 std::string(std::strerror(-rc)));
}

SimHost::~SimHost()
{
	if (eng_)
		toe_engine_destroy(eng_);
}

void SimHost::add_neighbour(std::uint32_t ip, const std::uint8_t mac[6])
{
	std::array<std::uint8_t, 6> entry;
	std::memcpy(entry.data(), mac, 6);
	neighbours_[ip] = entry;
}

std::uint64_t SimHost::now() const
{
	return toe_os_now_us();
}

int SimHost::xmit(void *port, const toe_tx_frame *f)
{
	auto *self = static_cast<SimHost *>(port);
	auto frames = testnet::frames_for_wire(*f, self->tx_check_,
					       self->config_.keep_super_frames);
	std::uint64_t now = toe_os_now_us();
	for (auto &frame : frames) {
		auto info = testnet::parse_frame(frame);
		bool tagged = self->config_.vlan_id != 0;
		if (!info || std::memcmp(info->src_mac, self->config_.mac, 6) ||
		    info->vlan_tagged != tagged ||
		    (tagged && info->vlan_id != self->config_.vlan_id)) {
			self->tx_check_.bad_l2++;
			if (self->tx_check_.first_problem.empty())
				self->tx_check_.first_problem =
					"wrong source MAC or VLAN tag: " +
					testnet::describe_frame(frame);
		}
		self->wire_.transmit(self->side_, std::move(frame), now);
	}
	return 0;
}

void SimHost::event(void *port, std::uint32_t owner, const toe_event *ev)
{
	(void)owner;
	static_cast<SimHost *>(port)->events_.push_back(*ev);
}

int SimHost::resolve_l2(void *port, std::uint32_t ip, std::uint8_t mac[6])
{
	auto *self = static_cast<SimHost *>(port);
	auto it = self->neighbours_.find(ip);
	if (it == self->neighbours_.end())
		return -EHOSTUNREACH;
	std::memcpy(mac, it->second.data(), 6);
	return 0;
}

void SimHost::receive(const Bytes &frame)
{
	testnet::input_frame(eng_, frame, 0);
}

toe_event SimHost::pop_event()
{
	toe_event ev = events_.front();
	events_.pop_front();
	return ev;
}

Simulation::Simulation(Wire &wire, SimHost &a, SimHost &b)
	: wire_(wire), hosts_{&a, &b}, now_(toe_os_now_us())
{
}

void Simulation::dispatch_events()
{
	// Handling an event may call into an engine, which may queue more
	// events on either host: loop until both are quiet.
	bool any = true;
	while (any) {
		any = false;
		for (int i = 0; i < 2; i++) {
			while (hosts_[i]->has_events()) {
				toe_event ev = hosts_[i]->pop_event();
				any = true;
				if (trace_level() >= 1)
					std::fprintf(stderr, "%12.6f %c: %s\n",
						     double(now_) / 1e6, "AB"[i],
						     testnet::describe_event(ev).c_str());
				if (on_event)
					on_event(i, ev);
			}
		}
	}
}

std::string Simulation::run_until(const std::function<bool()> &done,
				  std::uint64_t virtual_limit_us)
{
	// The clock is the shim's: whoever set it last, start from there.
	now_ = toe_os_now_us();
	std::uint64_t limit = now_ + virtual_limit_us;
	std::uint64_t spins_at_same_time = 0;
	std::uint64_t tick_at = on_tick ? now_ : UINT64_MAX;
	dispatch_events();
	while (!done()) {
		if (tick_at <= now_) {
			tick_at = on_tick(now_);
			dispatch_events();
			if (done())
				break;
		}
		std::uint64_t next = std::min(wire_.next_delivery(), tick_at);
		for (SimHost *host : hosts_)
			next = std::min(next, toe_engine_next_deadline_us(
						      host->engine()));
		if (next == UINT64_MAX || next == TOE_DEADLINE_NONE)
			return "stalled: no frame in flight and no timer armed";
		if (next > limit)
			return "virtual time limit reached";
		if (next <= now_) {
			// A deadline in the past must be cleared by poll.
			if (++spins_at_same_time > 100000) {
				std::string which;
				for (int i = 0; i < 2; i++) {
					std::uint64_t d = toe_engine_next_deadline_us(
						hosts_[i]->engine());
					if (d <= now_)
						which += std::string(" ") + "AB"[i] +
							 " deadline " +
							 std::to_string(d) + " now " +
							 std::to_string(now_) + ";";
				}
				return "stuck: a timer deadline never moves:" + which;
			}
		} else {
			spins_at_same_time = 0;
			now_ = next;
			toe_user_clock_set(now_);
		}

		Bytes frame;
		int to;
		while ((to = wire_.pop_due(now_, frame)) >= 0) {
			if (trace_level() >= 2)
				std::fprintf(stderr, "%12.6f %c> %s\n", double(now_) / 1e6,
					     "AB"[to],
					     testnet::describe_frame(frame).c_str());
			hosts_[to]->receive(frame);
			dispatch_events();
		}
		for (SimHost *host : hosts_) {
			if (toe_engine_next_deadline_us(host->engine()) <= now_)
				toe_engine_poll(host->engine());
		}
		dispatch_events();
	}
	return {};
}

} // namespace toe::wiresim
