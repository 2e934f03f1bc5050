// SPDX-License-Identifier: MIT
// SHA-256 over a stream, through nettle.
#pragma once

#include <nettle/sha2.h>

#include <cstddef>
#include <span>
#include <string>

namespace toe::example {

class Sha256 {
public:
	Sha256() { sha256_init(&ctx_); }

	void update(std::span<const std::byte> data)
	{
		sha256_update(&ctx_, data.size(), reinterpret_cast<const uint8_t *>(data.data()));
	}

	// The digest in lower-case hex, as sha256sum prints it.
	std::string hex()
	{
		uint8_t digest[SHA256_DIGEST_SIZE];
		sha256_digest(&ctx_, sizeof(digest), digest);
		static const char digits[] = "0123456789abcdef";
		std::string out;
		for (uint8_t b : digest) {
			out += digits[b >> 4];
			out += digits[b & 15];
		}
		return out;
	}

private:
	sha256_ctx ctx_;
};

} // namespace toe::example
