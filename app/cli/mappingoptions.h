// SPDX-License-Identifier: MIT
#pragma once

#include "event/channeltemplate.h"
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
// --channel-template, when given, parsed into *channelTemplate (left as it is when
// not). False and *error (the template's own words) when it is refused.
bool readChannelTemplate(const QCommandLineParser &parser, event::ChannelTemplate *channelTemplate,
                         QString *error);

} // namespace dualscope::cli
