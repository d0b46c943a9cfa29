// SPDX-License-Identifier: MIT
#include "benchcommand.h"

#include "cliconnection.h"
#include "publishcommand.h"
#include "sandbox/sandbox.h"

#include <QTextStream>

namespace dualscope::cli {

namespace {

int benchPublish(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Publishes --count events (default 100000) as fast as the peers take them and prints "
        "throughput, ack latency percentiles and peak resident memory. Without --kafka/--redis "
        "(or DUALSCOPE_KAFKA/DUALSCOPE_REDIS) it starts an embedded sandbox. For the comparison "
        "with kcat and redis-benchmark, run bench/publish-vs-reference.sh."));
    addConnectionOptions(parser);
    addPublishOptions(parser);
    parser.addPositionalArgument(QStringLiteral("publish"), QStringLiteral("What to measure."));
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, &exitCode))
        return exitCode;

    PublishRequest request;
    request.run.count = 100'000;
    request.run.batch = 1000;
    request.benchFigures = true;
    QString error;
    if (!readPublishOptions(parser, &request, &error)) {
        printError(error);
        return ExitError;
    }
    const bool connectionGiven =
        parser.isSet(QStringLiteral("kafka")) || !qEnvironmentVariableIsEmpty("DUALSCOPE_KAFKA");
    sandbox::Sandbox sandbox;
    if (!connectionGiven) {
        if (!sandbox.start(&error)) {
            printError(QStringLiteral("cannot start the sandbox: ") + error);
            return ExitError;
        }
        qputenv("DUALSCOPE_KAFKA", sandbox.kafkaBootstrap());
        qputenv("DUALSCOPE_REDIS", sandbox.redisUrl().toUtf8());
        QTextStream(stderr) << "bench: " << sandbox.description() << Qt::endl;
    }
    if (!resolveConnection(parser, &request.connection, &error)) {
        printError(error);
        return ExitError;
    }
    return executePublish(request);
}

} // namespace

int runBenchCommand(const QStringList &arguments)
{
    // arguments[0] is "bench"; the next word says what to measure.
    const QString what = arguments.size() > 1 ? arguments.at(1) : QString();
    if (what == QLatin1String("publish"))
        return benchPublish(arguments.mid(1));
    if (what == QLatin1String("--help") || what == QLatin1String("-h") || what.isEmpty()) {
        QTextStream(what.isEmpty() ? stderr : stdout)
            << "usage: dualscope-cli bench publish [options]   (see bench publish --help)\n";
        return what.isEmpty() ? ExitError : ExitOk;
    }
    printError(QStringLiteral("bench measures 'publish'; '%1' is not known").arg(what));
    return ExitError;
}

} // namespace dualscope::cli
