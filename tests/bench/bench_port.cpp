// SPDX-License-Identifier: MIT
#include "bench_port.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <stdexcept>

namespace toe::bench {

using namespace toe::test;

BenchPort::BenchPort(const toe_engine_config &cfg)
{
	static const toe_port_ops ops = {xmit_cb, event_cb, resolve_cb, nullptr};
	if (toe_engine_create(&cfg, &ops, this, &eng_))
		throw std::runtime_error("toe_engine_create failed");
}

BenchPort::~BenchPort()
{
	toe_engine_destroy(eng_);
}

int BenchPort::input(const Bytes &frame, bool csum_verified)
{
	toe_rx_seg seg{frame.data(), uint32_t(frame.size())};
	toe_rx_frame f{&seg, 1, uint32_t(frame.size()), csum_verified ? TOE_RX_CSUM_VERIFIED : 0u};
	return toe_engine_input(eng_, &f);
}

int BenchPort::xmit_cb(void *port, const toe_tx_frame *f)
{
	auto *self = static_cast<BenchPort *>(port);
	const uint8_t *tcp = f->hdr + f->l4_off;
	uint32_t seq, ack;
	std::memcpy(&seq, tcp + 4, 4);
	std::memcpy(&ack, tcp + 8, 4);
	self->last_seq_ = ntohl(seq);
	self->last_ack_ = ntohl(ack);
	self->last_flags_ = tcp[13];
	uint32_t end = self->last_seq_ + f->payload_len +
		       ((self->last_flags_ & (TH_SYN | TH_FIN)) ? 1 : 0);
	if (int32_t(end - self->snd_max_) > 0 || !self->frames_out_)
		self->snd_max_ = end;
	self->frames_out_++;
	self->segments_out_ += f->gso_size ? (f->payload_len + f->gso_size - 1) / f->gso_size : 1;
	self->payload_out_ += f->payload_len;
	return 0;
}

void BenchPort::event_cb(void *port, uint32_t, const toe_event *ev)
{
	auto *self = static_cast<BenchPort *>(port);
	if (ev->type < self->events_.size()) {
		self->events_[ev->type]++;
		self->last_[ev->type] = *ev;
	}
}

int BenchPort::resolve_cb(void *, uint32_t, uint8_t mac[6])
{
	std::memcpy(mac, kPeerMac.data(), 6);
	return 0;
}

BenchConn::BenchConn(BenchPort &port, uint16_t mss)
	: peer{kPeerMac, kPeerIp, 40000}, local{kLocalMac, kLocalIp, 80}
{
	toe_engine *eng = port.eng();
	if (toe_sock_create(eng, kOwner, TOE_PROTO_TCP, 0, &listener) ||
	    toe_sock_bind(eng, kOwner, listener, 0, 80) ||
	    toe_sock_listen(eng, kOwner, listener, 8))
		throw std::runtime_error("cannot listen");
	port.input(build_tcp({.src = peer, .dst = local, .seq = snd, .flags = TH_SYN,
			      .options = tcp_options({tcpopt::mss(mss)})}),
		   false);
	snd++;
	if (!(port.last_flags() & TH_SYN))
		throw std::runtime_error("no SYN-ACK");
	rcv = port.last_seq() + 1;
	port.input(build_tcp({.src = peer, .dst = local, .seq = snd, .ack = rcv, .flags = TH_ACK}),
		   false);
	if (toe_sock_accept(eng, kOwner, listener, 0) || !port.events(TOE_EV_ACCEPT))
		throw std::runtime_error("no connection to accept");
	sock = port.last_event(TOE_EV_ACCEPT).sock;
}

} // namespace toe::bench
