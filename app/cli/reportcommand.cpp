// SPDX-License-Identifier: MIT
#include "reportcommand.h"

#include "cliconnection.h"
#include "gap/reportmerge.h"
#include "io/userfile.h"

#include <QTextStream>
#include <cstdio>

namespace dualscope::cli {

namespace {

int merge(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Merges check reports into one: counts summed, gaps concatenated, windows joined, "
        "latency merged exactly from the reports' buckets. The reports of one consumer group's "
        "instances, or of consecutive windows. Refuses reports of different topics or settings. "
        "Exit 0: the merged report has no gaps, 1: it has, 2: an error."));
    parser.addPositionalArgument(QStringLiteral("reports"),
                                 QStringLiteral("Check reports (JSON) to merge."),
                                 QStringLiteral("A.json B.json ..."));
    parser.addOption({QStringLiteral("output"),
                      QStringLiteral("Write the merged report here (default: standard output)."),
                      QStringLiteral("FILE.json")});
    parser.addOption({QStringLiteral("junit"),
                      QStringLiteral("Write a JUnit report of the merged counts here."),
                      QStringLiteral("FILE.xml")});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, &exitCode, true))
        return exitCode;
    const QStringList paths = parser.positionalArguments();
    if (paths.size() < 1) {
        printError(QStringLiteral("report merge needs at least one report (see --help)"));
        return ExitError;
    }
    QString error;
    for (const QString &path :
         {parser.value(QStringLiteral("output")), parser.value(QStringLiteral("junit"))}) {
        if (!path.isEmpty() && !io::checkWritable(path, &error)) {
            printError(error);
            return ExitError;
        }
    }
    const std::optional<gap::ParsedReport> merged = gap::mergeReportFiles(paths, &error);
    if (!merged) {
        printError(error);
        return ExitError;
    }
    const QByteArray json =
        gap::writeJsonReport(merged->counts, *merged->latency, merged->window, merged->gaps);
    const QString output = parser.value(QStringLiteral("output"));
    if (output.isEmpty()) {
        std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
        std::fflush(stdout);
    } else if (!io::writeUserFile(output, json, &error)) {
        printError(error);
        return ExitError;
    }
    const QString junit = parser.value(QStringLiteral("junit"));
    if (!junit.isEmpty() &&
        !io::writeUserFile(
            junit,
            gap::writeJUnitReport(
                merged->counts, merged->gaps,
                QStringLiteral("dualscope check (%1 reports merged)").arg(paths.size())),
            &error)) {
        printError(error);
        return ExitError;
    }
    return merged->counts.gapTotal() == 0 ? ExitOk : ExitGaps;
}

} // namespace

int runReportCommand(const QStringList &arguments)
{
    // arguments[0] is "report"; the next word says what to do.
    const QString what = arguments.size() > 1 ? arguments.at(1) : QString();
    if (what == QLatin1String("merge"))
        return merge(arguments.mid(1));
    if (what == QLatin1String("--help") || what == QLatin1String("-h")) {
        std::fputs("usage: dualscope-cli report merge A.json B.json ... [--output FILE] "
                   "[--junit FILE]\n",
                   stdout);
        return ExitOk;
    }
    printError(QStringLiteral("report takes 'merge'") +
               (what.isEmpty() ? QString() : QStringLiteral(", not '%1'").arg(what)));
    return ExitError;
}

} // namespace dualscope::cli
