// The deterministic test port; see test_port.hpp.
#include "test_port.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <sstream>

extern "C" {
#include "os/toe_os_user.h"
}

namespace toe::test {

namespace {

void put16(Bytes &b, size_t off, uint16_t v)
{
	b[off] = uint8_t(v >> 8);
	b[off + 1] = uint8_t(v);
}

void put32(Bytes &b, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[off + i] = uint8_t(v >> (24 - 8 * i));
}

uint16_t get16(const uint8_t *p)
{
	return uint16_t(p[0] << 8 | p[1]);
}

uint32_t get32(const uint8_t *p)
{
	return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 |
	       uint32_t(p[2]) << 8 | p[3];
}

// RFC 1071 over big-endian words, independent of the engine's own code.
uint32_t sum16(const uint8_t *p, size_t len, uint32_t acc = 0)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		acc += uint32_t(p[i] << 8 | p[i + 1]);
	if (len & 1)
		acc += uint32_t(p[len - 1] << 8);
	return acc;
}

uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return uint16_t(acc);
}

uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint32_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
	       proto + len;
}

size_t l3_offset(const Bytes &f, bool *vlan)
{
	*vlan = f.size() >= 18 && get16(&f[12]) == 0x8100;
	return *vlan ? 18 : 14;
}

// L4 checksum over [l4, end) with the pseudo-header; the field must be 0.
uint16_t l4_checksum(const Bytes &f, size_t l3, size_t l4, size_t end)
{
	uint32_t src = get32(&f[l3 + 12]);
	uint32_t dst = get32(&f[l3 + 16]);
	uint32_t acc = pseudo_sum(src, dst, f[l3 + 9], uint32_t(end - l4));

	return uint16_t(~fold(sum16(&f[l4], end - l4, acc)));
}

} // namespace

Bytes bytes(std::string_view s)
{
	return Bytes(s.begin(), s.end());
}

Bytes pattern(size_t len, uint8_t seed)
{
	Bytes b(len);
	uint32_t x = 0x9e3779b9u * (seed + 1u);

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = uint8_t(x >> 16);
	}
	return b;
}

namespace tcpopt {
Bytes mss(uint16_t v)
{
	return {2, 4, uint8_t(v >> 8), uint8_t(v)};
}
Bytes wscale(uint8_t shift)
{
	return {1, 3, 3, shift};
}
Bytes sack_permitted()
{
	return {1, 1, 4, 2};
}
Bytes timestamps(uint32_t tsval, uint32_t tsecr)
{
	Bytes b{1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0};

	put32(b, 4, tsval);
	put32(b, 8, tsecr);
	return b;
}
Bytes sack(const SackBlocks &blocks)
{
	Bytes b{1, 1, 5, uint8_t(2 + 8 * blocks.size())};

	for (auto [start, end] : blocks) {
		b.resize(b.size() + 8);
		put32(b, b.size() - 8, start);
		put32(b, b.size() - 4, end);
	}
	return b;
}
Bytes nop()
{
	return {1};
}
} // namespace tcpopt

Bytes tcp_options(std::initializer_list<Bytes> opts)
{
	Bytes out;

	for (const auto &o : opts)
		out.insert(out.end(), o.begin(), o.end());
	while (out.size() % 4)
		out.push_back(0); // EOL padding
	return out;
}

