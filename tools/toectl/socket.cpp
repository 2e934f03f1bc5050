// SPDX-License-Identifier: MIT
// `toectl socket show`: the engine's sockets, filtered by state, port, pid;
// `toectl socket summary`: how many there are in each state, per engine.
#include "commands.hpp"
#include "common.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <map>
#include <string>

namespace toectl {
namespace {

std::string lower(std::string_view s)
{
	std::string out(s);
	for (auto &c : out)
		c = char(std::tolower(static_cast<unsigned char>(c)));
	return out;
}

std::string upper(std::string_view s)
{
	std::string out(s);
	for (auto &c : out)
		c = char(std::toupper(static_cast<unsigned char>(c)));
	std::replace(out.begin(), out.end(), '-', '_');
	return out;
}

// What the engine holds per socket, as TOE_SO_* set it.
void put_options(Output &out, const Attrs &a, bool tcp)
{
	std::uint32_t flags = a.u32(TOE_A_SOCK_FLAGS);
	out.flag("anon_delivery", flags & TOE_SOCK_F_ANON);
	if (!tcp)
		return;
	out.flag("nodelay", flags & TOE_SOCK_F_NODELAY);
	out.flag("keepalive", flags & TOE_SOCK_F_KEEPALIVE);
	out.field("keepidle_s", a.u32(TOE_A_OPT_KEEPIDLE));
	out.field("keepintvl_s", a.u32(TOE_A_OPT_KEEPINTVL));
	out.field("keepcnt", a.u32(TOE_A_OPT_KEEPCNT));
	out.field("user_timeout_ms", a.u32(TOE_A_OPT_USER_TIMEOUT_MS));
}

int socket_show(const Options &opts, Args args)
{
	std::optional<std::string> state;
	std::optional<std::uint64_t> port, pid;
	for (std::size_t i = 0; i < args.size(); i += 2) {
		if (i + 1 >= args.size())
			return bad_argument("socket", args[i]);
		if (args[i] == "state") {
			state = upper(args[i + 1]);
			bool known = false;
			for (unsigned s = 0; s < TOE_TCP_STATES; s++)
				known |= tcp_state_name(s) == *state;
			if (!known) {
				std::fprintf(stderr, "toectl: unknown state '%.*s'; use a TCP state such as established or listen\n",
					     int(args[i + 1].size()), args[i + 1].data());
				return 2;
			}
		} else if (args[i] == "port") {
			if (!(port = parse_number(args[i + 1], "port", 65535)))
				return 2;
		} else if (args[i] == "pid") {
			if (!(pid = parse_number(args[i + 1], "pid", UINT32_MAX)))
				return 2;
		} else {
			return bad_argument("socket", args[i]);
		}
	}
	Genl nl;
	if (!open_family(nl))
		return 1;
	Output out(opts);
	int err = nl.dump(TOE_CMD_SOCKET_GET, nullptr, [&](std::uint8_t, const Attrs &a) {
		bool tcp = a.u8(TOE_A_SOCK_PROTO) == IPPROTO_TCP;
		std::string_view st = tcp ? tcp_state_name(a.u8(TOE_A_SOCK_STATE)) : "UDP";
		if (state && (!tcp || st != *state))
			return;
		if (port && a.u16(TOE_A_LOCAL_PORT) != *port &&
		    a.u16(TOE_A_REMOTE_PORT) != *port)
			return;
		if (pid && a.u32(TOE_A_PID) != *pid)
			return;
		out.begin_record();
		out.field("dev", a.str(TOE_A_IFNAME));
		out.field("handle", a.u32(TOE_A_SOCK_HANDLE));
		out.field("proto", tcp ? "tcp" : "udp");
		out.field("state", st);
		out.field("local", a.endpoint(TOE_A_LOCAL_ADDR, TOE_A_LOCAL_PORT));
		out.field("remote", a.endpoint(TOE_A_REMOTE_ADDR, TOE_A_REMOTE_PORT));
		if (a.has(TOE_A_PID)) {
			out.field("pid", a.u32(TOE_A_PID));
			out.field("comm", a.str(TOE_A_COMM));
		}
		out.ref("user_ref", a.u64(TOE_A_USER_REF));
		if (tcp) {
			out.field("bytes_sent", a.u64(TOE_A_BYTES_SENT));
			out.field("bytes_acked", a.u64(TOE_A_BYTES_ACKED));
			out.field("bytes_received", a.u64(TOE_A_BYTES_RECEIVED));
		}
		out.field("bytes_placed", a.u64(TOE_A_BYTES_PLACED));
		if (tcp) {
			out.field("segs_in", a.u64(TOE_A_SEGS_IN));
			out.field("segs_out", a.u64(TOE_A_SEGS_OUT));
		}
		out.field("retransmits", a.u64(TOE_A_RETRANSMITS));
		out.field("named_pending", a.u32(TOE_A_NAMED_PENDING));
		out.field("buflets_held", a.u32(TOE_A_BUFLETS_HELD));
		if (tcp) {
			out.field("cwnd", a.u32(TOE_A_CWND));
			out.field("ssthresh", a.u32(TOE_A_SSTHRESH));
			if (a.has(TOE_A_CONGESTION))
				out.field("congestion",
					  congestion_name(a.u8(TOE_A_CONGESTION)));
			out.field("srtt_us", a.u32(TOE_A_SRTT_US));
			out.field("rto_us", a.u32(TOE_A_RTO_US));
			out.field("snd_wnd", a.u32(TOE_A_SND_WND));
			out.field("rcv_wnd", a.u32(TOE_A_RCV_WND));
		}
		if (opts.details || opts.json) {
			out.field("snd_una", a.u32(TOE_A_SND_UNA));
			out.field("snd_nxt", a.u32(TOE_A_SND_NXT));
			out.field("rcv_nxt", a.u32(TOE_A_RCV_NXT));
			out.field("mss", a.u32(TOE_A_MSS));
			out.field("bytes_parked", a.u64(TOE_A_BYTES_PARKED));
			out.field("sends_pending", a.u32(TOE_A_SENDS_PENDING));
			out.field("flags", a.u32(TOE_A_SOCK_FLAGS));
			put_options(out, a, tcp);
		}
		out.end_record();
	});
	return err ? report_error("socket show", nl.error()) : 0;
}

// One engine's counts: TCP per state, then UDP.
struct StateCounts {
	std::array<std::uint64_t, TOE_TCP_STATES> tcp{};
	std::uint64_t udp = 0;
	std::uint64_t total = 0;
};

int socket_summary(const Options &opts, Args args)
{
	if (!args.empty())
		return bad_argument("socket", args[0]);
	Genl nl;
	if (!open_family(nl))
		return 1;
	// Every engine gets a record, even with no socket the caller may see.
	std::map<std::string, StateCounts> engines;
	int err = nl.dump(TOE_CMD_ENGINE_GET, nullptr, [&](std::uint8_t, const Attrs &a) {
		engines[a.str(TOE_A_IFNAME)];
	});
	if (err)
		return report_error("socket summary", nl.error());
	err = nl.dump(TOE_CMD_SOCKET_GET, nullptr, [&](std::uint8_t, const Attrs &a) {
		StateCounts &c = engines[a.str(TOE_A_IFNAME)];
		c.total++;
		if (a.u8(TOE_A_SOCK_PROTO) != IPPROTO_TCP)
			c.udp++;
		else if (a.u8(TOE_A_SOCK_STATE) < TOE_TCP_STATES)
			c.tcp[a.u8(TOE_A_SOCK_STATE)]++;
	});
	if (err)
		return report_error("socket summary", nl.error());
	Output out(opts);
	for (const auto &[dev, c] : engines) {
		out.begin_record();
		out.field("dev", dev);
		out.field("total", c.total);
		std::uint64_t tcp = 0;
		for (auto n : c.tcp)
			tcp += n;
		out.field("tcp", tcp);
		for (unsigned st = 0; st < TOE_TCP_STATES; st++)
			out.field(lower(tcp_state_name(st)), c.tcp[st]);
		out.field("udp", c.udp);
		out.end_record();
	}
	return 0;
}

const Command commands[] = {
	{ "show", socket_show, "[state S] [port P] [pid N]",
	  "sockets: 5-tuple, TCP state, bytes and segments, congestion state; -d: sequence numbers, options" },
	{ "summary", socket_summary, "",
	  "socket counts per TCP state and UDP, per engine (as 'ss -s')" },
};

} // namespace

void socket_help(FILE *to)
{
	print_help("socket", commands, to);
}

int cmd_socket(const Options &opts, Args args)
{
	return dispatch("socket", commands, opts, args);
}

} // namespace toectl
