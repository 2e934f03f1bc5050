// SPDX-License-Identifier: MIT
// `toectl app show`: application contexts bound to engines.
#include "commands.hpp"
#include "common.hpp"

#include <cstdio>

namespace toectl {
namespace {

int app_show(const Options &opts, Args args)
{
	std::optional<std::uint64_t> pid;
	for (std::size_t i = 0; i < args.size(); i += 2) {
		if (args[i] != "pid" || i + 1 >= args.size())
			return bad_argument("app", args[i]);
		if (!(pid = parse_number(args[i + 1], "pid", UINT32_MAX)))
			return 2;
	}
	Genl nl;
	if (!open_family(nl))
		return 1;
	Output out(opts);
	int err = nl.dump(TOE_CMD_APP_GET, nullptr, [&](std::uint8_t, const Attrs &a) {
		if (pid && a.u32(TOE_A_PID) != *pid)
			return;
		out.begin_record();
		out.field("id", a.u32(TOE_A_APP_ID));
		out.field("pid", a.u32(TOE_A_PID));
		out.field("comm", a.str(TOE_A_COMM));
		out.field("uid", a.u32(TOE_A_UID));
		out.field("dev", a.str(TOE_A_IFNAME));
		out.field("sockets", a.u32(TOE_A_APP_SOCKETS));
		out.field("buffers_posted", a.u32(TOE_A_APP_BUFFERS_POSTED));
		out.field("sends_pending", a.u32(TOE_A_APP_SENDS_PENDING));
		out.field("sq", a.u32(TOE_A_SQ_ENTRIES));
		out.field("sq_pending", a.u32(TOE_A_SQ_PENDING));
		out.field("cq", a.u32(TOE_A_CQ_ENTRIES));
		out.field("cq_pending", a.u32(TOE_A_CQ_PENDING));
		out.field("cq_overflow", a.u32(TOE_A_CQ_OVERFLOW));
		out.field("anon_count", a.u32(TOE_A_ANON_COUNT));
		out.field("anon_size", a.u32(TOE_A_ANON_SIZE));
		out.field("regions", a.u32(TOE_A_MEM_REGIONS));
		out.field("registered_bytes", a.u64(TOE_A_MEM_REGISTERED));
		out.field("pinned_pages", a.u64(TOE_A_PINNED_PAGES));
		if (opts.details)
			out.counters("counters", read_counters(a));
		out.end_record();
	});
	return err ? report_error("app show", nl.error()) : 0;
}

const Command commands[] = {
	{ "show", app_show, "[pid N]",
	  "application contexts: process, sockets, buffers and sends, ring fill, registered memory" },
};

} // namespace

void app_help(FILE *to)
{
	print_help("app", commands, to);
}

int cmd_app(const Options &opts, Args args)
{
	return dispatch("app", commands, opts, args);
}

} // namespace toectl
