// SPDX-License-Identifier: MIT
#include "publish/failuretally.h"

#include <algorithm>

namespace dualscope::publish {

void FailureTally::add(const QString &code, const QString &text, const QString &example,
                       bool possiblyPersisted)
{
    QString key = code + QLatin1Char('\n') + text;
    auto found = m_indexByKey.constFind(key);
    if (found == m_indexByKey.cend()) {
        if (m_reasons.size() >= kMaxReasons) {
            key = QStringLiteral("OTHER");
            found = m_indexByKey.constFind(key);
        }
        if (found == m_indexByKey.cend()) {
            const bool other = key == QLatin1String("OTHER");
            found = m_indexByKey.insert(key, m_reasons.size());
            m_reasons.append(
                {other ? key : code,
                 other ? QStringLiteral("further reasons (only %1 are told apart)").arg(kMaxReasons)
                       : text,
                 example, 0, possiblyPersisted});
        }
    }
    ++m_reasons[*found].count;
}

QList<KafkaFailureReason> FailureTally::reasons() const
{
    QList<KafkaFailureReason> sorted = m_reasons;
    std::stable_sort(
        sorted.begin(), sorted.end(),
        [](const KafkaFailureReason &a, const KafkaFailureReason &b) { return a.count > b.count; });
    return sorted;
}

QString describeReason(const KafkaFailureReason &reason)
{
    return QStringLiteral("%1%2 %3: %4")
        .arg(reason.count)
        .arg(reason.possiblyPersisted ? QStringLiteral(" possibly persisted,") : QString(),
             reason.code, reason.text);
}

} // namespace dualscope::publish
