// SPDX-License-Identifier: MIT
#include "common.hpp"

namespace toectl {

bool open_family(Genl &nl)
{
	if (nl.open() == 0)
		return true;
	report_error("netlink", nl.error());
	return false;
}

Counters read_counters(const Attrs &attrs)
{
	Counters out;
	nlattr *nest = attrs.raw(TOE_A_COUNTERS);
	if (!nest)
		return out;
	nlattr *entry;
	int rem;
	nla_for_each_nested(entry, nest, rem) {
		Attrs c(static_cast<nlattr *>(nla_data(entry)), nla_len(entry));
		out.emplace_back(c.str(TOE_A_COUNTER_NAME), c.u64(TOE_A_COUNTER_VALUE));
	}
	return out;
}

} // namespace toectl
