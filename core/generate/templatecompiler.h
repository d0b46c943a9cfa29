// SPDX-License-Identifier: MIT
#pragma once

#include "generate/templateprogram.h"

#include <optional>

namespace dualscope::generate {

// A template's text compiled in one SAX pass of RapidJSON: the top-level fields and
// the payload become programs of literals and placeholder slots. nullopt and
// *error (line, column, what) when the text is not a valid template. Any thread.
std::optional<EventTemplate::Compiled> compileTemplate(const QByteArray &text,
                                                       TemplateError *error);

} // namespace dualscope::generate
