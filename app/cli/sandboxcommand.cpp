// SPDX-License-Identifier: MIT
#include "sandboxcommand.h"

#include "cliconnection.h"
#include "sandbox/sandbox.h"
#include "signalwatcher.h"

#include <QCoreApplication>
#include <QTextStream>

namespace dualscope::cli {

int runSandboxCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs a sandbox: an in-process Kafka cluster (librdkafka mock: real brokers on "
        "loopback, data in memory) and a redis-server child on a free loopback port without "
        "persistence. Prints KAFKA_BOOTSTRAP=... and REDIS_URL=..., then READY, and runs until "
        "SIGINT or SIGTERM."));
    parser.addOption({QStringLiteral("brokers"), QStringLiteral("Kafka brokers (default 3)."),
                      QStringLiteral("N"), QStringLiteral("3")});
    parser.addOption({QStringLiteral("partitions"),
                      QStringLiteral("Partitions of the topic (default 6)."), QStringLiteral("N"),
                      QStringLiteral("6")});
    parser.addOption({QStringLiteral("topic"), QStringLiteral("Topic to create (default events)."),
                      QStringLiteral("TOPIC"), QStringLiteral("events")});
    parser.addOption({QStringLiteral("replication"),
                      QStringLiteral("Replication factor (default: 3, at most the brokers)."),
                      QStringLiteral("N")});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, &exitCode))
        return exitCode;

    sandbox::SandboxOptions options;
    qint64 brokers = options.brokers, partitions = options.partitions, replication = -1;
    QString error;
    if (!readCount(parser, QStringLiteral("brokers"), 1, &brokers, &error) ||
        !readCount(parser, QStringLiteral("partitions"), 1, &partitions, &error) ||
        !readCount(parser, QStringLiteral("replication"), 1, &replication, &error)) {
        printError(error);
        return ExitError;
    }
    options.brokers = static_cast<int>(brokers);
    options.partitions = static_cast<int>(partitions);
    options.replicationFactor =
        static_cast<int>(replication > 0 ? replication : std::min<qint64>(3, brokers));
    options.topic = parser.value(QStringLiteral("topic")).toUtf8();
    if (!kafka::validateTopicName(options.topic, &error)) {
        printError(QStringLiteral("--topic: ") + error);
        return ExitError;
    }

    // Watching for SIGINT/SIGTERM before READY is printed: a script may stop us as
    // soon as it reads it.
    SignalWatcher watcher;
    sandbox::Sandbox sandbox(options);
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &sandbox, [&sandbox](int) {
        sandbox.stop();
        QCoreApplication::exit(ExitOk);
    });
    if (!sandbox.start(&error)) {
        printError(QStringLiteral("cannot start the sandbox: ") + error);
        return ExitError;
    }
    QTextStream out(stdout);
    out << "KAFKA_BOOTSTRAP=" << sandbox.kafkaBootstrap() << '\n'
        << "REDIS_URL=" << sandbox.redisUrl() << '\n'
        << "READY" << Qt::endl;
    QTextStream(stderr) << sandbox.description() << "\nStop with Ctrl+C." << Qt::endl;
    return QCoreApplication::exec();
}

} // namespace dualscope::cli
