// SPDX-License-Identifier: MIT
// libFuzzer's entry point for one target, chosen when the executable is built
// (DUALSCOPE_FUZZ_TARGET names a function of fuzztargets.h).
#include "fuzztargets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return dualscope::fuzz::DUALSCOPE_FUZZ_TARGET(data, size);
}
