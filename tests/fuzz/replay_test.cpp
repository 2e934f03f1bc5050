// Runs every committed fuzz input (the seed corpus and the reproducers of
// bugs the fuzzer found) through the fuzz target in the ordinary build, so
// a fixed bug stays fixed without a fuzzing toolchain.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_engine.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<std::string> committed_inputs()
{
	std::vector<std::string> files;
	for (const char *dir : {TOE_FUZZ_CORPUS_DIR, TOE_FUZZ_REGRESSIONS_DIR}) {
		if (!fs::is_directory(dir))
			continue;
		for (const auto &entry : fs::directory_iterator(dir))
			if (entry.is_regular_file() &&
			    entry.path().filename().string()[0] != '.' &&
			    entry.path().extension() != ".md")
				files.push_back(entry.path().string());
	}
	std::sort(files.begin(), files.end());
	return files;
}

class FuzzReplay : public ::testing::TestWithParam<std::string> {};

TEST_P(FuzzReplay, EngineKeepsItsContract)
{
	std::ifstream in(GetParam(), std::ios::binary);
	ASSERT_TRUE(in) << GetParam();
	std::vector<std::uint8_t> data{std::istreambuf_iterator<char>(in), {}};
	// A violation aborts the process, naming what broke.
	toe::fuzz::run_one_input(data);
}

INSTANTIATE_TEST_SUITE_P(
	Committed, FuzzReplay, ::testing::ValuesIn(committed_inputs()),
	[](const auto &param_info) {
		std::string name = fs::path(param_info.param).parent_path().filename().string() +
				   "_" + fs::path(param_info.param).stem().string();
		for (char &c : name)
			if (!std::isalnum(static_cast<unsigned char>(c)))
				c = '_';
		return name;
	});
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FuzzReplay);

} // namespace
