// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace dualscope::cli {

// dualscope-cli check [--duration S | --until-idle S] [--from end|beginning|TIME] ...
int runCheckCommand(const QStringList &arguments);

} // namespace dualscope::cli
