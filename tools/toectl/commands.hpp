// SPDX-License-Identifier: MIT
// Each object of the grammar (`toectl OBJECT COMMAND ARGS`) lives in its
// own file and exposes one entry point here.
#pragma once

#include "output.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace toectl {

using Args = std::span<const std::string_view>;

// One row of an object's command table; the first row is the default.
struct Command {
	std::string_view name;
	int (*run)(const Options &opts, Args args);
	std::string_view usage; // the arguments, for help
	std::string_view summary;
};

// Runs the command args[0] names (the first row when args is empty), or
// prints the object's help for "help".
int dispatch(std::string_view object, std::span<const Command> table,
	     const Options &opts, Args args);
void print_help(std::string_view object, std::span<const Command> table,
		FILE *to);

// Parses a decimal number for a named argument; prints the error itself.
std::optional<std::uint64_t> parse_number(std::string_view arg,
					  std::string_view what,
					  std::uint64_t max);
// One of a named argument's keywords and the number it stands for.
struct Choice {
	std::string_view word;
	std::uint8_t value;
};
// Parses a keyword for a named argument ("wait mode", say); prints the error,
// which lists the words, itself.
std::optional<std::uint8_t> parse_choice(std::string_view arg, std::string_view what,
					 std::span<const Choice> choices);
// Reports an unknown or incomplete argument; returns the exit status 2.
int bad_argument(std::string_view object, std::string_view arg);

// TCP states in RFC 9293 order, as TOE_A_SOCK_STATE numbers them.
inline constexpr unsigned TOE_TCP_STATES = 11;
std::string_view tcp_state_name(unsigned state);
// enum toe_cc (TOE_A_CONGESTION) as `engine attach ... congestion` spells it.
std::string_view congestion_name(unsigned cc);

int cmd_version(const Options &opts, Args args);
int cmd_engine(const Options &opts, Args args);
int cmd_app(const Options &opts, Args args);
int cmd_socket(const Options &opts, Args args);
int cmd_buffer(const Options &opts, Args args);
int cmd_listener(const Options &opts, Args args);
int cmd_monitor(const Options &opts, Args args);

void engine_help(FILE *to);
void app_help(FILE *to);
void socket_help(FILE *to);
void buffer_help(FILE *to);
void listener_help(FILE *to);

} // namespace toectl
