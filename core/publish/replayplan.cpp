// SPDX-License-Identifier: MIT
#include "publish/replayplan.h"

#include "event/event.h"
#include "kafka/kafkabrowser.h"

#include <QMap>
#include <algorithm>

namespace dualscope::publish {

QString partitionPlace(const QByteArray &topic, qint32 partition)
{
    return QStringLiteral("%1[%2]").arg(QString::fromUtf8(topic)).arg(partition);
}

QString recordPlace(const QByteArray &topic, qint32 partition, qint64 offset)
{
    return QStringLiteral("%1@%2").arg(partitionPlace(topic, partition)).arg(offset);
}

std::optional<ReplayPlan> ReplayPlan::ofRange(kafka::KafkaBrowser &browser,
                                              const ReplayRange &range, int timeoutMs,
                                              QString *error)
{
    ReplayPlan plan;
    plan.topic = range.topic;
    if (range.fromKind == ReplayRange::Bound::Offset && range.from < 0) {
        *error = QStringLiteral("offset %1 is not an offset").arg(range.from);
        return std::nullopt;
    }
    if (range.fromKind == range.toKind && range.fromKind != ReplayRange::Bound::End &&
        range.to < range.from) {
        *error = range.toKind == ReplayRange::Bound::Offset
                     ? QStringLiteral("the range ends at offset %1, before it starts at offset %2")
                           .arg(range.to)
                           .arg(range.from)
                     : QStringLiteral("the range ends at %1, before it starts at %2")
                           .arg(QString::fromLatin1(event::formatTimestamp(range.to)),
                                QString::fromLatin1(event::formatTimestamp(range.from)));
        return std::nullopt;
    }
    const std::optional<kafka::TopicInfo> topic = browser.topic(plan.topic, timeoutMs, error);
    if (!topic)
        return std::nullopt;
    if (!topic->error.isEmpty()) {
        *error = QStringLiteral("%1: %2").arg(QString::fromUtf8(plan.topic), topic->error);
        return std::nullopt;
    }
    QList<kafka::PartitionInfo> selected;
    if (range.partitions.isEmpty()) {
        selected = topic->partitions;
    } else {
        for (const qint32 wanted : range.partitions) {
            const auto found =
                std::find_if(topic->partitions.cbegin(), topic->partitions.cend(),
                             [wanted](const kafka::PartitionInfo &p) { return p.id == wanted; });
            if (found == topic->partitions.cend()) {
                *error = QStringLiteral("%1 has no partition %2 (it has %3)")
                             .arg(QString::fromUtf8(plan.topic))
                             .arg(wanted)
                             .arg(topic->partitions.size());
                return std::nullopt;
            }
            if (std::none_of(selected.cbegin(), selected.cend(),
                             [wanted](const kafka::PartitionInfo &p) { return p.id == wanted; }))
                selected.append(*found);
        }
    }
    std::sort(
        selected.begin(), selected.end(),
        [](const kafka::PartitionInfo &a, const kafka::PartitionInfo &b) { return a.id < b.id; });

    QList<kafka::PartitionInfo> pastEnd;
    for (const kafka::PartitionInfo &partition : std::as_const(selected)) {
        const QString where = partitionPlace(plan.topic, partition.id);
        if (!partition.error.isEmpty() || partition.low < 0 || partition.high < 0) {
            *error = QStringLiteral("%1: %2").arg(where, partition.error.isEmpty()
                                                             ? QStringLiteral("no watermarks")
                                                             : partition.error);
            return std::nullopt;
        }
        const qint64 low = partition.low;
        const qint64 high = partition.high;
        qint64 start = high;
        switch (range.fromKind) {
        case ReplayRange::Bound::Offset:
            if (range.from > high) {
                pastEnd.append(partition);
                break;
            }
            start = std::max(range.from, low);
            if (range.from < low && low < high)
                plan.notices.append(QStringLiteral("%1: offsets below %2 are no longer "
                                                   "retained: replaying from %2")
                                        .arg(where)
                                        .arg(low));
            break;
        case ReplayRange::Bound::Timestamp: {
            QString notice;
            const std::optional<qint64> offset = browser.offsetForTimestamp(
                plan.topic, partition.id, range.from, timeoutMs, error, &notice);
            if (!offset)
                return std::nullopt;
            start = *offset;
            // "after the last record" only means this partition has nothing to
            // replay; a timestamp before the retained records is worth saying.
            if (start < high && !notice.isEmpty())
                plan.notices.append(notice);
            break;
        }
        case ReplayRange::Bound::End:
            break;
        }
        qint64 end = high;
        if (start < high) {
            switch (range.toKind) {
            case ReplayRange::Bound::Offset:
                end = std::min(high, range.to + 1);
                break;
            case ReplayRange::Bound::Timestamp: {
                const std::optional<qint64> offset = browser.offsetForTimestamp(
                    plan.topic, partition.id, range.to, timeoutMs, error);
                if (!offset)
                    return std::nullopt;
                end = *offset;
                break;
            }
            case ReplayRange::Bound::End:
                break;
            }
        }
        if (end > start) {
            Work work;
            work.partition = partition.id;
            work.next = start;
            work.end = end;
            plan.work.append(work);
            plan.total += end - start;
        }
    }
    if (!pastEnd.isEmpty() && pastEnd.size() == selected.size()) {
        if (pastEnd.size() == 1) {
            *error = QStringLiteral("offset %1 is past the end of %2 (high watermark %3)")
                         .arg(range.from)
                         .arg(partitionPlace(plan.topic, pastEnd.first().id))
                         .arg(pastEnd.first().high);
        } else {
            const auto highest =
                std::max_element(pastEnd.cbegin(), pastEnd.cend(),
                                 [](const kafka::PartitionInfo &a, const kafka::PartitionInfo &b) {
                                     return a.high < b.high;
                                 });
            *error = QStringLiteral("offset %1 is past the end of every partition of %2 (the "
                                    "highest high watermark is %3, on %4)")
                         .arg(range.from)
                         .arg(QString::fromUtf8(plan.topic))
                         .arg(highest->high)
                         .arg(partitionPlace(plan.topic, highest->id));
        }
        return std::nullopt;
    }
    for (const kafka::PartitionInfo &partition : std::as_const(pastEnd))
        plan.notices.append(
            QStringLiteral("offset %1 is past the end of %2 (high watermark %3): nothing to "
                           "replay there")
                .arg(range.from)
                .arg(partitionPlace(plan.topic, partition.id))
                .arg(partition.high));
    if (plan.total == 0 && pastEnd.isEmpty())
        plan.notices.append(
            QStringLiteral("no records of %1 are in the range").arg(QString::fromUtf8(plan.topic)));
    return plan;
}

std::optional<ReplayPlan> ReplayPlan::ofTargets(kafka::KafkaBrowser &browser,
                                                const QList<ReplayTarget> &targets, int timeoutMs,
                                                QString *error)
{
    ReplayPlan plan;
    if (targets.isEmpty()) {
        plan.notices.append(QStringLiteral("nothing to replay: no targets"));
        return plan;
    }
    plan.topic = targets.first().topic;
    for (const ReplayTarget &target : std::as_const(targets)) {
        if (target.topic != plan.topic) {
            *error = QStringLiteral("the records to replay are in several topics (%1 and %2): "
                                    "one replay reads one topic")
                         .arg(QString::fromUtf8(plan.topic), QString::fromUtf8(target.topic));
            return std::nullopt;
        }
    }
    // Per partition, each offset once, in log order: pages then cover neighbouring
    // targets with one read.
    QMap<qint32, QMap<qint64, ReplayTarget>> byPartition;
    for (const ReplayTarget &target : std::as_const(targets))
        byPartition[target.partition].insert(target.offset, target);
    qint64 unique = 0;
    for (const auto &offsets : std::as_const(byPartition))
        unique += offsets.size();
    if (unique < targets.size())
        plan.notices.append(QStringLiteral("%1 records were listed more than once: each is "
                                           "replayed once")
                                .arg(targets.size() - unique));
    plan.requested = unique;
    plan.total = unique;

    const std::optional<kafka::TopicInfo> topic = browser.topic(plan.topic, timeoutMs, error);
    if (!topic)
        return std::nullopt;
    if (!topic->error.isEmpty()) {
        *error = QStringLiteral("%1: %2").arg(QString::fromUtf8(plan.topic), topic->error);
        return std::nullopt;
    }
    for (auto it = byPartition.cbegin(); it != byPartition.cend(); ++it) {
        const qint32 id = it.key();
        const auto found = std::find_if(topic->partitions.cbegin(), topic->partitions.cend(),
                                        [id](const kafka::PartitionInfo &p) { return p.id == id; });
        Work work;
        work.partition = id;
        for (const ReplayTarget &target : it.value()) {
            const QString where = recordPlace(plan.topic, id, target.offset);
            QString reason;
            if (found == topic->partitions.cend())
                reason = QStringLiteral("%1 has no partition %2")
                             .arg(QString::fromUtf8(plan.topic))
                             .arg(id);
            else if (!found->error.isEmpty())
                reason = found->error;
            else if (target.offset < found->low)
                reason = QStringLiteral("no longer retained (low watermark %1)").arg(found->low);
            else if (target.offset >= found->high)
                reason = QStringLiteral("past the end of the partition (high watermark %1): "
                                        "is this the cluster the report was made on?")
                             .arg(found->high);
            if (reason.isEmpty()) {
                work.targets.append(target);
                continue;
            }
            plan.notFound.append(
                QStringLiteral("%1 (id %2): %3").arg(where, QString::fromUtf8(target.id), reason));
        }
        if (!work.targets.isEmpty())
            plan.work.append(work);
    }
    return plan;
}

} // namespace dualscope::publish
