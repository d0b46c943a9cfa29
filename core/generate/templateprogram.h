// SPDX-License-Identifier: MIT
#pragma once

// The compiled form of an event template, shared by the compiler that builds it
// (templatecompiler.cpp) and the expansion that runs it (eventtemplate.cpp).
// Internal to core/generate.

#include "generate/eventtemplate.h"

#include <QByteArray>
#include <vector>

namespace dualscope::generate {

// One step of an expansion: append a literal or the value of one placeholder.
enum class Slot : quint8 { Literal, Seq, Uuid, Now, NowMs, Int, Choice, Source };

struct Op
{
    Slot kind = Slot::Literal;
    // Source in the payload: JSON-escape the source id (it may come from a literal
    // or a choice holding a quote). Literals and choices are escaped at compile time.
    bool escape = false;
    QByteArray text;                 // Literal
    qint64 low = 0;                  // Seq: start; Int: low bound
    qint64 high = 0;                 // Int: high bound
    std::vector<QByteArray> choices; // Choice: the values, escaped for the context
};

struct EventTemplate::Program
{
    std::vector<Op> ops;
    // Only literals: the value is this shared QByteArray, assigned without a copy.
    bool constant = true;
    QByteArray constantValue;
    // Bytes the literals take, plus a guess for the slots: one reserve() per event.
    qsizetype sizeHint = 0;
};

struct EventTemplate::Compiled
{
    Program id;
    Program type;
    Program sourceType;
    Program sourceId;
    Program payload;
    bool fixedTimestamp = false;
    qint64 timestampMs = 0;
};

// Appends `data` as the inside of a JSON string: quotes, backslashes and control
// characters escaped. Literals are escaped when compiled, source ids per event.
void appendJsonEscaped(QByteArray &out, const char *data, qsizetype size);

} // namespace dualscope::generate
