// SPDX-License-Identifier: MIT
// `toectl listener show`: listening sockets with their accept and SYN
// queues, the backlog, and what they refused.
#include "commands.hpp"
#include "common.hpp"

#include <cstdio>
#include <string>

namespace toectl {
namespace {

int listener_show(const Options &opts, Args args)
{
	std::optional<std::uint64_t> port, pid;
	for (std::size_t i = 0; i < args.size(); i += 2) {
		if (i + 1 >= args.size())
			return bad_argument("listener", args[i]);
		if (args[i] == "port") {
			if (!(port = parse_number(args[i + 1], "port", 65535)))
				return 2;
		} else if (args[i] == "pid") {
			if (!(pid = parse_number(args[i + 1], "pid", UINT32_MAX)))
				return 2;
		} else {
			return bad_argument("listener", args[i]);
		}
	}
	Genl nl;
	if (!open_family(nl))
		return 1;
	Output out(opts);
	int err = nl.dump(TOE_CMD_SOCKET_GET, nullptr, [&](std::uint8_t, const Attrs &a) {
		if (!(a.u32(TOE_A_SOCK_FLAGS) & TOE_SOCK_F_LISTENING) ||
		    !a.has(TOE_A_BACKLOG))
			return;
		if (port && a.u16(TOE_A_LOCAL_PORT) != *port)
			return;
		if (pid && a.u32(TOE_A_PID) != *pid)
			return;
		out.begin_record();
		out.field("dev", a.str(TOE_A_IFNAME));
		out.field("handle", a.u32(TOE_A_SOCK_HANDLE));
		out.field("local", a.endpoint(TOE_A_LOCAL_ADDR, TOE_A_LOCAL_PORT));
		if (a.has(TOE_A_PID)) {
			out.field("pid", a.u32(TOE_A_PID));
			out.field("comm", a.str(TOE_A_COMM));
		}
		out.field("acceptq", a.u32(TOE_A_ACCEPTQ_LEN));
		out.field("backlog", a.u32(TOE_A_BACKLOG));
		out.field("synq", a.u32(TOE_A_SYNQ_LEN));
		out.field("accept_reqs", a.u32(TOE_A_ACCEPT_REQS));
		out.field("acceptq_overflows", a.u64(TOE_A_ACCEPTQ_OVERFLOWS));
		out.field("child_failures", a.u64(TOE_A_CHILD_FAILURES));
		out.field("syncookies_sent", a.u64(TOE_A_SYNCOOKIES_SENT));
		if (opts.details || opts.json) {
			out.field("syncookies_ok", a.u64(TOE_A_SYNCOOKIES_OK));
			out.field("syncookies_failed", a.u64(TOE_A_SYNCOOKIES_FAILED));
			out.ref("user_ref", a.u64(TOE_A_USER_REF));
		}
		out.end_record();
	});
	return err ? report_error("listener show", nl.error()) : 0;
}

const Command commands[] = {
	{ "show", listener_show, "[port P] [pid N]",
	  "listening sockets: accept queue, backlog, SYN queue, drops and SYN cookies" },
};

} // namespace

void listener_help(FILE *to)
{
	print_help("listener", commands, to);
}

int cmd_listener(const Options &opts, Args args)
{
	return dispatch("listener", commands, opts, args);
}

} // namespace toectl