Bytes build_ipv4(const Mac &src_mac, const Mac &dst_mac, uint32_t src_ip,
		 uint32_t dst_ip, uint8_t proto, const Bytes &l4, uint16_t vlan,
		 uint16_t frag_off, const Bytes &ip_options, uint8_t ttl)
{
	Bytes opts = ip_options;
	while (opts.size() % 4)
		opts.push_back(0);
	size_t l2 = vlan ? 18 : 14;
	size_t ihl = 20 + opts.size();
	Bytes f(l2 + ihl + l4.size());

	std::copy(dst_mac.begin(), dst_mac.end(), f.begin());
	std::copy(src_mac.begin(), src_mac.end(), f.begin() + 6);
	if (vlan) {
		put16(f, 12, 0x8100);
		put16(f, 14, vlan & 0x0fff);
		put16(f, 16, 0x0800);
	} else {
		put16(f, 12, 0x0800);
	}
	f[l2] = uint8_t(0x40 | (ihl / 4));
	put16(f, l2 + 2, uint16_t(ihl + l4.size()));
	put16(f, l2 + 6, frag_off);
	f[l2 + 8] = ttl;
	f[l2 + 9] = proto;
	put32(f, l2 + 12, src_ip);
	put32(f, l2 + 16, dst_ip);
	std::copy(opts.begin(), opts.end(), f.begin() + l2 + 20);
	put16(f, l2 + 10, uint16_t(~fold(sum16(&f[l2], ihl))));
	std::copy(l4.begin(), l4.end(), f.begin() + l2 + ihl);
	return f;
}

Bytes build_tcp(const TcpSpec &s)
{
	size_t hlen = 20 + s.options.size();
	Bytes t(hlen + s.payload.size());

	put16(t, 0, s.src.port);
	put16(t, 2, s.dst.port);
	put32(t, 4, s.seq);
	put32(t, 8, s.ack);
	t[12] = uint8_t((hlen / 4) << 4);
	t[13] = s.flags;
	put16(t, 14, s.window);
	put16(t, 18, s.urg_ptr);
	std::copy(s.options.begin(), s.options.end(), t.begin() + 20);
	std::copy(s.payload.begin(), s.payload.end(), t.begin() + hlen);
	Bytes f = build_ipv4(s.src.mac, s.dst.mac, s.src.ip, s.dst.ip, 6, t,
			     s.vlan, 0x4000, {}, s.ttl);
	bool vlan;
	size_t l3 = l3_offset(f, &vlan);
	put16(f, l3 + 4, s.ip_id);
	put16(f, l3 + 10, 0);
	put16(f, l3 + 10, uint16_t(~fold(sum16(&f[l3], 20))));
	size_t l4 = l3 + 20;
	uint16_t c = l4_checksum(f, l3, l4, f.size());
	if (s.bad_tcp_csum)
		c ^= 0x5a5a;
	put16(f, l4 + 16, c);
	if (s.bad_ip_csum)
		f[l3 + 10] ^= 0xff;
	return f;
}

Bytes build_icmp_frag_needed(const Bytes &sent, uint16_t mtu,
			     uint32_t router_ip, size_t quote)
{
	bool vlan = false;
	size_t l3 = l3_offset(sent, &vlan);
	size_t ihl = size_t(sent[l3] & 0x0f) * 4;
	size_t len = quote ? quote : ihl + 8;
	if (len > sent.size() - l3)
		len = sent.size() - l3;
	Bytes icmp(8 + len);
	icmp[0] = 3; // destination unreachable
	icmp[1] = 4; // fragmentation needed and DF set
	put16(icmp, 6, mtu);
	std::copy(sent.begin() + long(l3), sent.begin() + long(l3 + len),
		  icmp.begin() + 8);
	put16(icmp, 2, uint16_t(~fold(sum16(icmp.data(), icmp.size()))));
	Mac src, dst;
	std::copy(sent.begin(), sent.begin() + 6, src.begin());
	std::copy(sent.begin() + 6, sent.begin() + 12, dst.begin());
	return build_ipv4(src, dst, router_ip, get32(&sent[l3 + 12]), 1, icmp,
			  vlan ? get16(&sent[14]) & 0x0fff : 0);
}

