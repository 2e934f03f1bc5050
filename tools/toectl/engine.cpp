// SPDX-License-Identifier: MIT
// `toectl engine`: attach, detach, show, stats, reset.
#include "commands.hpp"
#include "common.hpp"

#include <netlink/attr.h>

#include <climits>
#include <cstdio>
#include <optional>
#include <string>

namespace toectl {
namespace {

int engine_show(const Options &opts, Args args);
int engine_stats(const Options &opts, Args args);
int engine_attach(const Options &opts, Args args);
int engine_detach(const Options &opts, Args args);
int engine_reset(const Options &opts, Args args);

const Command commands[] = {
	{ "show", engine_show, "[dev NAME]", "list attached engines with their limits" },
	{ "attach", engine_attach, "dev NAME [cpu N] [idle-us N] [poll fixed|adaptive] [buflets N] [sockets N] [congestion cubic|newreno] [wait inline|thread] [rx-defer-us N]",
	  "attach an engine to a network device" },
	{ "detach", engine_detach, "dev NAME", "detach the engine from a device" },
	{ "stats", engine_stats, "[dev NAME]", "engines with all their counters" },
	{ "reset", engine_reset, "[dev NAME]", "reset the counters" },
};

// "dev NAME" alone, as show, stats, reset and detach take it.
std::optional<std::string> parse_dev(Args args, bool required, bool &ok)
{
	ok = true;
	if (args.empty()) {
		if (required) {
			std::fprintf(stderr, "toectl: a device is needed: 'dev NAME'\n");
			ok = false;
		}
		return std::nullopt;
	}
	if (args.size() != 2 || args[0] != "dev") {
		bad_argument("engine", args[0]);
		ok = false;
		return std::nullopt;
	}
	return std::string(args[1]);
}

// Per socket, then per engine and per application context. Text shows
// the per-socket ones; -d and JSON show them all.
void put_limits(Output &out, const Attrs &a, const Options &opts)
{
	out.field("sock_buffers_max", a.u32(TOE_A_LIMIT_SOCK_BUFFERS));
	out.field("sock_sends_max", a.u32(TOE_A_LIMIT_SOCK_SENDS));
	out.field("sock_accepts_max", a.u32(TOE_A_LIMIT_SOCK_ACCEPTS));
	if (!opts.details && !opts.json)
		return;
	out.field("sock_buflets_max", a.u32(TOE_A_LIMIT_SOCK_BUFLETS));
	out.field("backlog_max", a.u32(TOE_A_LIMIT_BACKLOG));
	out.field("syn_queue_max", a.u32(TOE_A_LIMIT_SYN_QUEUE));
	out.field("time_wait_max", a.u32(TOE_A_LIMIT_TIME_WAIT));
	out.field("app_anon_max", a.u32(TOE_A_LIMIT_ANON_BUFFERS));
	out.field("app_sq_max", a.u32(TOE_A_LIMIT_SQ_ENTRIES));
	out.field("app_cq_max", a.u32(TOE_A_LIMIT_CQ_ENTRIES));
	out.field("app_cq_overflow_max", a.u32(TOE_A_LIMIT_CQ_OVERFLOW));
}

int list(const Options &opts, Args args, bool all_counters)
{
	bool ok;
	auto dev = parse_dev(args, false, ok);
	if (!ok)
		return 2;
	Genl nl;
	if (!open_family(nl))
		return 1;
	Output out(opts);
	bool found = false;
	int err = nl.dump(TOE_CMD_ENGINE_GET, nullptr, [&](std::uint8_t, const Attrs &a) {
		if (dev && a.str(TOE_A_IFNAME) != *dev)
			return;
		found = true;
		Counters counters = read_counters(a);
		out.begin_record();
		out.field("ifname", a.str(TOE_A_IFNAME));
		out.field("ifindex", a.u32(TOE_A_IFINDEX));
		out.field("cpu", a.s32(TOE_A_CPU));
		out.field("idle_us", a.u32(TOE_A_POLL_IDLE_US));
		if (a.has(TOE_A_POLL_MODE))
			out.field("poll", a.u8(TOE_A_POLL_MODE) == TOE_POLL_ADAPTIVE ? "adaptive" : "fixed");
		out.field("buflets", a.u32(TOE_A_BUFLETS));
		out.field("sockets_max", a.u32(TOE_A_MAX_SOCKETS));
		if (a.has(TOE_A_CONGESTION))
			out.field("congestion", congestion_name(a.u8(TOE_A_CONGESTION)));
		if (a.has(TOE_A_WAIT_MODE))
			out.field("wait", a.u8(TOE_A_WAIT_MODE) == TOE_WAIT_THREAD ? "thread" : "inline");
		if (a.has(TOE_A_RX_DEFER_US))
			out.field("rx_defer_us", a.u32(TOE_A_RX_DEFER_US));
		for (const auto &[name, value] : counters)
			if (name == "buflets_free" || name == "sockets" || name == "owners")
				out.field(name, value);
		put_limits(out, a, opts);
		if (all_counters || opts.details)
			out.counters("counters", counters);
		out.end_record();
	});
	if (err)
		return report_error("engine show", nl.error());
	if (dev && !found) {
		std::fprintf(stderr, "toectl: no engine is attached to '%s'; attach one with 'toectl engine attach dev %s'.\n",
			     dev->c_str(), dev->c_str());
		return 1;
	}
	return 0;
}

int engine_show(const Options &opts, Args args)
{
	return list(opts, args, false);
}

int engine_stats(const Options &opts, Args args)
{
	return list(opts, args, true);
}

constexpr Choice congestion_choices[] = {
	{"cubic", TOE_CC_CUBIC}, {"newreno", TOE_CC_NEWRENO}, {"reno", TOE_CC_NEWRENO}};
constexpr Choice poll_choices[] = {{"fixed", TOE_POLL_FIXED}, {"adaptive", TOE_POLL_ADAPTIVE}};
constexpr Choice wait_choices[] = {{"inline", TOE_WAIT_INLINE}, {"thread", TOE_WAIT_THREAD}};

int engine_attach(const Options &, Args args)
{
	std::optional<std::string> dev;
	std::optional<std::uint64_t> cpu, idle, buflets, sockets, rx_defer;
	std::optional<std::uint8_t> congestion, wait_mode, poll_mode;
	for (std::size_t i = 0; i < args.size(); i += 2) {
		if (i + 1 >= args.size())
			return bad_argument("engine", args[i]);
		std::string_view key = args[i], value = args[i + 1];
		if (key == "dev")
			dev = std::string(value);
		else if (key == "cpu" && !(cpu = parse_number(value, "cpu", INT_MAX)))
			return 2;
		else if (key == "idle-us" &&
			 !(idle = parse_number(value, "idle time (us)", 1000000)))
			return 2;
		else if (key == "rx-defer-us" &&
			 !(rx_defer = parse_number(value, "rx defer time (us)", TOE_RX_DEFER_MAX_US)))
			return 2;
		else if (key == "buflets" &&
			 !(buflets = parse_number(value, "buflet count", UINT32_MAX)))
			return 2;
		else if (key == "sockets" &&
			 !(sockets = parse_number(value, "socket count", UINT32_MAX)))
			return 2;
		else if (key == "congestion" &&
			 !(congestion = parse_choice(value, "congestion control", congestion_choices)))
			return 2;
		else if (key == "poll" && !(poll_mode = parse_choice(value, "poll mode", poll_choices)))
			return 2;
		else if (key == "wait" && !(wait_mode = parse_choice(value, "wait mode", wait_choices)))
			return 2;
		else if (key != "dev" && key != "cpu" && key != "idle-us" && key != "buflets" &&
			 key != "sockets" && key != "rx-defer-us" && key != "congestion" &&
			 key != "poll" && key != "wait")
			return bad_argument("engine", key);
	}
	if (!dev) {
		std::fprintf(stderr, "toectl: a device is needed: 'toectl engine attach dev NAME'\n");
		return 2;
	}
	Genl nl;
	if (!open_family(nl))
		return 1;
	int err = nl.request(TOE_CMD_ENGINE_ATTACH, [&](nl_msg *m) {
		nla_put_string(m, TOE_A_IFNAME, dev->c_str());
		if (cpu)
			nla_put_u32(m, TOE_A_CPU, std::uint32_t(*cpu));
		if (idle)
			nla_put_u32(m, TOE_A_POLL_IDLE_US, std::uint32_t(*idle));
		if (buflets)
			nla_put_u32(m, TOE_A_BUFLETS, std::uint32_t(*buflets));
		if (sockets)
			nla_put_u32(m, TOE_A_MAX_SOCKETS, std::uint32_t(*sockets));
		if (congestion)
			nla_put_u8(m, TOE_A_CONGESTION, *congestion);
		if (wait_mode)
			nla_put_u8(m, TOE_A_WAIT_MODE, *wait_mode);
		if (rx_defer)
			nla_put_u32(m, TOE_A_RX_DEFER_US, std::uint32_t(*rx_defer));
		if (poll_mode)
			nla_put_u8(m, TOE_A_POLL_MODE, *poll_mode);
	});
	if (err) {
		std::string what = "attach " + *dev;
		return report_error(what.c_str(), nl.error());
	}
	return 0;
}

int engine_detach(const Options &, Args args)
{
	bool ok;
	auto dev = parse_dev(args, true, ok);
	if (!ok)
		return 2;
	Genl nl;
	if (!open_family(nl))
		return 1;
	int err = nl.request(TOE_CMD_ENGINE_DETACH, [&](nl_msg *m) {
		nla_put_string(m, TOE_A_IFNAME, dev->c_str());
	});
	if (err) {
		std::string what = "detach " + *dev;
		return report_error(what.c_str(), nl.error());
	}
	return 0;
}

int engine_reset(const Options &, Args args)
{
	bool ok;
	auto dev = parse_dev(args, false, ok);
	if (!ok)
		return 2;
	Genl nl;
	if (!open_family(nl))
		return 1;
	int err = nl.request(TOE_CMD_COUNTERS_RESET, [&](nl_msg *m) {
		if (dev)
			nla_put_string(m, TOE_A_IFNAME, dev->c_str());
	});
	return err ? report_error("reset counters", nl.error()) : 0;
}

} // namespace

void engine_help(FILE *to)
{
	print_help("engine", commands, to);
}

int cmd_engine(const Options &opts, Args args)
{
	return dispatch("engine", commands, opts, args);
}

} // namespace toectl
