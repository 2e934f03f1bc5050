// libFuzzer entry point of the SACK-hostile target (see sack_target.hpp).
#include <cstddef>
#include <cstdint>

#include "sack_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	toe::fuzz::run_one_sack_input({data, size});
	return 0;
}
