// SPDX-License-Identifier: MIT
#include "benchcommand.h"
#include "checkcommand.h"
#include "cliconnection.h"
#include "publishcommand.h"
#include "replaycommand.h"
#include "reportcommand.h"
#include "sandboxcommand.h"
#include "tailcommand.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QTextStream>

namespace {

const char kUsage[] =
    "usage: dualscope-cli <command> [options]\n"
    "\n"
    "commands:\n"
    "  sandbox   run an embedded Kafka (mock cluster) and a redis-server; print their "
    "addresses\n"
    "  publish   publish events to Kafka and their notifications to Redis\n"
    "  check     reconcile Kafka and Redis: matched, missing, orphan, ... (exit 0/1/2)\n"
    "  tail      print Redis messages or Kafka records as JSON lines: tail redis|kafka\n"
    "  replay    re-send the notifications of Kafka events: --from OFFSET|TIME [--to ...] "
    "| --report FILE.json\n"
    "  bench     measure: bench publish | bench check\n"
    "  report    merge the reports of several checks: report merge A.json B.json ...\n"
    "\n"
    "common options: --kafka BOOTSTRAP  --redis redis://[user:pass@]host:port[/db]\n"
    "                --topic events  -X key=value (librdkafka property, repeatable)\n"
    "Run 'dualscope-cli <command> --help' for a command's options.\n";

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    // The commands tell the user what matters in their own words; the libraries'
    // info lines would repeat it. Warnings stay; QT_LOGGING_RULES still overrides.
    QLoggingCategory::setFilterRules(QStringLiteral("dualscope.*.info=false"));
    QCoreApplication::setApplicationName(QStringLiteral("dualscope-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DUALSCOPE_VERSION));

    QStringList arguments = QCoreApplication::arguments();
    const QString command = arguments.size() > 1 ? arguments.at(1) : QString();
    arguments.removeFirst(); // the program; a subcommand's parser sees "publish --count 3"
    using namespace dualscope::cli;
    if (command == QLatin1String("sandbox"))
        return runSandboxCommand(arguments);
    if (command == QLatin1String("publish"))
        return runPublishCommand(arguments);
    if (command == QLatin1String("check"))
        return runCheckCommand(arguments);
    if (command == QLatin1String("tail"))
        return runTailCommand(arguments);
    if (command == QLatin1String("replay"))
        return runReplayCommand(arguments);
    if (command == QLatin1String("bench"))
        return runBenchCommand(arguments);
    if (command == QLatin1String("report"))
        return runReportCommand(arguments);
    if (command == QLatin1String("--help") || command == QLatin1String("-h")) {
        QTextStream(stdout) << kUsage;
        return ExitOk;
    }
    if (command == QLatin1String("--version")) {
        QTextStream(stdout) << "dualscope-cli " << DUALSCOPE_VERSION << Qt::endl;
        return ExitOk;
    }
    if (!command.isEmpty())
        printError(QStringLiteral("unknown command '%1'").arg(command));
    QTextStream(stderr) << kUsage;
    return ExitError;
}
