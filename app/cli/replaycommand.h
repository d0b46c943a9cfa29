// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace dualscope::cli {

// dualscope-cli replay --from OFFSET|TIME [--to OFFSET|TIME] [--partition P] | --report FILE.json
int runReplayCommand(const QStringList &arguments);

} // namespace dualscope::cli
