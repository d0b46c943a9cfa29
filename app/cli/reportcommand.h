// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace dualscope::cli {

// dualscope-cli report merge A.json B.json ... [--output FILE.json] [--junit FILE.xml]
int runReportCommand(const QStringList &arguments);

} // namespace dualscope::cli
