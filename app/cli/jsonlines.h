// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

namespace dualscope::cli {

// Appends `text` to a JSON line: as the JSON value itself when it is a JSON
// object or array (so jq can reach into it), else as a JSON string.
void appendJsonValueOrString(QByteArray &line, const QByteArray &text);
// Appends `text` as a JSON string (escaped; invalid UTF-8 bytes become U+FFFD).
void appendJsonString(QByteArray &line, const QByteArray &text);

} // namespace dualscope::cli
