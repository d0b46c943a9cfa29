// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

namespace dualscope::sandbox {
// dualscope.sandbox: the mock cluster, the redis-server child and its output.
Q_DECLARE_LOGGING_CATEGORY(lcSandbox)
} // namespace dualscope::sandbox
