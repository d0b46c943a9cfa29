// SPDX-License-Identifier: MIT
#include "gap/reportmerge.h"

#include "io/userfile.h"

#include <QHash>
#include <algorithm>
#include <functional>

namespace dualscope::gap {

namespace {

LatencySummary worst(const LatencySummary &a, const LatencySummary &b)
{
    return {std::max(a.p50, b.p50), std::max(a.p90, b.p90), std::max(a.p99, b.p99),
            std::max(a.max, b.max)};
}

// A consumer group's members split notifications by the partition their channel maps
// to, so a notification on a channel that maps elsewhere than its record (the system
// sent it to a wrong channel, or an ownership change raced it) reaches another member:
// one member reports the event missing or unobserved, the other an orphan of the same
// id. Only the merged report sees both halves; it pairs them into the verdict one
// checker would have given (wrong_channel, or matched when the channel was right).
void pairAcrossMembers(ParsedReport &merged)
{
    QHash<QByteArray, qsizetype> silent; // id -> row of its missing/unobserved gap
    for (qsizetype i = 0; i < merged.gaps.size(); ++i) {
        const Gap &gap = merged.gaps.at(i);
        if (gap.kind == GapKind::Missing || gap.kind == GapKind::Unobserved)
            silent.insert(gap.id, i);
    }
    if (silent.isEmpty())
        return;
    QList<qsizetype> dropped;
    for (qsizetype i = 0; i < merged.gaps.size(); ++i) {
        const Gap &orphan = merged.gaps.at(i);
        if (orphan.kind != GapKind::Orphan)
            continue;
        const auto row = silent.constFind(orphan.id);
        if (row == silent.cend())
            continue;
        Gap &event = merged.gaps[*row];
        const GapKind was = event.kind;
        --merged.counts.of(was);
        --merged.counts.orphan;
        dropped.append(i);
        if (event.expectedChannel.isEmpty() || orphan.channel == event.expectedChannel) {
            ++merged.counts.matched;
            // From the time the member read it: its delivery time is not in the report.
            if (event.kafkaTsMs >= 0 && orphan.redisTsMs >= 0)
                merged.latency->record(std::max<qint64>(0, orphan.redisTsMs - event.kafkaTsMs) *
                                       1000);
            dropped.append(*row);
        } else {
            ++merged.counts.wrongChannel;
            event.kind = GapKind::WrongChannel;
            event.revises = was;
            event.channel = orphan.channel;
            event.redisTsMs = orphan.redisTsMs;
            event.detail = QStringLiteral("arrived on '%1', the template gives '%2' (paired by "
                                          "report merge: the channel maps to another member's "
                                          "partition)")
                               .arg(QString::fromUtf8(orphan.channel),
                                    QString::fromUtf8(event.expectedChannel));
        }
        silent.erase(row);
    }
    std::sort(dropped.begin(), dropped.end(), std::greater<>());
    for (const qsizetype row : dropped)
        merged.gaps.removeAt(row);
}

} // namespace

std::optional<ParsedReport> mergeReports(const QList<ParsedReport> &reports,
                                         const QStringList &names, QString *error)
{
    auto refuse = [&](const QString &why) -> std::optional<ParsedReport> {
        *error = why;
        return std::nullopt;
    };
    if (reports.isEmpty())
        return refuse(QStringLiteral("no report to merge"));
    const auto nameOf = [&](qsizetype i) {
        return i < names.size() ? names.at(i) : QStringLiteral("report %1").arg(i + 1);
    };
    ParsedReport merged;
    merged.latency = metrics::LatencyHistogram();
    QHash<qint32, PartitionRange> ranges;
    QList<qint32> partitionOrder;
    const ReportSettings &first = reports.first().window.settings;
    for (qsizetype i = 0; i < reports.size(); ++i) {
        const ParsedReport &report = reports.at(i);
        if (report.window.topic != reports.first().window.topic)
            return refuse(QStringLiteral("%1 is a report on topic '%2', %3 on '%4': reports of "
                                         "different topics do not merge")
                              .arg(nameOf(i), QString::fromUtf8(report.window.topic), nameOf(0),
                                   QString::fromUtf8(reports.first().window.topic)));
        ReportSettings settings = report.window.settings;
        settings.instance = first.instance; // instances differ, that is the point
        if (!(settings == first))
            return refuse(QStringLiteral("%1 was checked with other settings than %2 (grace %3 ms "
                                         "vs %4 ms, late %5 ms vs %6 ms, size limit %7 vs %8, "
                                         "template '%9' vs '%10', group '%11' vs '%12'): its "
                                         "verdicts do not add up with theirs")
                              .arg(nameOf(i), nameOf(0))
                              .arg(settings.graceMs)
                              .arg(first.graceMs)
                              .arg(settings.lateMs)
                              .arg(first.lateMs)
                              .arg(settings.maxNotificationBytes)
                              .arg(first.maxNotificationBytes)
                              .arg(settings.channelTemplate, first.channelTemplate, settings.group,
                                   first.group));
        if (!report.latency)
            return refuse(QStringLiteral("%1 has no latency buckets (written by an earlier "
                                         "version): latency cannot be merged exactly")
                              .arg(nameOf(i)));
        for (const GapKind kind : kAllGapKinds)
            merged.counts.of(kind) += report.counts.of(kind);
        GapCounts &c = merged.counts;
        c.kafkaRecords += report.counts.kafkaRecords;
        c.redisNotifications += report.counts.redisNotifications;
        c.kafkaEvents += report.counts.kafkaEvents;
        c.droppedNotifications += report.counts.droppedNotifications;
        c.forgottenEarly += report.counts.forgottenEarly;
        c.revised += report.counts.revised;
        c.outsideWindowRecords += report.counts.outsideWindowRecords;
        c.outsideWindowNotifications += report.counts.outsideWindowNotifications;
        c.unjudgedNotifications += report.counts.unjudgedNotifications;
        merged.latency->merge(*report.latency);
        merged.gaps += report.gaps;

        ReportWindow &w = merged.window;
        const ReportWindow &rw = report.window;
        w.startMs = i == 0 ? rw.startMs : std::min(w.startMs, rw.startMs);
        w.endMs = std::max(w.endMs, rw.endMs);
        for (const PartitionRange &range : rw.partitions) {
            auto it = ranges.find(range.partition);
            if (it == ranges.end()) {
                ranges.insert(range.partition, range);
                partitionOrder.append(range.partition);
                continue;
            }
            if (range.firstOffset >= 0)
                it->firstOffset = it->firstOffset < 0
                                      ? range.firstOffset
                                      : std::min(it->firstOffset, range.firstOffset);
            it->lastOffset = std::max(it->lastOffset, range.lastOffset);
        }
        for (const QByteArray &pattern : rw.patterns) {
            if (!w.patterns.contains(pattern))
                w.patterns.append(pattern);
        }
        w.outages += rw.outages;
        w.kafkaSkipped += rw.kafkaSkipped;
        w.checkerLagMs = worst(w.checkerLagMs, rw.checkerLagMs);
        w.kafkaTailLagMs = worst(w.kafkaTailLagMs, rw.kafkaTailLagMs);
    }
    merged.window.topic = reports.first().window.topic;
    merged.window.settings = first;
    merged.window.settings.instance = QStringLiteral("merged from %1 reports").arg(reports.size());
    std::sort(partitionOrder.begin(), partitionOrder.end());
    for (const qint32 partition : partitionOrder)
        merged.window.partitions.append(ranges.value(partition));
    if (!first.group.isEmpty())
        pairAcrossMembers(merged);
    merged.latencyMs = LatencySummary::of(*merged.latency);
    return merged;
}

std::optional<ParsedReport> mergeReportFiles(const QStringList &paths, QString *error)
{
    QList<ParsedReport> reports;
    for (const QString &path : paths) {
        QByteArray bytes;
        QString why;
        if (!io::readUserFile(path, io::kMaxReportFileBytes, &bytes, &why)) {
            *error = QStringLiteral("cannot use the report: ") + why;
            return std::nullopt;
        }
        std::optional<ParsedReport> report = readJsonReport(bytes, &why);
        if (!report) {
            *error = QStringLiteral("%1: %2").arg(path, why);
            return std::nullopt;
        }
        reports.append(std::move(*report));
    }
    return mergeReports(reports, paths, error);
}

} // namespace dualscope::gap
