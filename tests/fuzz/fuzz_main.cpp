// libFuzzer entry point: one input, one fresh engine (see fuzz_engine.hpp).
#include <cstddef>
#include <cstdint>

#include "fuzz_engine.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	toe::fuzz::run_one_input({data, size});
	return 0;
}
