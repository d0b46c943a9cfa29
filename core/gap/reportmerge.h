// SPDX-License-Identifier: MIT
#pragma once

#include "gap/gapreport.h"

#include <QList>
#include <QString>
#include <optional>

namespace dualscope::gap {

// One report from the reports of several checkers (a consumer group's instances,
// or consecutive windows of one): counts summed, gaps concatenated, windows joined
// (earliest start, latest end, partition ranges widened, patterns and outages
// gathered), latency merged exactly from the buckets. The checkers' own lag is the
// worst of theirs (lag is not additive). Refuses, naming the report by `names`,
// reports of different topics or settings, and reports without latency buckets
// (written by an earlier version): they cannot be merged exactly. Reports of one
// consumer group also get their halves paired: one member's missing (or unobserved)
// event and another's orphan of the same id become the wrong_channel (or matched)
// verdict one checker gives. Pure function.
std::optional<ParsedReport> mergeReports(const QList<ParsedReport> &reports,
                                         const QStringList &names, QString *error);

// Reads the report files (regular files under the report cap) and merges them;
// an error names the file. The CLI's `report merge` and the GUI's merged view.
std::optional<ParsedReport> mergeReportFiles(const QStringList &paths, QString *error);

} // namespace dualscope::gap