Bytes build_udp(const UdpSpec &s)
{
	Bytes u(8 + s.payload.size());

	put16(u, 0, s.src.port);
	put16(u, 2, s.dst.port);
	put16(u, 4, uint16_t(u.size()));
	std::copy(s.payload.begin(), s.payload.end(), u.begin() + 8);
	Bytes f = build_ipv4(s.src.mac, s.dst.mac, s.src.ip, s.dst.ip, 17, u,
			     s.vlan, 0, {}, s.ttl);
	bool vlan;
	size_t l3 = l3_offset(f, &vlan);
	size_t l4 = l3 + 20;
	uint16_t c = 0;
	if (!s.no_udp_csum) {
		c = l4_checksum(f, l3, l4, f.size());
		if (c == 0)
			c = 0xffff;
		if (s.bad_udp_csum)
			c ^= 0x5a5a;
	}
	put16(f, l4 + 6, c);
	return f;
}

void fix_checksums(Bytes &f)
{
	// Works on any bytes (tests feed it mutated frames): every length
	// from the frame is bounded before use.
	bool vlan;
	size_t l3 = l3_offset(f, &vlan);
	if (f.size() < l3 + 20)
		return;
	size_t ihl = (f[l3] & 0x0f) * 4u;
	if (ihl < 20 || l3 + ihl > f.size())
		return;
	size_t end = std::min<size_t>(f.size(), l3 + get16(&f[l3 + 2]));
	put16(f, l3 + 10, 0);
	put16(f, l3 + 10, uint16_t(~fold(sum16(&f[l3], ihl))));
	size_t l4 = l3 + ihl;
	if (f[l3 + 9] == 6 && end >= l4 + 20) {
		put16(f, l4 + 16, 0);
		put16(f, l4 + 16, l4_checksum(f, l3, l4, end));
	} else if (f[l3 + 9] == 17 && end >= l4 + 8) {
		put16(f, l4 + 6, 0);
		uint16_t c = l4_checksum(f, l3, l4, end);
		put16(f, l4 + 6, c ? c : 0xffff);
	}
}

Frame parse_frame(const Bytes &raw)
{
	Frame fr;
	fr.raw = raw;
	if (raw.size() < 14)
		return fr;
	std::copy(raw.begin(), raw.begin() + 6, fr.dst_mac.begin());
	std::copy(raw.begin() + 6, raw.begin() + 12, fr.src_mac.begin());
	size_t l3 = l3_offset(raw, &fr.has_vlan);
	if (raw.size() < l3)
		return fr;
	if (fr.has_vlan)
		fr.vlan = get16(&raw[14]) & 0x0fff;
	fr.ethertype = get16(&raw[l3 - 2]);
	if (fr.ethertype != 0x0800 || raw.size() < l3 + 20)
		return fr;
	const uint8_t *ip = &raw[l3];
	fr.is_ipv4 = (ip[0] >> 4) == 4;
	fr.ip_hlen = uint8_t((ip[0] & 0x0f) * 4);
	fr.tos = ip[1];
	fr.ip_total_len = get16(ip + 2);
	fr.ip_id = get16(ip + 4);
	fr.df = get16(ip + 6) & 0x4000;
	fr.ttl = ip[8];
	fr.proto = ip[9];
	fr.src_ip = get32(ip + 12);
	fr.dst_ip = get32(ip + 16);
	if (raw.size() < l3 + fr.ip_hlen)
		return fr;
	fr.ip_csum_ok = fold(sum16(ip, fr.ip_hlen)) == 0xffff;
	size_t end = std::min<size_t>(raw.size(), l3 + fr.ip_total_len);
	size_t l4 = l3 + fr.ip_hlen;
	if (fr.proto == 6 && end >= l4 + 20) {
		const uint8_t *t = &raw[l4];
		fr.src_port = get16(t);
		fr.dst_port = get16(t + 2);
		fr.seq = get32(t + 4);
		fr.ack = get32(t + 8);
		fr.tcp_hlen = uint8_t((t[12] >> 4) * 4);
		fr.flags = t[13];
		fr.window = get16(t + 14);
		fr.urg_ptr = get16(t + 18);
		if (fr.tcp_hlen >= 20 && l4 + fr.tcp_hlen <= end) {
			fr.tcp_opts.assign(t + 20, t + fr.tcp_hlen);
			fr.payload.assign(raw.begin() + l4 + fr.tcp_hlen,
					  raw.begin() + end);
		}
		uint32_t acc = pseudo_sum(fr.src_ip, fr.dst_ip, 6,
					  uint32_t(end - l4));
		fr.l4_csum_ok = fold(sum16(t, end - l4, acc)) == 0xffff;
	} else if (fr.proto == 17 && end >= l4 + 8) {
		const uint8_t *u = &raw[l4];
		fr.src_port = get16(u);
		fr.dst_port = get16(u + 2);
		fr.udp_len = get16(u + 4);
		fr.payload.assign(raw.begin() + l4 + 8, raw.begin() + end);
		uint32_t acc = pseudo_sum(fr.src_ip, fr.dst_ip, 17,
					  uint32_t(end - l4));
		fr.l4_csum_ok = get16(u + 6) == 0 ||
				fold(sum16(u, end - l4, acc)) == 0xffff;
	}
	return fr;
}

