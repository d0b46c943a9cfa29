// SPDX-License-Identifier: MIT
#pragma once

#include "publish/publishoutcome.h"

#include <QHash>
#include <QList>

namespace dualscope::publish {

// Counts Kafka failures by reason, so that a summary says why events failed and
// not only how many. Plain class; one thread at a time.
class FailureTally
{
public:
    // Distinct reasons kept; more are counted under "OTHER" (a reason is a code
    // and its text, so there are a handful in any real run).
    static constexpr qsizetype kMaxReasons = 16;

    void add(const QString &code, const QString &text, const QString &example,
             bool possiblyPersisted);
    // The most frequent first; ties in the order they were first seen.
    QList<KafkaFailureReason> reasons() const;

private:
    QList<KafkaFailureReason> m_reasons;
    QHash<QString, qsizetype> m_indexByKey;
};

// One line for a summary: "1078 _QUEUE_FULL: the local producer queue ...".
QString describeReason(const KafkaFailureReason &reason);

} // namespace dualscope::publish
