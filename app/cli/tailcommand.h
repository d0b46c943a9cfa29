// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace dualscope::cli {

// dualscope-cli tail redis|kafka ...: one JSON object per line, ready for jq.
int runTailCommand(const QStringList &arguments);

} // namespace dualscope::cli
