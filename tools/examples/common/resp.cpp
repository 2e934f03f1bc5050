// SPDX-License-Identifier: MIT
#include "common/resp.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace toe::example::resp {

namespace {

// Longest inline command and bulk string we take: a peer that sends more
// without a line end is broken or hostile, not a client.
constexpr size_t kMaxInline = 64 * 1024;
constexpr long long kMaxBulk = 512ll * 1024 * 1024;
constexpr long long kMaxArgs = 1024 * 1024;

bool same(std::string_view a, std::string_view b)
{
	return a.size() == b.size() &&
	       std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
		       return std::toupper(static_cast<unsigned char>(x)) ==
			      std::toupper(static_cast<unsigned char>(y));
	       });
}

// The number on a "*N\r\n" or "$N\r\n" line that starts at pos; false
// with end unchanged when the line is not all there yet.
enum class Line { ok, incomplete, bad };
Line number_line(std::string_view in, size_t pos, long long &n, size_t &end)
{
	size_t lf = in.find('\n', pos);
	if (lf == std::string_view::npos)
		return in.size() - pos > 32 ? Line::bad : Line::incomplete;
	if (lf == pos || in[lf - 1] != '\r')
		return Line::bad;
	const char *first = in.data() + pos, *last = in.data() + lf - 1;
	auto [ptr, ec] = std::from_chars(first, last, n);
	if (ec != std::errc() || ptr != last)
		return Line::bad;
	end = lf + 1;
	return Line::ok;
}

bool parse_integer(std::string_view s, long long &n)
{
	auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
	return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

void wrong_args(std::string &out, std::string_view name)
{
	std::string lower(name);
	std::transform(lower.begin(), lower.end(), lower.begin(),
		       [](unsigned char c) { return char(std::tolower(c)); });
	error(out, "ERR wrong number of arguments for '" + lower + "' command");
}

} // namespace

void simple(std::string &out, std::string_view text)
{
	out += '+';
	out += text;
	out += "\r\n";
}

void error(std::string &out, std::string_view text)
{
	out += '-';
	out += text;
	out += "\r\n";
}

void integer(std::string &out, long long n)
{
	out += ':';
	out += std::to_string(n);
	out += "\r\n";
}

void bulk(std::string &out, std::string_view data)
{
	out += '$';
	out += std::to_string(data.size());
	out += "\r\n";
	out += data;
	out += "\r\n";
}

void null_bulk(std::string &out) { out += "$-1\r\n"; }

void array_header(std::string &out, size_t n)
{
	out += '*';
	out += std::to_string(n);
	out += "\r\n";
}

Parser::Status Parser::fail(std::string why)
{
	error_ = std::move(why);
	return Status::error;
}

Parser::Status Parser::next(std::string_view in, std::vector<std::string_view> &argv)
{
	argv.clear();
	consumed_ = 0;
	if (in.empty())
		return Status::incomplete;
	if (in[0] != '*') {
		// Inline: words separated by spaces, up to a line end.
		size_t lf = in.find('\n');
		if (lf == std::string_view::npos)
			return in.size() > kMaxInline ? fail("ERR Protocol error: too big inline request")
						      : Status::incomplete;
		std::string_view line = in.substr(0, lf);
		if (!line.empty() && line.back() == '\r')
			line.remove_suffix(1);
		size_t pos = 0;
		while (pos < line.size()) {
			while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t'))
				pos++;
			size_t end = pos;
			while (end < line.size() && line[end] != ' ' && line[end] != '\t')
				end++;
			if (end > pos)
				argv.push_back(line.substr(pos, end - pos));
			pos = end;
		}
		consumed_ = lf + 1;
		return Status::command;
	}
	long long count = 0;
	size_t pos = 0;
	switch (number_line(in, 1, count, pos)) {
	case Line::incomplete: return Status::incomplete;
	case Line::bad: return fail("ERR Protocol error: invalid multibulk length");
	case Line::ok: break;
	}
	if (count > kMaxArgs)
		return fail("ERR Protocol error: invalid multibulk length");
	for (long long i = 0; i < count; i++) {
		if (pos >= in.size())
			return Status::incomplete;
		if (in[pos] != '$')
			return fail("ERR Protocol error: expected '$', got '" + std::string(1, in[pos]) + "'");
		long long len = 0;
		switch (number_line(in, pos + 1, len, pos)) {
		case Line::incomplete: return Status::incomplete;
		case Line::bad: return fail("ERR Protocol error: invalid bulk length");
		case Line::ok: break;
		}
		if (len < 0 || len > kMaxBulk)
			return fail("ERR Protocol error: invalid bulk length");
		if (in.size() - pos < size_t(len) + 2)
			return Status::incomplete;
		if (in[pos + size_t(len)] != '\r' || in[pos + size_t(len) + 1] != '\n')
			return fail("ERR Protocol error: bulk string without its line end");
		argv.push_back(in.substr(pos, size_t(len)));
		pos += size_t(len) + 2;
	}
	consumed_ = pos;
	return Status::command;
}

