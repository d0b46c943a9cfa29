// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace dualscope::cli {

// dualscope-cli sandbox [--brokers 3] [--partitions 6] [--topic events]
int runSandboxCommand(const QStringList &arguments);

} // namespace dualscope::cli
