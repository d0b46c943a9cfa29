// SPDX-License-Identifier: MIT
#pragma once
// The halves of an event that a consumer group's members report apart: one member's
// silent event (missing, unobserved) and another's orphan of the same id.

#include "gap/gaptypes.h"

namespace dualscope::testing {

// A gap of `kind` on event `id` stamped at `kafkaTsMs` (an orphan: its notification
// 40 ms later, and no record).
inline gap::Gap memberGap(gap::GapKind kind, const QByteArray &id, const QByteArray &channel,
                          const QByteArray &expectedChannel, qint64 kafkaTsMs)
{
    gap::Gap gap;
    gap.kind = kind;
    gap.id = id;
    gap.channel = channel;
    gap.expectedChannel = expectedChannel;
    const bool orphan = kind == gap::GapKind::Orphan;
    gap.kafkaTsMs = orphan ? -1 : kafkaTsMs;
    gap.redisTsMs = orphan ? kafkaTsMs + 40 : -1;
    return gap;
}

} // namespace dualscope::testing