bool Store::execute(const std::vector<std::string_view> &argv, std::string &reply)
{
	if (argv.empty())
		return true; // an empty line: Redis ignores it too
	std::string_view name = argv[0];
	size_t args = argv.size() - 1;
	if (same(name, "PING")) {
		if (args == 0)
			simple(reply, "PONG");
		else if (args == 1)
			bulk(reply, argv[1]);
		else
			wrong_args(reply, name);
	} else if (same(name, "ECHO")) {
		if (args == 1)
			bulk(reply, argv[1]);
		else
			wrong_args(reply, name);
	} else if (same(name, "SET")) {
		// SET key value, without options: the benchmark's and the test's.
		if (args == 2) {
			keys_.insert_or_assign(std::string(argv[1]), std::string(argv[2]));
			simple(reply, "OK");
		} else if (args > 2) {
			error(reply, "ERR syntax error");
		} else {
			wrong_args(reply, name);
		}
	} else if (same(name, "GET")) {
		if (args != 1)
			return wrong_args(reply, name), true;
		auto it = keys_.find(std::string(argv[1]));
		if (it == keys_.end())
			null_bulk(reply);
		else
			bulk(reply, it->second);
	} else if (same(name, "DEL") || same(name, "EXISTS")) {
		if (!args)
			return wrong_args(reply, name), true;
		long long n = 0;
		for (size_t i = 1; i < argv.size(); i++)
			n += same(name, "DEL") ? static_cast<long long>(keys_.erase(std::string(argv[i])))
					       : static_cast<long long>(keys_.count(std::string(argv[i])));
		integer(reply, n);
	} else if (same(name, "INCR")) {
		if (args != 1)
			return wrong_args(reply, name), true;
		std::string &value = keys_[std::string(argv[1])];
		long long n = 0;
		if (!value.empty() && !parse_integer(value, n))
			return error(reply, "ERR value is not an integer or out of range"), true;
		value = std::to_string(++n);
		integer(reply, n);
	} else if (same(name, "DBSIZE")) {
		integer(reply, (long long)keys_.size());
	} else if (same(name, "FLUSHALL") || same(name, "FLUSHDB")) {
		keys_.clear();
		simple(reply, "OK");
	} else if (same(name, "CONFIG")) {
		// redis-benchmark asks for "save" and "appendonly" before it
		// starts; this server neither saves nor keeps a log.
		if (args == 2 && same(argv[1], "GET")) {
			if (same(argv[2], "save")) {
				array_header(reply, 2);
				bulk(reply, "save");
				bulk(reply, "");
			} else if (same(argv[2], "appendonly")) {
				array_header(reply, 2);
				bulk(reply, "appendonly");
				bulk(reply, "no");
			} else {
				array_header(reply, 0);
			}
		} else {
			error(reply, "ERR CONFIG takes only GET parameter here");
		}
	} else if (same(name, "COMMAND")) {
		array_header(reply, 0); // no command table: clients do without
	} else if (same(name, "QUIT")) {
		simple(reply, "OK");
		return false;
	} else {
		std::string text = "ERR unknown command '";
		text += name.substr(0, 128);
		text += "'";
		error(reply, text);
	}
	return true;
}

} // namespace toe::example::resp
