// SPDX-License-Identifier: MIT
// `toectl monitor`: engine attach/detach, context open/close, and the
// engine's connection events (connected, accepted, peer closed, error,
// closed), which need CAP_NET_ADMIN.
//
// The monitor itself opens no application context: it only reads
// generic netlink, so it never reports itself.
#include "commands.hpp"
#include "common.hpp"

#include <cstdio>
#include <cstring>
#include <string>

namespace toectl {
namespace {

std::string_view sock_event_name(unsigned kind)
{
	switch (kind) {
	case TOE_SOCK_EV_CONNECTED:
		return "connected";
	case TOE_SOCK_EV_ACCEPTED:
		return "accepted";
	case TOE_SOCK_EV_PEER_CLOSED:
		return "peer-closed";
	case TOE_SOCK_EV_ERROR:
		return "error";
	case TOE_SOCK_EV_CLOSED:
		return "closed";
	}
	return "unknown";
}

void put_sock_event(Output &out, const Attrs &a)
{
	std::int32_t status = a.s32(TOE_A_SOCK_STATUS);
	std::string name(sock_event_name(a.u8(TOE_A_SOCK_EVENT)));
	// A connect that failed is not a connection.
	if (a.u8(TOE_A_SOCK_EVENT) == TOE_SOCK_EV_CONNECTED && status)
		name = "connect-failed";
	else if (a.u8(TOE_A_SOCK_EVENT) == TOE_SOCK_EV_ACCEPTED && status)
		name = "accept-failed"; // a request ended with its listener
	else if (a.u8(TOE_A_SOCK_EVENT) == TOE_SOCK_EV_ERROR &&
		 status == -ECONNRESET)
		name = "reset";
	out.field("event", name);
	out.field("dev", a.str(TOE_A_IFNAME));
	out.field("handle", a.u32(TOE_A_SOCK_HANDLE));
	if (a.has(TOE_A_APP_ID)) {
		out.field("app", a.u32(TOE_A_APP_ID));
		out.field("pid", a.u32(TOE_A_PID));
		out.field("comm", a.str(TOE_A_COMM));
	}
	if (a.has(TOE_A_REMOTE_ADDR)) {
		out.field("state", tcp_state_name(a.u8(TOE_A_SOCK_STATE)));
		out.field("local", a.endpoint(TOE_A_LOCAL_ADDR, TOE_A_LOCAL_PORT));
		out.field("remote", a.endpoint(TOE_A_REMOTE_ADDR, TOE_A_REMOTE_PORT));
	} else if (a.u16(TOE_A_LOCAL_PORT)) { // 0: it shared a listener's
		out.field("local_port", a.u16(TOE_A_LOCAL_PORT));
	}
	if (status) {
		out.field("status", status);
		out.field("error", std::strerror(-status));
	}
}

} // namespace

int cmd_monitor(const Options &opts, Args args)
{
	if (!args.empty()) {
		if (args[0] == "help") {
			std::printf("Usage: toectl [-j] monitor\n"
				    "    print engine attach/detach, application open/close and\n"
				    "    connection events (the last need CAP_NET_ADMIN)\n");
			return 0;
		}
		return bad_argument("monitor", args[0]);
	}
	Genl nl;
	if (!open_family(nl))
		return 1;
	if (nl.join(TOE_GENL_MCGRP_EVENTS))
		return report_error("monitor", nl.error());
	int joined = nl.join(TOE_GENL_MCGRP_SOCKETS);
	if (joined == -EPERM)
		std::fprintf(stderr, "toectl: monitor: connection events need CAP_NET_ADMIN; showing engine and application events only\n");
	else if (joined)
		return report_error("monitor", nl.error());
	Output out(opts, true);
	int err = nl.monitor([&](std::uint8_t cmd, const Attrs &a) {
		out.begin_record();
		switch (cmd) {
		case TOE_CMD_ENGINE_ATTACHED:
		case TOE_CMD_ENGINE_DETACHED:
			out.field("event", cmd == TOE_CMD_ENGINE_ATTACHED ?
						   "engine-attached" : "engine-detached");
			out.field("dev", a.str(TOE_A_IFNAME));
			out.field("ifindex", a.u32(TOE_A_IFINDEX));
			break;
		case TOE_CMD_APP_OPENED:
		case TOE_CMD_APP_CLOSED:
			out.field("event", cmd == TOE_CMD_APP_OPENED ? "app-opened" :
								       "app-closed");
			out.field("id", a.u32(TOE_A_APP_ID));
			out.field("pid", a.u32(TOE_A_PID));
			out.field("comm", a.str(TOE_A_COMM));
			break;
		case TOE_CMD_SOCK_EVENT:
			put_sock_event(out, a);
			break;
		default:
			out.field("event", "unknown");
			out.field("cmd", std::uint32_t(cmd));
		}
		out.end_record();
	});
	return err ? report_error("monitor", nl.error()) : 0;
}

} // namespace toectl
