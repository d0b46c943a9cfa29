// SPDX-License-Identifier: MIT
#pragma once

#include "gap/gaptypes.h"

#include <QCommandLineParser>

namespace dualscope::cli {

// The field mapping options shared by `check` and `replay`: --id-pointer,
// --type-pointer, --source-type-pointer, --source-id-pointer and the
// --notification-*-pointer ones (JSON pointers, RFC 6901). Main thread.
void addMappingOptions(QCommandLineParser &parser);
// Copies the options that are set into *mapping; the caller validates the result
// (FieldMapping::validate) so that its error names the pointer.
void applyMappingOptions(const QCommandLineParser &parser, gap::FieldMapping *mapping);

} // namespace dualscope::cli
