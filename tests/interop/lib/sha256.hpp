// SHA-256 (FIPS 180-4), incremental. Used to compare bulk transfers without
// keeping both copies in memory.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace toe::testnet {

class Sha256 {
public:
	using Digest = std::array<std::uint8_t, 32>;

	Sha256();
	void update(std::span<const std::uint8_t> data);
	void update(const void *data, std::size_t len)
	{
		update({static_cast<const std::uint8_t *>(data), len});
	}
	// Finishes the hash; the object must not be updated afterwards.
	Digest finish();
	std::string hex_finish();

	static std::string hex(const Digest &digest);

private:
	void compress(const std::uint8_t *block);

	std::array<std::uint32_t, 8> state_;
	std::array<std::uint8_t, 64> block_{};
	std::size_t block_used_ = 0;
	std::uint64_t total_bytes_ = 0;
};

} // namespace toe::testnet