std::string Frame::payload_str() const
{
	return std::string(payload.begin(), payload.end());
}

namespace {
// Finds TCP option kind in opts; returns its bytes (with kind and length).
std::optional<Bytes> find_opt(const Bytes &o, uint8_t kind)
{
	size_t i = 0;
	while (i < o.size()) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= o.size() || o[i + 1] < 2 || i + o[i + 1] > o.size())
			break;
		if (o[i] == kind)
			return Bytes(o.begin() + i, o.begin() + i + o[i + 1]);
		i += o[i + 1];
	}
	return std::nullopt;
}
} // namespace

std::optional<uint16_t> Frame::opt_mss() const
{
	auto o = find_opt(tcp_opts, 2);
	if (!o || o->size() != 4)
		return std::nullopt;
	return get16(&(*o)[2]);
}

std::optional<uint8_t> Frame::opt_wscale() const
{
	auto o = find_opt(tcp_opts, 3);
	if (!o || o->size() != 3)
		return std::nullopt;
	return (*o)[2];
}

bool Frame::opt_sack_permitted() const
{
	return find_opt(tcp_opts, 4).has_value();
}

std::optional<std::pair<uint32_t, uint32_t>> Frame::opt_timestamps() const
{
	auto o = find_opt(tcp_opts, 8);
	if (!o || o->size() != 10)
		return std::nullopt;
	return std::make_pair(get32(&(*o)[2]), get32(&(*o)[6]));
}

SackBlocks Frame::opt_sack() const
{
	SackBlocks out;
	auto o = find_opt(tcp_opts, 5);

	if (!o)
		return out;
	for (size_t b = 2; b + 8 <= o->size(); b += 8)
		out.emplace_back(get32(&(*o)[b]), get32(&(*o)[b + 4]));
	return out;
}

static std::string ip_str(uint32_t ip)
{
	std::ostringstream os;
	os << (ip >> 24) << '.' << ((ip >> 16) & 255) << '.'
	   << ((ip >> 8) & 255) << '.' << (ip & 255);
	return os.str();
}

std::string Frame::describe() const
{
	std::ostringstream os;
	if (!is_ipv4) {
		os << "non-IPv4 frame, " << raw.size() << " bytes";
		return os.str();
	}
	os << (is_tcp() ? "TCP " : is_udp() ? "UDP " : "IP ")
	   << ip_str(src_ip) << ':' << src_port << " > " << ip_str(dst_ip)
	   << ':' << dst_port;
	if (is_tcp()) {
		os << " [";
		if (flags & TH_SYN)
			os << 'S';
		if (flags & TH_FIN)
			os << 'F';
		if (flags & TH_RST)
			os << 'R';
		if (flags & TH_PSH)
			os << 'P';
		if (flags & TH_URG)
			os << 'U';
		if (flags & TH_ACK)
			os << '.';
		os << "] seq " << seq << " ack " << ack << " win " << window;
	}
	os << " len " << payload.size();
	if (has_vlan)
		os << " vlan " << vlan;
	return os.str();
}

