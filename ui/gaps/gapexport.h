// SPDX-License-Identifier: MIT
#pragma once

#include "gap/gapreport.h"
#include "gap/gaptypes.h"
#include "metrics/latencyhistogram.h"

#include <QByteArray>
#include <QList>
#include <QString>

// Saving what the gap panel shows. Pure functions, any thread.
namespace dualscope::ui {

// The `dualscope-cli check` report format (gap::writeJsonReport), so that `replay
// --report` and scripts read a GUI export like a CI one. Written atomically.
bool exportGapsJson(const QString &path, const gap::GapCounts &counts,
                    const metrics::LatencyHistogram &latency, const gap::ReportWindow &window,
                    const QList<gap::Gap> &gaps, QString *error);

// RFC 4180: a header row, CRLF line ends, fields with a comma, quote, CR or LF
// quoted with quotes doubled; unknown values are empty fields.
QByteArray gapsToCsv(const QList<gap::Gap> &gaps);
bool exportGapsCsv(const QString &path, const QList<gap::Gap> &gaps, QString *error);

} // namespace dualscope::ui
