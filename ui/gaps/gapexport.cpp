// SPDX-License-Identifier: MIT
#include "gaps/gapexport.h"

#include "event/event.h"
#include "io/userfile.h"

#include <QCoreApplication>

namespace dualscope::ui {

namespace {

void appendField(QByteArray &out, const QByteArray &field)
{
    const bool quote =
        field.contains(',') || field.contains('"') || field.contains('\r') || field.contains('\n');
    if (!quote) {
        out += field;
        return;
    }
    out += '"';
    for (char c : field) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
}

QByteArray number(qint64 value)
{
    return value >= 0 ? QByteArray::number(value) : QByteArray();
}

QByteArray timestamp(qint64 ms)
{
    return ms >= 0 ? event::formatTimestamp(ms) : QByteArray();
}

} // namespace

bool exportGapsJson(const QString &path, const gap::GapCounts &counts,
                    const metrics::LatencyHistogram &latency, const gap::ReportWindow &window,
                    const QList<gap::Gap> &gaps, QString *error)
{
    return io::writeUserFile(path, gap::writeJsonReport(counts, latency, window, gaps), error);
}

QByteArray gapsToCsv(const QList<gap::Gap> &gaps)
{
    QByteArray out = "kind,id,partition,offset,channel,expected_channel,kafka_ts,redis_ts,"
                     "detail\r\n";
    for (const gap::Gap &g : gaps) {
        const QByteArray fields[] = {
            gap::kindName(g.kind),
            g.id,
            number(g.partition),
            number(g.offset),
            g.channel,
            g.expectedChannel,
            timestamp(g.kafkaTsMs),
            timestamp(g.redisTsMs),
            g.detail.toUtf8(),
        };
        bool first = true;
        for (const QByteArray &field : fields) {
            if (!first)
                out += ',';
            first = false;
            appendField(out, field);
        }
        out += "\r\n";
    }
    return out;
}

bool exportGapsCsv(const QString &path, const QList<gap::Gap> &gaps, QString *error)
{
    return io::writeUserFile(path, gapsToCsv(gaps), error);
}

} // namespace dualscope::ui