std::ostream &operator<<(std::ostream &os, const Frame &f)
{
	return os << f.describe();
}

HostMem::HostMem(size_t len, uint8_t fill) : buf_(len, fill)
{
	toe_user_mem_init(&mem_, buf_.data(), buf_.size());
}

HostMem::~HostMem()
{
	EXPECT_EQ(mem_.refs, 0)
		<< "host memory freed while the engine holds references to it";
}

std::string HostMem::str(size_t off, size_t len) const
{
	if (off > buf_.size())
		return {};
	len = std::min(len, buf_.size() - off);
	return std::string(buf_.begin() + off, buf_.begin() + off + len);
}

Bytes HostMem::slice(size_t off, size_t len) const
{
	if (off > buf_.size())
		return {};
	len = std::min(len, buf_.size() - off);
	return Bytes(buf_.begin() + off, buf_.begin() + off + len);
}

void HostMem::write(size_t off, const Bytes &b)
{
	std::copy(b.begin(), b.end(), buf_.begin() + off);
}

const char *event_name(uint16_t type)
{
	switch (type) {
	case TOE_EV_CONNECTED: return "CONNECTED";
	case TOE_EV_ACCEPT: return "ACCEPT";
	case TOE_EV_RECV: return "RECV";
	case TOE_EV_RECV_ANON: return "RECV_ANON";
	case TOE_EV_SEND: return "SEND";
	case TOE_EV_PEER_CLOSED: return "PEER_CLOSED";
	case TOE_EV_CLOSED: return "CLOSED";
	case TOE_EV_ERROR: return "ERROR";
	default: return "?";
	}
}

const char *reason_name(uint16_t reason)
{
	switch (reason) {
	case 0: return "-";
	case TOE_RET_THRESHOLD: return "THRESHOLD";
	case TOE_RET_FULL: return "FULL";
	case TOE_RET_PSH: return "PSH";
	case TOE_RET_URG: return "URG";
	case TOE_RET_FIN: return "FIN";
	case TOE_RET_RST: return "RST";
	case TOE_RET_TIMEOUT: return "TIMEOUT";
	case TOE_RET_CLOSED: return "CLOSED";
	case TOE_RET_DATAGRAM: return "DATAGRAM";
	default: return "?";
	}
}

std::string describe(const toe_event &ev)
{
	std::ostringstream os;
	os << event_name(ev.type) << " sock " << ev.sock << " status "
	   << ev.status << " reason " << reason_name(ev.reason) << " bytes "
	   << ev.bytes << " buf_ref " << ev.buf_ref;
	return os.str();
}

std::ostream &operator<<(std::ostream &os, const toe_event &ev)
{
	return os << describe(ev);
}

toe_engine_config TestPort::default_config()
{
	toe_engine_config c;
	toe_engine_config_defaults(&c);
	std::copy(kLocalMac.begin(), kLocalMac.end(), c.mac);
	c.local_ips[0] = kLocalIp;
	c.nr_local_ips = 1;
	c.mtu = 1500;
	c.buflet_count = 1024;
	c.buflet_size = 2048;
	c.sock_buflets_max = 128;
	c.max_sockets = 256;
	c.tx_features = 0;
	c.gso_max_size = 0;
	c.isn_secret[0] = 0x0123456789abcdefull;
	c.isn_secret[1] = 0xfedcba9876543210ull;
	c.random_seed = 42;
	return c;
}

TestPort::TestPort() : TestPort(default_config()) {}

TestPort::TestPort(const toe_engine_config &cfg) : cfg_(cfg)
{
	static const toe_port_ops ops = {xmit_cb, event_cb, resolve_cb, trace_cb};
	int err = toe_engine_create(&cfg_, &ops, this, &eng_);
	if (err) {
		ADD_FAILURE() << "toe_engine_create: " << err;
		eng_ = nullptr;
	}
	arp_add(kPeerIp, kPeerMac);
}

TestPort::~TestPort()
{
	destroy_engine();
}

