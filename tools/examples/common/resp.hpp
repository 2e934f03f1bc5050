// SPDX-License-Identifier: MIT
// The Redis serialization protocol (RESP2) as redis-cli and redis-benchmark
// speak it, and a small in-memory key space behind it: enough for PING,
// ECHO, SET, GET, DEL, EXISTS, INCR, DBSIZE, FLUSHALL, COMMAND, QUIT and the
// CONFIG GET redis-benchmark asks at start-up. It knows nothing of the
// network: toe-resp feeds it the bytes a connection received and sends the
// replies it appends.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace toe::example::resp {

class Store {
public:
	// Runs one command (its name and arguments) and appends the reply.
	// Returns false when the client asked to close (QUIT), after the reply.
	bool execute(const std::vector<std::string_view> &argv, std::string &reply);

private:
	std::unordered_map<std::string, std::string> keys_;
};

// Parses the commands in a connection's input: arrays of bulk strings
// ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline commands ("PING\r\n").
class Parser {
public:
	enum class Status {
		command, // argv holds one command; consumed() bytes are used
		incomplete, // more bytes needed
		error, // the input breaks the protocol: reply and close
	};

	// Looks for one command at the start of in. The views in argv point
	// into in and last until it changes.
	Status next(std::string_view in, std::vector<std::string_view> &argv);
	size_t consumed() const { return consumed_; }
	const std::string &error() const { return error_; }

private:
	Status fail(std::string why);

	size_t consumed_ = 0;
	std::string error_;
};

// Reply encodings.
void simple(std::string &out, std::string_view text); // +text
void error(std::string &out, std::string_view text); // -text
void integer(std::string &out, long long n); // :n
void bulk(std::string &out, std::string_view data); // $len data
void null_bulk(std::string &out); // $-1
void array_header(std::string &out, size_t n); // *n

} // namespace toe::example::resp
