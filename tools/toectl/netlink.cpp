// SPDX-License-Identifier: MIT
#include "netlink.hpp"

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <linux/netlink.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace toectl {

Attrs::Attrs(nlattr *head, int len)
{
	nla_parse(table_.data(), TOE_A_MAX, head, len, nullptr);
}

std::uint64_t Attrs::u64(int type) const
{
	return has(type) ? nla_get_u64(table_[type]) : 0;
}

std::uint32_t Attrs::u32(int type) const
{
	return has(type) ? nla_get_u32(table_[type]) : 0;
}

std::int32_t Attrs::s32(int type) const
{
	return has(type) ? std::int32_t(nla_get_u32(table_[type])) : 0;
}

std::uint16_t Attrs::u16(int type) const
{
	return has(type) ? nla_get_u16(table_[type]) : 0;
}

std::uint8_t Attrs::u8(int type) const
{
	return has(type) ? nla_get_u8(table_[type]) : 0;
}

std::string Attrs::str(int type) const
{
	return has(type) ? nla_get_string(table_[type]) : "";
}

std::string Attrs::ipv4(int type) const
{
	std::uint32_t addr = u32(type);
	char buf[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &addr, buf, sizeof(buf));
	return buf;
}

std::string Attrs::endpoint(int addr_type, int port_type) const
{
	return ipv4(addr_type) + ":" + std::to_string(u16(port_type));
}

namespace {

struct Exchange {
	const Genl::OnMessage *on_message;
	NlError *error;
};

int on_valid(nl_msg *msg, void *arg)
{
	auto *ex = static_cast<Exchange *>(arg);
	auto *gnlh = static_cast<genlmsghdr *>(nlmsg_data(nlmsg_hdr(msg)));
	if (ex->on_message) {
		Attrs attrs(genlmsg_attrdata(gnlh, 0), genlmsg_attrlen(gnlh, 0));
		(*ex->on_message)(gnlh->cmd, attrs);
	}
	return NL_OK;
}

// The kernel's error, and its extended-ack message when it sent one.
int on_error(sockaddr_nl *, nlmsgerr *err, void *arg)
{
	auto *ex = static_cast<Exchange *>(arg);
	ex->error->err = err->error;
	auto *nlh = reinterpret_cast<nlmsghdr *>(reinterpret_cast<char *>(err) -
						  NLMSG_HDRLEN);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	std::size_t off = NLMSG_HDRLEN + sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - NLMSG_HDRLEN;
	if (off >= nlh->nlmsg_len)
		return NL_STOP;
	nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	nla_parse(tb, NLMSGERR_ATTR_MAX,
		  reinterpret_cast<nlattr *>(reinterpret_cast<char *>(nlh) + off),
		  int(nlh->nlmsg_len - off), nullptr);
	if (tb[NLMSGERR_ATTR_MSG])
		ex->error->message = nla_get_string(tb[NLMSGERR_ATTR_MSG]);
	return NL_STOP;
}

int on_ack(nl_msg *, void *)
{
	return NL_STOP;
}

int on_seq_check(nl_msg *, void *)
{
	return NL_OK;
}

} // namespace

Genl::Genl() = default;

Genl::~Genl()
{
	if (sock_)
		nl_socket_free(sock_);
}

int Genl::open()
{
	sock_ = nl_socket_alloc();
	if (!sock_)
		return -ENOMEM;
	if (genl_connect(sock_) < 0)
		return -errno ? -errno : -EIO;
	int one = 1;
	setsockopt(nl_socket_get_fd(sock_), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	family_ = genl_ctrl_resolve(sock_, TOE_GENL_NAME);
	if (family_ < 0) {
		error_ = { -ENOENT, "" };
		return -ENOENT;
	}
	return 0;
}

int Genl::exchange(nl_msg *msg, const OnMessage *on_message)
{
	error_ = {};
	Exchange ex{ on_message, &error_ };
	nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &ex);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &ex);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &ex);
	int err = nl_send_auto(sock_, msg);
	nlmsg_free(msg);
	if (err < 0) {
		nl_cb_put(cb);
		error_.err = -EIO;
		return error_.err;
	}
	err = nl_recvmsgs(sock_, cb);
	nl_cb_put(cb);
	if (error_.err)
		return error_.err;
	if (err < 0) {
		error_.err = -EIO;
		error_.message = nl_geterror(err);
	}
	return error_.err;
}

int Genl::request(std::uint8_t cmd, const Fill &fill)
{
	nl_msg *msg = nlmsg_alloc();
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family_, 0, NLM_F_ACK, cmd,
		    TOE_GENL_VERSION);
	if (fill)
		fill(msg);
	return exchange(msg, nullptr);
}

int Genl::dump(std::uint8_t cmd, const Fill &fill, const OnMessage &on_message)
{
	nl_msg *msg = nlmsg_alloc();
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family_, 0, NLM_F_DUMP, cmd,
		    TOE_GENL_VERSION);
	if (fill)
		fill(msg);
	int err = exchange(msg, &on_message);
	return err == NLE_SUCCESS ? 0 : err;
}

int Genl::join(const char *group_name)
{
	int group = genl_ctrl_resolve_grp(sock_, TOE_GENL_NAME, group_name);
	if (group < 0) {
		error_ = { -ENOENT, std::string("no group '") + group_name + "'" };
		return -ENOENT;
	}
	int err = nl_socket_add_membership(sock_, group);
	if (err < 0) {
		int e = err == -NLE_PERM ? -EPERM : -EIO;
		error_ = { e, std::string("cannot join the ") + group_name + " group" };
		return e;
	}
	return 0;
}

int Genl::monitor(const OnMessage &on_message)
{
	Exchange ex{ &on_message, &error_ };
	nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq_check, nullptr);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &ex);
	for (;;) {
		int err = nl_recvmsgs(sock_, cb);
		if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN) {
			nl_cb_put(cb);
			error_ = { -EIO, nl_geterror(err) };
			return -EIO;
		}
	}
}

int report_error(const char *what, const NlError &e)
{
	const std::string detail = e.message.empty() ? "" : " (" + e.message + ")";
	switch (-e.err) {
	case ENOENT:
		if (e.message.empty()) {
			std::fprintf(stderr, "toectl: the toe module is not loaded; "
					     "run 'modprobe toe'.\n");
			return 1;
		}
		break;
	case EPERM:
	case EACCES:
		std::fprintf(stderr, "toectl: %s: permission denied; this needs "
				     "CAP_NET_ADMIN: run it as root.\n", what);
		return 1;
	case ENODEV:
		std::fprintf(stderr, "toectl: %s: no such device; check the name "
				     "with 'ip link'.\n", what);
		return 1;
	}
	std::fprintf(stderr, "toectl: %s: %s%s\n", what,
		     std::generic_category().message(-e.err).c_str(),
		     detail.c_str());
	return 1;
}

} // namespace toectl