void TestPort::destroy_engine()
{
	if (eng_)
		toe_engine_destroy(eng_);
	eng_ = nullptr;
}

int TestPort::xmit_cb(void *port, const toe_tx_frame *f)
{
	auto *self = static_cast<TestPort *>(port);
	self->xmit_calls++;
	if (self->xmit_result)
		return self->xmit_result;
	if (self->keep_raw_tx)
		self->raw_tx.push_back(*f);
	self->capture(f);
	return 0;
}

void TestPort::event_cb(void *port, uint32_t owner, const toe_event *ev)
{
	static_cast<TestPort *>(port)->events.push_back({owner, *ev});
}

void TestPort::trace_cb(void *port, const toe_trace_rec *rec)
{
	static_cast<TestPort *>(port)->traces.push_back(*rec);
}

int TestPort::resolve_cb(void *port, uint32_t ip, uint8_t mac[6])
{
	auto *self = static_cast<TestPort *>(port);
	self->resolve_calls++;
	auto it = self->arp_.find(ip);
	if (it != self->arp_.end()) {
		std::copy(it->second.begin(), it->second.end(), mac);
		return 0;
	}
	if (self->pending_.count(ip))
		return -EAGAIN;
	return -EHOSTUNREACH;
}

void TestPort::capture(const toe_tx_frame *f)
{
	EXPECT_LE(f->hdr_len, sizeof(f->hdr));
	EXPECT_LE(f->nr_frags, uint32_t(TOE_TX_MAX_FRAGS));
	Bytes flat(f->hdr, f->hdr + std::min<size_t>(f->hdr_len, sizeof(f->hdr)));
	uint32_t total = 0;
	for (uint32_t i = 0; i < f->nr_frags && i < TOE_TX_MAX_FRAGS; i++) {
		const toe_tx_frag &fr = f->frags[i];
		EXPECT_GT(fr.mem->refs, 0) << "frame points into unreferenced memory";
		EXPECT_LE(fr.off + fr.len, fr.mem->len);
		flat.insert(flat.end(), fr.mem->base + fr.off,
			    fr.mem->base + fr.off + fr.len);
		total += fr.len;
	}
	EXPECT_EQ(total, f->payload_len);
	bool partial = f->flags & TOE_TX_CSUM_PARTIAL;
	if (partial) {
		// Finish the checksum the way a NIC does: the field holds the
		// pseudo-header sum; sum from csum_start and store its complement.
		size_t start = f->csum_start, field = start + f->csum_offset;
		EXPECT_LE(field + 2, flat.size());
		if (field + 2 <= flat.size()) {
			uint16_t c = uint16_t(~fold(sum16(&flat[start], flat.size() - start)));
			put16(flat, field, c);
		}
	}
	if (f->gso_size && segment_gso) {
		// Split like GSO: per-segment IP length/id, TCP seq, flags.
		bool vlan;
		size_t l3 = l3_offset(flat, &vlan);
		size_t ihl = (flat[l3] & 0x0f) * 4u;
		size_t l4 = l3 + ihl;
		size_t thl = (flat[l4 + 12] >> 4) * 4u;
		size_t hdrs = l4 + thl;
		size_t plen = flat.size() - hdrs;
		uint32_t seq = get32(&flat[l4 + 4]);
		uint16_t id = get16(&flat[l3 + 4]);
		uint8_t flags = flat[l4 + 13];
		for (size_t off = 0, i = 0; off < plen; off += f->gso_size, i++) {
			size_t n = std::min<size_t>(f->gso_size, plen - off);
			Bytes seg(flat.begin(), flat.begin() + hdrs);
			seg.insert(seg.end(), flat.begin() + hdrs + off,
				   flat.begin() + hdrs + off + n);
			put16(seg, l3 + 2, uint16_t(ihl + thl + n));
			put16(seg, l3 + 4, uint16_t(id + i));
			put32(seg, l4 + 4, seq + uint32_t(off));
			bool last = off + n >= plen;
			uint8_t fl = flags;
			if (!last)
				fl &= uint8_t(~(TH_FIN | TH_PSH));
			if (i)
				fl &= uint8_t(~0x80); // CWR on the first only
			seg[l4 + 13] = fl;
			fix_checksums(seg);
			Frame fr = parse_frame(seg);
			fr.gso_size = f->gso_size;
			fr.csum_was_partial = partial;
			tx_.push_back(std::move(fr));
		}
		return;
	}
	Frame fr = parse_frame(flat);
	fr.gso_size = f->gso_size;
	fr.csum_was_partial = partial;
	tx_.push_back(std::move(fr));
}

