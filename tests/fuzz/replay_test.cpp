// Runs every committed fuzz input (the seed corpora and the reproducers of
// bugs the fuzzer found) through the fuzz targets in the ordinary build, so
// a fixed bug stays fixed without a fuzzing toolchain.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_engine.hpp"
#include "sack_target.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<std::string> committed_inputs(std::initializer_list<const char *> dirs)
{
	std::vector<std::string> files;
	for (const char *dir : dirs) {
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

// The SACK target's inputs (sack_target.hpp).
class SackFuzzReplay : public ::testing::TestWithParam<std::string> {};

TEST_P(SackFuzzReplay, SenderKeepsItsScoreboardBounded)
{
	std::ifstream in(GetParam(), std::ios::binary);
	ASSERT_TRUE(in) << GetParam();
	std::vector<std::uint8_t> data{std::istreambuf_iterator<char>(in), {}};
	toe::fuzz::run_one_sack_input(data);
	EXPECT_LE(toe::fuzz::sack_fuzz_stats().worst_work,
		  toe::fuzz::sack_work_bound);
}

std::string test_name(const ::testing::TestParamInfo<std::string> &param_info)
{
	std::string name = fs::path(param_info.param).parent_path().filename().string() +
			   "_" + fs::path(param_info.param).stem().string();
	for (char &c : name)
		if (!std::isalnum(static_cast<unsigned char>(c)))
			c = '_';
	return name;
}

INSTANTIATE_TEST_SUITE_P(Committed, FuzzReplay,
			 ::testing::ValuesIn(committed_inputs(
				 {TOE_FUZZ_CORPUS_DIR, TOE_FUZZ_REGRESSIONS_DIR})),
			 test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FuzzReplay);

INSTANTIATE_TEST_SUITE_P(Committed, SackFuzzReplay,
			 ::testing::ValuesIn(committed_inputs(
				 {TOE_FUZZ_SACK_CORPUS_DIR,
				  TOE_FUZZ_SACK_REGRESSIONS_DIR})),
			 test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SackFuzzReplay);

} // namespace
