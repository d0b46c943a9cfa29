// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace dualscope::cli {

// dualscope-cli bench publish [--count N] [--batch B] [...]
int runBenchCommand(const QStringList &arguments);

} // namespace dualscope::cli
