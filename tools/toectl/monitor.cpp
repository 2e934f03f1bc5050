// SPDX-License-Identifier: MIT
// `toectl monitor`: engine attach/detach and context open/close events.
#include "commands.hpp"
#include "common.hpp"

#include <cstdio>

namespace toectl {

int cmd_monitor(const Options &opts, Args args)
{
	if (!args.empty()) {
		if (args[0] == "help") {
			std::printf("Usage: toectl [-j] monitor\n"
				    "    print engine attach/detach and application open/close events\n");
			return 0;
		}
		return bad_argument("monitor", args[0]);
	}
	Genl nl;
	if (!open_family(nl))
		return 1;
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
		default:
			out.field("event", "unknown");
			out.field("cmd", std::uint32_t(cmd));
		}
		out.end_record();
	});
	return err ? report_error("monitor", nl.error()) : 0;
}

} // namespace toectl
