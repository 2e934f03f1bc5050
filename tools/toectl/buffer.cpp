// SPDX-License-Identifier: MIT
// `toectl buffer show`: named buffers posted and not yet returned.
#include "commands.hpp"
#include "common.hpp"

#include <netlink/attr.h>

#include <cstdio>

namespace toectl {
namespace {

int buffer_show(const Options &opts, Args args)
{
	std::optional<std::uint64_t> handle;
	for (std::size_t i = 0; i < args.size(); i += 2) {
		if (args[i] != "socket" || i + 1 >= args.size())
			return bad_argument("buffer", args[i]);
		if (!(handle = parse_number(args[i + 1], "socket handle", UINT32_MAX)))
			return 2;
	}
	Genl nl;
	if (!open_family(nl))
		return 1;
	Output out(opts);
	auto fill = [&](nl_msg *m) {
		if (handle)
			nla_put_u32(m, TOE_A_SOCK_HANDLE, std::uint32_t(*handle));
	};
	int err = nl.dump(TOE_CMD_BUFFER_GET, fill, [&](std::uint8_t, const Attrs &a) {
		out.begin_record();
		out.field("dev", a.str(TOE_A_IFNAME));
		out.field("socket", a.u32(TOE_A_SOCK_HANDLE));
		out.field("app", a.u32(TOE_A_APP_ID));
		out.ref("ref", a.u64(TOE_A_USER_REF));
		out.field("offset", a.u64(TOE_A_BUF_OFFSET));
		out.field("length", a.u32(TOE_A_BUF_LENGTH));
		out.field("threshold", a.u32(TOE_A_BUF_THRESHOLD));
		out.field("bytes", a.u32(TOE_A_BUF_BYTES));
		out.field("timeout_ms", a.u32(TOE_A_BUF_TIMEOUT_MS));
		out.field("age_us", a.u64(TOE_A_BUF_AGE_US));
		out.end_record();
	});
	return err ? report_error("buffer show", nl.error()) : 0;
}

const Command commands[] = {
	{ "show", buffer_show, "[socket HANDLE]",
	  "named buffers posted and not yet returned" },
};

} // namespace

void buffer_help(FILE *to)
{
	print_help("buffer", commands, to);
}

int cmd_buffer(const Options &opts, Args args)
{
	return dispatch("buffer", commands, opts, args);
}

} // namespace toectl
