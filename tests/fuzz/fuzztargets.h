// SPDX-License-Identifier: MIT
#pragma once
// The parsers of outside input, each as a fuzz target: bytes in, no crash, no
// undefined behaviour, and the property the parser promises. libFuzzer drives
// them in the clang build (./build.sh fuzz); tst_fuzzcorpus replays every file of
// the seed and regression corpus through them in the normal test run.

#include <cstddef>
#include <cstdint>

namespace dualscope::fuzz {

// A target returns 0 (libFuzzer's convention) and aborts when a property fails.
using Target = int (*)(const uint8_t *data, size_t size);

int eventCodec(const uint8_t *data, size_t size);
int notificationReader(const uint8_t *data, size_t size);
int respParser(const uint8_t *data, size_t size);
int eventTemplate(const uint8_t *data, size_t size);
int redisUrl(const uint8_t *data, size_t size);
int reportReader(const uint8_t *data, size_t size);

} // namespace dualscope::fuzz