Frame TestPort::pop_tx()
{
	if (tx_.empty()) {
		ADD_FAILURE() << "no frame was transmitted";
		return {};
	}
	Frame f = std::move(tx_.front());
	tx_.pop_front();
	return f;
}

int TestPort::inject(const Bytes &frame, uint32_t rx_flags)
{
	toe_rx_seg seg{frame.data(), uint32_t(frame.size())};
	toe_rx_frame f{&seg, 1, uint32_t(frame.size()), rx_flags};
	return toe_engine_input(eng_, &f);
}

int TestPort::inject_segments(const Bytes &frame,
			      std::initializer_list<size_t> cuts,
			      uint32_t rx_flags)
{
	std::vector<toe_rx_seg> segs;
	size_t prev = 0;
	for (size_t c : cuts) {
		c = std::min(c, frame.size());
		if (c <= prev)
			continue;
		segs.push_back({frame.data() + prev, uint32_t(c - prev)});
		prev = c;
	}
	if (prev < frame.size())
		segs.push_back({frame.data() + prev, uint32_t(frame.size() - prev)});
	toe_rx_frame f{segs.data(), uint32_t(segs.size()), uint32_t(frame.size()),
		       rx_flags};
	return toe_engine_input(eng_, &f);
}

int TestPort::classify(const Bytes &frame, uint32_t rx_flags) const
{
	toe_rx_seg seg{frame.data(), uint32_t(frame.size())};
	toe_rx_frame f{&seg, 1, uint32_t(frame.size()), rx_flags};
	return toe_engine_classify(eng_, &f);
}

toe_event TestPort::pop_event()
{
	if (events.empty()) {
		ADD_FAILURE() << "no event was emitted";
		return {};
	}
	toe_event ev = events.front().ev;
	events.pop_front();
	return ev;
}

std::optional<toe_event> TestPort::take_event(uint16_t type)
{
	for (auto it = events.begin(); it != events.end(); ++it) {
		if (it->ev.type == type) {
			toe_event ev = it->ev;
			events.erase(it);
			return ev;
		}
	}
	return std::nullopt;
}

size_t TestPort::count_events(uint16_t type) const
{
	return size_t(std::count_if(events.begin(), events.end(),
				    [&](const RecordedEvent &r) { return r.ev.type == type; }));
}

uint64_t TestPort::now()
{
	return toe_os_now_us();
}

void TestPort::set_clock(uint64_t us)
{
	toe_user_clock_set(us);
}

void TestPort::advance(uint64_t us)
{
	toe_user_clock_advance(us);
	poll();
}

void TestPort::poll()
{
	toe_engine_poll(eng_);
}

void TestPort::run_until(uint64_t t)
{
	for (int guard = 0; guard < 1000000; guard++) {
		uint64_t d = toe_engine_next_deadline_us(eng_);
		if (d == TOE_DEADLINE_NONE || d > t)
			break;
		if (d > now())
			set_clock(d);
		poll();
	}
	if (t > now())
		set_clock(t);
	poll();
}

HostMem &TestPort::mem(size_t len, uint8_t fill)
{
	mems_.push_back(std::make_unique<HostMem>(len, fill));
	return *mems_.back();
}

toe_engine_counters TestPort::counters() const
{
	toe_engine_counters c;
	toe_engine_get_counters(eng_, &c);
	return c;
}

} // namespace toe::test
