// SPDX-License-Identifier: MIT
// `toectl socket show`: the engine's sockets, filtered by state, port, pid.
#include "commands.hpp"
#include "common.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>

namespace toectl {
namespace {

std::string upper(std::string_view s)
{
	std::string out(s);
	for (auto &c : out)
		c = char(std::toupper(static_cast<unsigned char>(c)));
	std::replace(out.begin(), out.end(), '-', '_');
	return out;
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
			for (unsigned s = 0; s <= 10; s++)
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
		out.field("local", a.ipv4(TOE_A_LOCAL_ADDR) + ":" +
					   std::to_string(a.u16(TOE_A_LOCAL_PORT)));
		out.field("remote", a.ipv4(TOE_A_REMOTE_ADDR) + ":" +
					    std::to_string(a.u16(TOE_A_REMOTE_PORT)));
		if (a.has(TOE_A_PID)) {
			out.field("pid", a.u32(TOE_A_PID));
			out.field("comm", a.str(TOE_A_COMM));
		}
		out.field("bytes_placed", a.u64(TOE_A_BYTES_PLACED));
		out.field("named_pending", a.u32(TOE_A_NAMED_PENDING));
		out.field("buflets_held", a.u32(TOE_A_BUFLETS_HELD));
		out.field("retransmits", a.u64(TOE_A_RETRANSMITS));
		if (tcp) {
			out.field("cwnd", a.u32(TOE_A_CWND));
			out.field("ssthresh", a.u32(TOE_A_SSTHRESH));
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
			out.field("user_ref", a.u64(TOE_A_USER_REF));
		}
		out.end_record();
	});
	return err ? report_error("socket show", nl.error()) : 0;
}

const Command commands[] = {
	{ "show", socket_show, "[state S] [port P] [pid N]",
	  "sockets: 5-tuple, TCP state, sequence and congestion state, buffers" },
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
